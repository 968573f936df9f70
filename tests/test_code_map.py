"""README's code map matches the folders: every package folder of cardgen has a row, and
every module is named in its own folder's row, so the map never goes stale."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def code_map() -> dict[str, set[str]]:
    """README's code map: folder (`cardgen/batch/`) -> every name in backticks in its row."""
    rows = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        cells = line.split("|")
        if line.startswith("| `cardgen/") and len(cells) >= 5:
            rows[cells[1].strip().strip("`")] = set(re.findall(r"`([A-Za-z_]+)`", cells[3]))
    return rows


def test_every_folder_has_a_row_and_every_module_is_named_in_it() -> None:
    rows = code_map()
    package = ROOT / "cardgen"
    folders = ["cardgen/"] + [
        f"cardgen/{p.name}/" for p in sorted(package.iterdir()) if (p / "__init__.py").is_file()
    ]
    assert sorted(rows) == sorted(folders)
    for folder in folders:
        modules = {p.stem for p in (ROOT / folder).glob("*.py") if p.stem != "__init__"}
        assert modules - rows[folder] == set(), f"README's code map lacks these in {folder}"


def test_the_map_says_where_text_is_fitted_drawn_and_written() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for folder, what in [
        ("typography", "where a card's text is fitted"),
        ("drawing", "where a card is drawn"),
        ("batch", "where cards are written"),
    ]:
        assert re.search(rf"\| `cardgen/{folder}/` \| \*\*{what}\*\*", text), folder

"""`render --shard K/N` and `cardgen merge`: parts of one plan rendered apart, joined whole."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardgen.batch.plan import Project, load_selections, plan
from cardgen.batch.shards import parse_shard, shard_of
from cardgen.errors import InputError
from cardgen.review.thumbs import thumb_path
from tests.batchkit import make_project
from tests.helpers import run_cli
from tests.test_carousels import CAROUSEL
from tests.test_carousels import make_project as make_carousel_project

PLATFORMS = ("bluesky", "x")


def cards_of(out: Path) -> dict[str, str]:
    """path -> sha256 of every card and caption file in OUT (not its state folder)."""
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.suffix in (".png", ".txt")
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with shards 1/2, 2/2 and one whole run rendered (once for the module)."""
    return render_shards(make_project(tmp_path_factory.mktemp("shards") / "proj", 4, PLATFORMS))


def render_shards(root: Path) -> Path:
    """`root` rendered as shards 1/2 (into s1), 2/2 (s2) and as one whole run (all)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for args in (["--shard", "1/2", "-o", "s1"], ["--shard", "2/2", "-o", "s2"], ["-o", "all"]):
            code, _, err = run_cli("render", "--jobs", "1", *args)
            assert code == 0, err
    return root


@pytest.fixture
def project(rendered: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the rendered project, free to change."""
    root = tmp_path / "proj"
    shutil.copytree(rendered, root, symlinks=True)
    monkeypatch.chdir(root)
    return root


# --- shards -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [("1/1", (1, 1)), ("3/4", (3, 4)), (" 2 / 8 ", (2, 8))]
)
def test_parse_shard(text: str, expected: tuple[int, int]) -> None:
    shard = parse_shard(text)
    assert (shard.index, shard.count) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3/2", "K must be between 1 and 2"),
        ("0/0", "N must be at least 1"),
        ("0/4", "K must be between 1 and 4"),
        ("1/0", "N must be at least 1"),
        ("half", "is not K/N"),
        ("1/2/3", "is not K/N"),
        ("-1/2", "is not K/N"),
        ("", "is not K/N"),
    ],
)
def test_bad_shard_is_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_shard(text)


@pytest.mark.parametrize("spec", ["3/2", "0/0"])
def test_cli_bad_shard_exits_2_writing_nothing(project: Path, spec: str) -> None:
    code, _, err = run_cli("render", "--shard", spec, "-o", "bad")
    assert code == 2
    assert f"--shard {spec}" in err and "K/N" in err
    assert "Traceback" not in err
    assert not (project / "bad").exists()


@given(
    st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)), max_size=30),
    st.integers(1, 12),
)
def test_every_card_in_exactly_one_shard(cards: list[tuple[str, str]], count: int) -> None:
    for selection, quote in cards:
        shard = shard_of(selection, quote, "x", count)
        assert 1 <= shard <= count
        holders = [
            k
            for k in range(1, count + 1)
            if parse_shard(f"{k}/{count}").holds(selection, quote, "x")
        ]
        assert holders == [shard]


def test_adding_a_quote_moves_only_its_own_cards(tmp_path: Path) -> None:
    def shards(quotes: int) -> dict[tuple[str, str], int]:
        root = make_project(tmp_path / f"p{quotes}", quotes, PLATFORMS)
        project = Project.open(root)
        jobs = plan(load_selections(None, project), project)
        return {
            (j.quote.id, j.platform.id): shard_of(j.selection.name, j.quote.id, j.platform.id, 3)
            for j in jobs
        }

    before, after = shards(8), shards(9)
    assert {k: after[k] for k in before} == before
    assert set(after) - set(before) == {("q008", p) for p in PLATFORMS}
    assert len(set(before.values())) > 1  # the cards really spread over the shards


def test_shards_split_the_plan(rendered: Path) -> None:
    one, two, whole = (
        json.loads((rendered / d / "manifest.json").read_text()) for d in ("s1", "s2", "all")
    )
    assert one["shard"]["plan"] == two["shard"]["plan"]
    assert one["shard"]["planned"] == two["shard"]["planned"] == len(whole["cards"]) == 8
    paths = [c["path"] for c in one["cards"]] + [c["path"] for c in two["cards"]]
    assert sorted(paths) == sorted(c["path"] for c in whole["cards"])
    assert one["cards"] and two["cards"]
    assert "shard" not in whole


def test_dry_run_lists_only_the_shard(project: Path) -> None:
    code, out, _ = run_cli("render", "--shard", "1/2", "--dry-run", "-o", "s1")
    assert code == 0
    shard = json.loads((project / "s1" / "manifest.json").read_text())
    assert f"would render 0 cards, {len(shard['cards'])} cached" in out


# --- merge --------------------------------------------------------------------------------


def test_merge_equals_one_run(project: Path) -> None:
    code, out, err = run_cli("merge", "s1", "s2", "--out", "merged")
    assert code == 0, err
    assert "merged 8 cards from 2 folders" in out
    merged, whole = project / "merged", project / "all"
    assert cards_of(merged) == cards_of(whole)
    for name in ("manifest.json", "captions.csv", "index.html"):
        assert (merged / name).read_bytes() == (whole / name).read_bytes(), name
    # The review page's thumbnails: those of the shards (copied when there), byte for byte.
    thumbs = {
        p.name: p.read_bytes()
        for d in ("s1", "s2")
        for p in (project / d).glob(".cardgen/thumbs/*")
    }
    assert {p.name: p.read_bytes() for p in merged.glob(".cardgen/thumbs/*")} == thumbs
    # Run again: nothing to copy, the same bytes.
    code, out, _ = run_cli("merge", "s1", "s2", "--out", "merged")
    assert code == 0 and "0 copied" in out
    assert (merged / "manifest.json").read_bytes() == (whole / "manifest.json").read_bytes()
    assert not (merged / ".cardgen" / "journal.jsonl").exists()


def test_merge_over_an_earlier_merge_removes_its_other_cards(project: Path) -> None:
    assert run_cli("merge", "s1", "s2", "--out", "merged")[0] == 0
    assert run_cli("render", "--jobs", "1", "-o", "s3", "--platform", "linkedin")[0] == 0
    code, _, err = run_cli("merge", "s3", "--out", "merged")
    assert code == 0, err
    listed = {
        c["path"] for c in json.loads((project / "merged" / "manifest.json").read_text())["cards"]
    }
    assert set(cards_of(project / "merged")) == listed | {p[:-3] + "txt" for p in listed}
    assert all("linkedin" in p for p in listed)


def refused(*args: str) -> str:
    code, _, err = run_cli("merge", *args, "--out", "merged")
    assert code == 2, err
    assert "Traceback" not in err
    assert not Path("merged").exists()  # refused before anything is written
    return err


def test_merge_refuses_a_missing_shard(project: Path) -> None:
    assert "shard 2 of 2 missing" in refused("s1")


def test_merge_refuses_the_same_shard_twice(project: Path) -> None:
    shutil.copytree(project / "s1", project / "again")
    assert "are both shard 1/2" in refused("s1", "again", "s2")


def test_merge_refuses_overlapping_cards(project: Path) -> None:
    err = refused("all", "s1")
    assert "is a shard's output" in err
    shutil.copytree(project / "all", project / "again")
    assert "both hold the card quotes/weekly.yaml" in refused("all", "again")


def test_merge_refuses_shards_of_different_inputs(project: Path) -> None:
    selection = project / "quotes" / "weekly.yaml"
    selection.write_text(selection.read_text().replace("Test Author", "Another Author"))
    assert run_cli("render", "--jobs", "1", "--shard", "2/2", "-o", "s2", "--force")[0] == 0
    err = refused("s1", "s2")
    assert "rendered from different inputs" in err and "s1" in err and "s2" in err


def test_merge_refuses_shards_of_another_count(project: Path) -> None:
    assert run_cli("render", "--jobs", "1", "--shard", "2/3", "-o", "t2")[0] == 0
    assert "different inputs" in refused("s1", "t2")


def test_merge_checks_every_card_hash(project: Path) -> None:
    record = json.loads((project / "s2" / "manifest.json").read_text())["cards"][-1]
    card = project / "s2" / record["path"]
    card.write_bytes(card.read_bytes()[:-1] + b"\x00")
    err = refused("s1", "s2")
    assert record["path"] in err and "sha256" in err


def test_merge_refuses_a_missing_card_file(project: Path) -> None:
    record = json.loads((project / "s1" / "manifest.json").read_text())["cards"][0]
    (project / "s1" / record["path"]).unlink()
    assert record["path"] in refused("s1", "s2")


def test_merge_refuses_what_is_not_an_output(project: Path) -> None:
    assert "no manifest" in refused("quotes", "s1")
    (project / "junk").mkdir()
    (project / "junk" / "manifest.json").write_text("[1, 2]")
    assert "is not a cardgen manifest" in refused("junk")
    assert "no such folder" in refused("nowhere")


def test_merge_refuses_an_out_inside_a_source(project: Path) -> None:
    code, _, err = run_cli("merge", "s1", "s2", "--out", "s1/inner")
    assert code == 2 and "overlaps s1" in err
    assert not (project / "s1" / "inner").exists()


def test_merge_refuses_a_manifest_path_outside(project: Path) -> None:
    path = project / "s1" / "manifest.json"
    body: dict[str, Any] = json.loads(path.read_text())
    body["cards"][0]["path"] = "../../etc/passwd"
    path.write_text(json.dumps(body))
    assert "is not inside the output folder" in refused("s1", "s2")


# --- carousels: each drawn by one shard, carried by merge ----------------------------------

TWO_CAROUSELS = (
    CAROUSEL
    + """  - id: notes
    slides: [cover, seeds, river, closing]
    platforms: [instagram-portrait, linkedin, x]
"""
)


@pytest.fixture(scope="module")
def carousel_shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with carousels rendered as shards 1/2, 2/2 and as one whole run."""
    return render_shards(
        make_carousel_project(tmp_path_factory.mktemp("carousel-shards"), TWO_CAROUSELS)
    )


@pytest.fixture
def carousel_project(
    carousel_shards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(carousel_shards, root, symlinks=True)
    monkeypatch.chdir(root)
    return root


def carousels_of(out: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads((out / "manifest.json").read_text())["carousels"]
    return sorted(found, key=lambda c: (c["selection"], c["carousel_id"], c["platform"]))


def files_of(out: Path) -> dict[str, str]:
    """path -> sha256 of every file of OUT but its state folder."""
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.relative_to(out).as_posix().startswith(".cardgen")
    }


def csv_rows(out: Path) -> list[str]:
    head, *rows = (out / "captions.csv").read_text(encoding="utf-8").splitlines()
    return [head, *sorted(rows)]


def test_each_carousel_is_drawn_by_one_shard(carousel_project: Path) -> None:
    keys = [
        [(c["carousel_id"], c["platform"]) for c in carousels_of(carousel_project / d)]
        for d in ("s1", "s2", "all")
    ]
    assert keys[0] and keys[1], "the test's carousels should fall in both shards"
    assert not set(keys[0]) & set(keys[1])
    assert sorted(keys[0] + keys[1]) == keys[2] and len(keys[2]) == 6


def test_merge_carries_the_shards_carousels_as_one_run(carousel_project: Path) -> None:
    code, out, err = run_cli("merge", "s1", "s2", "--out", "merged")
    assert code == 0, err
    assert "and 6 carousels from 2 folders" in out
    merged, whole = carousel_project / "merged", carousel_project / "all"
    assert carousels_of(merged) == carousels_of(whole)
    body = json.loads((merged / "manifest.json").read_text())
    assert body["cards"] == json.loads((whole / "manifest.json").read_text())["cards"]
    # Every file (slides, PDFs, zips, caption and thread texts, cards), byte for byte; the
    # manifest and review page list the carousels in another order than one run's.
    files = {k: v for k, v in files_of(merged).items() if k not in ("manifest.json", "index.html")}
    want = {k: v for k, v in files_of(whole).items() if k not in ("manifest.json", "index.html")}
    assert {k for k in files if k.endswith((".pdf", ".zip", "thread.txt"))}
    assert files.keys() == want.keys()
    assert {k: v for k, v in files.items() if k != "captions.csv"} == {
        k: v for k, v in want.items() if k != "captions.csv"
    }
    assert csv_rows(merged) == csv_rows(whole)
    slide_thumbs = {s["thumb"] for c in body["carousels"] for s in c["slides"]}
    assert slide_thumbs and all((merged / thumb_path(t)).is_file() for t in slide_thumbs)
    code, out, _ = run_cli("merge", "s1", "s2", "--out", "merged")
    assert code == 0 and "0 copied" in out
    assert carousels_of(merged) == carousels_of(whole)


def test_merge_checks_every_carousel_file(carousel_project: Path) -> None:
    record = carousels_of(carousel_project / "s2")[0]
    rel = record["path"] if record["kind"] == "pdf" else record["slides"][0]["path"]
    slide = carousel_project / "s2" / rel
    slide.write_bytes(slide.read_bytes()[:-1] + b"\x00")
    err = refused("s1", "s2")
    assert rel in err and "sha256" in err


@pytest.mark.parametrize("name", ["review.json", ".cardgen/journal.jsonl", "Index.html"])
def test_merge_never_writes_cardgens_own_files_for_a_carousel(
    carousel_project: Path, name: str
) -> None:
    """A shard's manifest is read back from disk: a carousel naming one of cardgen's own
    files as its text (the review decisions, the journal) would have it overwritten."""
    code, _, err = run_cli("merge", "s1", "s2", "--out", "merged")
    assert code == 0, err
    decisions = carousel_project / "merged" / "review.json"
    decisions.write_text('{"cards": {}}\n', encoding="utf-8")  # a reviewer's work
    manifest = carousel_project / "s2" / "manifest.json"
    body: dict[str, Any] = json.loads(manifest.read_text())
    body["carousels"][0]["caption_file"] = name
    manifest.write_text(json.dumps(body, indent=2), encoding="utf-8")
    before = files_of(carousel_project / "merged")
    code, _, err = run_cli("merge", "s1", "s2", "--out", "merged")
    assert code == 2 and "names a file outside its selection's folder" in err, err
    assert files_of(carousel_project / "merged") == before
    assert decisions.read_text(encoding="utf-8") == '{"cards": {}}\n'


def test_merge_refuses_one_carousel_in_two_folders(carousel_project: Path) -> None:
    # Two plain runs of the same carousel, one of them edited: refused, either way.
    other = carousel_project / "other"
    shutil.copytree(carousel_project / "all", other)
    body: dict[str, Any] = json.loads((other / "manifest.json").read_text())
    body["cards"] = []
    (other / "manifest.json").write_text(json.dumps(body))
    assert "both hold the carousel letters of quotes/garden.yaml" in refused("all", "other")
    body["carousels"][0]["caption"] = "another caption"
    (other / "manifest.json").write_text(json.dumps(body))
    assert ", different" in refused("all", "other")

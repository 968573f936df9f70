"""`make sheets`: a contact sheet per layout (samples in four languages on five
platforms), written to the folder given (default `output/sheets`); with
`--readme DIR`, the README's small layout pictures instead."""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from cardgen.review.preview import write_layout_sheets, write_readme_pictures

    write = write_layout_sheets
    if argv[:1] == ["--readme"]:
        write, argv = write_readme_pictures, argv[1:]
    out = Path(argv[0]) if argv else Path("output/sheets")
    for path in write(out, argv[1:] or None):
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

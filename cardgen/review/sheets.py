"""`make sheets`: a contact sheet per layout (samples in four languages on five
platforms), written to the folder given (default `output/sheets`); with
`--readme DIR`, the README's small layout pictures instead.

    python -m cardgen.review.sheets [OUT] [LAYOUT ...] [--lang en] [--length short]
                                    [--platform instagram-square] [--readme]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from cardgen.errors import CardgenError
    from cardgen.review.preview import write_layout_sheets, write_readme_pictures
    from cardgen.review.samples import LANGUAGES, LENGTHS

    parser = argparse.ArgumentParser(prog="python -m cardgen.review.sheets")
    parser.add_argument("out", nargs="?", type=Path, default=Path("output/sheets"))
    parser.add_argument("layouts", nargs="*", help="layout names (default: every layout)")
    parser.add_argument("--readme", action="store_true", help="the README's small pictures")
    pick = "repeat to pick several (default: all)"
    parser.add_argument("--lang", action="append", default=[], choices=LANGUAGES, help=pick)
    parser.add_argument("--length", action="append", default=[], choices=LENGTHS, help=pick)
    parser.add_argument("--platform", action="append", default=[], help=pick)
    args = parser.parse_args(argv)
    try:
        if args.readme:
            written = write_readme_pictures(args.out, args.layouts or None)
        else:
            written = write_layout_sheets(
                args.out,
                args.layouts or None,
                languages=args.lang,
                lengths=args.length,
                platform_ids=args.platform,
            )
    except CardgenError as error:  # an unknown layout or platform: one line, exit 2
        sys.stderr.write(f"error: {error.one_line()}\n")
        return 2
    for path in written:
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

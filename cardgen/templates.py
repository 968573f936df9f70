"""`{field}` templates written by users: layout texts, caption templates, `--out` placeholders.

Only plain names are accepted. Python's format mini-language would let a template ask
for `{week:>300000000}` (a 300 MB string) or `{quote!r}`, so specs and conversions are
refused, as are attribute and index lookups (`{quote.x}`, `{quote[0]}`).
"""

from __future__ import annotations

import string
from collections.abc import Sequence

from cardgen.errors import clipped
from cardgen.source.invisible import find_invisible


def template_fields(
    template: str, allowed: Sequence[str], what: str, noun: str = "field"
) -> list[str]:
    """The field names `template` uses, in order; a ValueError (one line) if it is not plain.

    Its own text may not hide or reorder what it shows (bidi controls, zero-width spaces)."""
    hidden = find_invisible(template)
    if hidden:
        msg = f"{what} {clipped(template)}: {hidden}; remove it"
        raise ValueError(msg)
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        msg = f"{what} {clipped(template)} is malformed: {exc} (write a brace as '{{{{' or '}}}}')"
        raise ValueError(msg) from None
    names = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if spec or conversion:
            written = "{" + name + (f"!{conversion}" if conversion else "")
            written += (f":{spec}" if spec else "") + "}"
            msg = (
                f"{what} {clipped(template)}: {clipped(written)} has a format or conversion; "
                f"only plain names like '{{{name[:30]}}}' are allowed"
            )
            raise ValueError(msg)
        if name not in allowed:
            msg = (
                f"{what} {clipped(template)} uses unknown {noun} {clipped('{' + name + '}')} "
                f"(use {', '.join('{' + n + '}' for n in allowed)})"
            )
            raise ValueError(msg)
        names.append(name)
    return names

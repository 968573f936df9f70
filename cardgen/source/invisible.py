"""Invisible characters that make a card show something other than what was checked.

Bidi overrides and isolates reorder the text a reader sees ("Trojan source"),
and zero-width spaces or joiners hidden inside words stop a quote matching
while looking identical. Joiners that scripts and emoji need (ZWJ, ZWNJ) and
the plain marks LRM/RLM are allowed.
"""

from __future__ import annotations

import re
import unicodedata

SUSPICIOUS = frozenset(
    [
        "\u200b",  # ZERO WIDTH SPACE
        "\u2060",  # WORD JOINER
        "\ufeff",  # ZERO WIDTH NO-BREAK SPACE (a BOM inside text)
        "\u202a",  # LEFT-TO-RIGHT EMBEDDING
        "\u202b",  # RIGHT-TO-LEFT EMBEDDING
        "\u202c",  # POP DIRECTIONAL FORMATTING
        "\u202d",  # LEFT-TO-RIGHT OVERRIDE
        "\u202e",  # RIGHT-TO-LEFT OVERRIDE
        "\u2066",  # LEFT-TO-RIGHT ISOLATE
        "\u2067",  # RIGHT-TO-LEFT ISOLATE
        "\u2068",  # FIRST STRONG ISOLATE
        "\u2069",  # POP DIRECTIONAL ISOLATE
    ]
)


def find_invisible(text: str) -> str | None:
    """A description of the first suspicious invisible character in `text`, or None."""
    for position, char in enumerate(text, start=1):
        if 0xD800 <= ord(char) <= 0xDFFF:
            # Only broken input makes these: command-line bytes that were not UTF-8.
            return f"broken character U+{ord(char):04X} (not valid UTF-8) at character {position}"
        if char in SUSPICIOUS:
            name = unicodedata.name(char, "UNNAMED")
            return f"invisible character U+{ord(char):04X} ({name}) at character {position}"
    return None


# --- one-line fields: titles, authors, publishers, handles, hashtags, URLs ------------------

_LINE_BREAKS = frozenset("\u2028\u2029\x85")  # LINE and PARAGRAPH SEPARATOR, NEXT LINE


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in _LINE_BREAKS


def find_unsafe(text: str) -> str | None:
    """What is wrong with `text` as a one-line field (a title, a handle), or None.

    Everything `find_invisible` refuses, plus control characters and line breaks:
    a newline in a title or URL would start a new paragraph of every post.
    """
    for position, char in enumerate(text, start=1):
        if _is_control(char):
            what = "line break" if char in "\n\r" or char in _LINE_BREAKS else "control character"
            return f"{what} U+{ord(char):04X} at character {position}"
    return find_invisible(text)


def clean_line(text: str) -> tuple[str, str | None]:
    """`text` made safe for one line: control characters and line breaks become spaces,
    invisible characters are dropped, white space is collapsed. Also returns the first
    problem found (None when nothing had to change)."""
    problem = find_unsafe(text)
    if problem is None:
        return text, None
    kept = []
    for char in text:
        if _is_control(char):
            kept.append(" ")
        elif char not in SUSPICIOUS and not 0xD800 <= ord(char) <= 0xDFFF:
            kept.append(char)
    return " ".join("".join(kept).split()), problem


_WEB_ADDRESS = re.compile(r"https?://[^\s/?#@]+(?:[/?#]\S*)?", re.IGNORECASE)
_DOMAIN = re.compile(r"(?:[\w-]+\.)+[^\W\d_]{2,}(?:[/?#]\S*)?")


def web_address_problem(value: str, *, bare_domain: bool = False) -> str | None:
    """Why `value` is not a single-line http(s) address (or, with `bare_domain`, a domain
    such as 'example.com/blog'), or None when it is one."""
    unsafe = find_unsafe(value)
    if unsafe is not None:
        return f"has {'an' if unsafe[0] in 'aeiou' else 'a'} {unsafe}"
    if any(char.isspace() for char in value):
        return "contains a space"
    if _WEB_ADDRESS.fullmatch(value) or (bare_domain and _DOMAIN.fullmatch(value)):
        return None
    return "is not a web address (use an http:// or https:// URL" + (
        ", or a domain like example.com)" if bare_domain else ")"
    )

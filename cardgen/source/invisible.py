"""Invisible characters that make a card show something other than what was checked.

Bidi overrides and isolates reorder the text a reader sees ("Trojan source"),
and zero-width spaces or joiners hidden inside words stop a quote matching
while looking identical. Joiners that scripts and emoji need (ZWJ, ZWNJ) and
the plain marks LRM/RLM are allowed.
"""

from __future__ import annotations

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

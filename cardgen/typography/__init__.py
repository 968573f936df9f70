"""Fonts, shaping, bidi and line breaking: measuring text, never drawing it."""

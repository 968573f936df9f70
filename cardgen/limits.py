"""Every size limit cardgen enforces on untrusted input, in one place.

The README's "Limits and errors" section documents these values; change both together.
"""

from __future__ import annotations

# YAML files (selections, layouts, brands, platforms.yaml)
MAX_YAML_BYTES = 2_000_000  # a selection of a few hundred quotes is under 100 kB
MAX_YAML_DEPTH = 50  # levels of nested mappings and lists
MAX_YAML_NODES = 100_000  # values after aliases are expanded: stops "billion laughs"

# Articles
MAX_ARTICLE_BYTES = 20_000_000  # a long book is about 2 MB of text

# Quotes
MAX_QUOTE_CHARS = 1000  # `text:` or `find:`; a card shows a few hundred characters at most

# Images: canvases, and pictures or logos a layout draws
MAX_CANVAS_SIDE = 8000  # pixels, for presets in layouts/platforms.yaml
MAX_FONT_PX = 10_000  # larger than any canvas; FreeType itself stops at 65,535
MAX_IMAGE_PIXELS = 50_000_000  # width x height of any image read: stops decompression bombs
MAX_SVG_BYTES = 5_000_000  # an SVG logo file
MAX_SVG_RATIO = 20  # width over height (or height over width) of an SVG logo

# Network: only an `article.source` that is a URL with no snapshot yet, and
# `cardgen suggest URL`, fetch anything: one GET of that page (cardgen/source/fetch.py).
NETWORK_ACCESS = True
MAX_PAGE_BYTES = 5_000_000  # an article's page; the largest news pages are ~2 MB of HTML
MAX_REDIRECTS = 5
FETCH_SECONDS = 20.0  # reading the page (httpx: each read, write or pool wait)
FETCH_CONNECT_SECONDS = 10.0

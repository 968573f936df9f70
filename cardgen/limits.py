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
# A paragraph: real ones are under 10,000 characters; a card shows a few hundred. Longer
# ones (a hard-wrapped book without blank lines, a generated blob) are refused at once.
MAX_PARAGRAPH_CHARS = 100_000
MAX_FRONT_MATTER_BYTES = 100_000  # Markdown front matter: a few keys

# Quotes
MAX_QUOTE_CHARS = 1000  # `text:` or `find:`; a card shows a few hundred characters at most
MAX_SHOWN_QUOTE_CHARS = 3000  # a quote as found (a whole paragraph or sentence) to fit on a card
MAX_FIELD_CHARS = 1000  # a title, author, publisher, handle, hashtag, URL or website

# Images: canvases, and pictures or logos a layout draws
MAX_CANVAS_SIDE = 8000  # pixels, for presets in layouts/platforms.yaml (sizes and insets)
MAX_FILE_LIMIT = 1_000_000_000  # bytes: a preset's `file_limit`
MAX_TEXT_LIMIT = 1_000_000  # a preset's caption and alt-text limits and hashtag count
# Lengths in layouts: ten canvases either way is already far off the card.
MAX_LENGTH_PERCENT = 1000  # 10%, 5%s, ... of the canvas
MAX_LENGTH_PX = 100_000  # 40, '40px'
MAX_FONT_BYTES = 100_000_000  # a font file (the largest CJK collections are ~30 MB)
MAX_FONT_PX = 10_000  # larger than any canvas; FreeType itself stops at 65,535
MAX_IMAGE_PIXELS = 50_000_000  # width x height of any image read: stops decompression bombs
MAX_IMAGE_BYTES = 100_000_000  # a bitmap picture or logo file (a 50-megapixel JPEG is ~25 MB)
MAX_SVG_BYTES = 5_000_000  # an SVG logo file
MAX_SVG_RATIO = 20  # width over height (or height over width) of an SVG logo

# Network: only an `article.source` that is a URL with no snapshot yet, and
# `cardgen suggest URL`, fetch anything: one GET of that page (cardgen/source/fetch.py).
MAX_PAGE_BYTES = 5_000_000  # an article's page; the largest news pages are ~2 MB of HTML
MAX_REDIRECTS = 5
FETCH_SECONDS = 20.0  # reading the page (httpx: each read, write or pool wait)
FETCH_CONNECT_SECONDS = 10.0

# The output folder and the batch
MAX_STATE_FILE_BYTES = 256_000_000  # history, review server (manifest, journal: streamed)
WORKER_MEMORY_BYTES = 400_000_000  # what one drawing worker may need: caps --jobs by memory
DASK_CONNECT_SECONDS = 10.0  # reaching a Dask scheduler: unreachable past this, exit 2
CARD_DRAW_SECONDS = 300  # a worker drawing one card longer than this is stopped (hung)

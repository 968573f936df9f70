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

# Network: cardgen never fetches anything unless a future option asks it to.
NETWORK_ACCESS = False

# The output folder and the batch
MAX_STATE_FILE_BYTES = 256_000_000  # manifest, journal, history: ~2 kB a card
WORKER_MEMORY_BYTES = 400_000_000  # what one drawing worker may need: caps --jobs by memory
CARD_DRAW_SECONDS = 300  # a worker drawing one card longer than this is stopped (hung)

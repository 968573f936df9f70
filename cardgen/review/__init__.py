"""Looking at cards: the review page, its local server and designers' previews."""

"""The quote stage: articles in, verified quotes and suggestions out."""

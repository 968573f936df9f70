"""A card's scene (positioned drawables), its pixels and its encoding."""

"""Design inputs: layouts and brand kits, platform presets, pictures and logos."""

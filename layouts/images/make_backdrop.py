"""Draw layouts/images/backdrop-warm.jpg, the photo-style backdrop of the `photo` layout.

Made from scratch (no photo or third-party asset): a warm dusk gradient with
out-of-focus light discs, like a bokeh photograph. Run it from the repository
root to regenerate the file: `python layouts/images/make_backdrop.py`.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter  # noqa: TID251 (a drawing tool)

WIDTH, HEIGHT = 1600, 1200
LIGHTS = [(255, 214, 160), (255, 180, 140), (250, 235, 210), (230, 150, 150)]


def main() -> None:
    rng = random.Random(7)
    sky = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    top, bottom = (242, 170, 120), (70, 40, 70)
    image = Image.merge(
        "RGB",
        [
            sky.point(lambda v, a=a, b=b: round(a + (b - a) * v / 255))
            for a, b in zip(top, bottom, strict=True)
        ],
    )
    for radius, blur, count in ((150, 40, 10), (80, 18, 24), (36, 6, 40)):
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        for _ in range(count):
            x, y = rng.uniform(0, WIDTH), rng.uniform(0, HEIGHT * 0.8)
            r = radius * rng.uniform(0.6, 1.3)
            colour = rng.choice(LIGHTS)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(*colour, rng.randint(40, 110)))
        layer = layer.filter(ImageFilter.GaussianBlur(blur))
        image.paste(layer, (0, 0), layer)
    image = image.filter(ImageFilter.GaussianBlur(1))
    out = Path(__file__).resolve().parent / "backdrop-warm.jpg"
    image.save(out, quality=86, optimize=True, progressive=False)


if __name__ == "__main__":
    main()

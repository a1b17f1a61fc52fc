"""Draw the web app manifest's icons once: ``python -m field_app.make_icons``.

The PNGs are committed in ``field_app/static/icons/`` (Chromium installs a web app only with a
PNG icon of at least 144 px; 192 and 512 are what Android asks for). A van in La Dynamo's
teal, drawn with shapes (no font, so the same pixels on every machine), inside the middle 80 %
so that the icon may also be masked to a circle.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

TEAL, WHITE, DARK, GLASS = "#0b5d5b", "#ffffff", "#1b1f23", "#bfe3e1"
SIZES = (192, 512)
OUT = Path(__file__).parent / "static" / "icons"


def draw(size: int) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges
    n = size * scale
    image = Image.new("RGB", (n, n), TEAL)
    pen = ImageDraw.Draw(image)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (round(x0 * n), round(y0 * n), round(x1 * n), round(y1 * n))

    radius = round(0.05 * n)
    pen.rounded_rectangle(box(0.18, 0.34, 0.62, 0.64), radius, fill=WHITE)  # cargo box
    pen.rounded_rectangle(box(0.58, 0.42, 0.82, 0.64), radius, fill=WHITE)  # cab
    pen.rounded_rectangle(box(0.63, 0.46, 0.77, 0.53), radius // 2, fill=GLASS)  # windscreen
    for cx in (0.32, 0.68):  # wheels
        pen.ellipse(box(cx - 0.07, 0.57, cx + 0.07, 0.71), fill=DARK)
        pen.ellipse(box(cx - 0.03, 0.61, cx + 0.03, 0.67), fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        draw(size).save(OUT / f"icon-{size}.png", optimize=True)


if __name__ == "__main__":
    main()

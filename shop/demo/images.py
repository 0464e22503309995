"""Product pictures for the demo catalog, drawn with Pillow.

The silhouette shows what the product is, its fill the product's colour; each product's
own random draw moves, scales and tints it a little, so no two pictures are the same.
Shapes are written in a unit square: (x0, y0, x1, y1) boxes and (x, y) point lists.
"""

import io
import random

from PIL import Image, ImageDraw

SIZE = 256

COLOUR_RGB = {
    "black": (38, 38, 42),
    "white": (236, 236, 232),
    "grey": (140, 142, 148),
    "silver": (192, 196, 202),
    "red": (200, 40, 45),
    "orange": (235, 125, 35),
    "yellow": (240, 200, 40),
    "green": (60, 150, 75),
    "blue": (45, 105, 200),
    "navy": (30, 45, 95),
    "purple": (125, 70, 170),
    "pink": (235, 130, 170),
    "brown": (125, 80, 45),
    "beige": (215, 195, 160),
    "gold": (205, 165, 60),
}
MULTICOLOUR = ("red", "yellow", "blue", "green", "orange", "purple")

# role: "main" is the product's colour, "dark" a shade of it, "accent" a second colour,
# "glass" a screen or lens, "light" a highlight.
SHAPES: dict[str, list[tuple]] = {
    "phone": [("rrect", (0.32, 0.12, 0.68, 0.88), "main"), ("rect", (0.35, 0.18, 0.65, 0.80), "glass")],
    "laptop": [
        ("rect", (0.22, 0.22, 0.78, 0.62), "main"),
        ("rect", (0.25, 0.25, 0.75, 0.59), "glass"),
        ("poly", [(0.14, 0.70), (0.86, 0.70), (0.78, 0.62), (0.22, 0.62)], "dark"),
    ],
    "headphones": [
        ("arc", (0.22, 0.18, 0.78, 0.74), "main"),
        ("rrect", (0.18, 0.46, 0.32, 0.74), "main"),
        ("rrect", (0.68, 0.46, 0.82, 0.74), "main"),
        ("rrect", (0.21, 0.50, 0.29, 0.70), "accent"),
        ("rrect", (0.71, 0.50, 0.79, 0.70), "accent"),
    ],
    "speaker": [
        ("rrect", (0.30, 0.14, 0.70, 0.86), "main"),
        ("ellipse", (0.38, 0.46, 0.62, 0.70), "dark"),
        ("ellipse", (0.43, 0.22, 0.57, 0.36), "dark"),
    ],
    "watch": [
        ("rect", (0.42, 0.08, 0.58, 0.92), "accent"),
        ("rrect", (0.34, 0.32, 0.66, 0.68), "main"),
        ("rect", (0.38, 0.36, 0.62, 0.64), "glass"),
    ],
    "tv": [
        ("rect", (0.12, 0.20, 0.88, 0.70), "main"),
        ("rect", (0.15, 0.23, 0.85, 0.67), "glass"),
        ("rect", (0.46, 0.70, 0.54, 0.78), "dark"),
        ("rect", (0.34, 0.78, 0.66, 0.81), "dark"),
    ],
    "remote": [
        ("rrect", (0.42, 0.10, 0.58, 0.90), "main"),
        ("ellipse", (0.46, 0.16, 0.54, 0.22), "accent"),
        ("ellipse", (0.44, 0.32, 0.56, 0.44), "dark"),
        ("rect", (0.45, 0.52, 0.55, 0.80), "light"),
    ],
    "keyboard": [
        ("rrect", (0.10, 0.34, 0.90, 0.66), "main"),
        ("rect", (0.14, 0.39, 0.86, 0.46), "light"),
        ("rect", (0.14, 0.49, 0.86, 0.56), "light"),
        ("rect", (0.28, 0.59, 0.72, 0.63), "light"),
    ],
    "camera": [
        ("rrect", (0.16, 0.32, 0.84, 0.74), "main"),
        ("rect", (0.26, 0.24, 0.44, 0.32), "dark"),
        ("ellipse", (0.36, 0.36, 0.64, 0.66), "dark"),
        ("ellipse", (0.42, 0.42, 0.58, 0.60), "glass"),
    ],
    "mug": [
        ("rect", (0.28, 0.28, 0.66, 0.80), "main"),
        ("ring", (0.58, 0.40, 0.80, 0.66), "main"),
        ("ellipse", (0.28, 0.24, 0.66, 0.32), "dark"),
    ],
    "pan": [
        ("ellipse", (0.12, 0.36, 0.62, 0.70), "main"),
        ("ellipse", (0.17, 0.40, 0.57, 0.66), "dark"),
        ("rect", (0.60, 0.50, 0.92, 0.56), "accent"),
    ],
    "kettle": [
        ("poly", [(0.30, 0.80), (0.70, 0.80), (0.64, 0.34), (0.36, 0.34)], "main"),
        ("ring", (0.58, 0.30, 0.82, 0.64), "dark"),
        ("poly", [(0.32, 0.50), (0.14, 0.36), (0.18, 0.32), (0.34, 0.42)], "main"),
        ("rect", (0.44, 0.26, 0.56, 0.34), "dark"),
    ],
    "chair": [
        ("rect", (0.30, 0.12, 0.66, 0.50), "main"),
        ("rect", (0.26, 0.50, 0.70, 0.58), "main"),
        ("rect", (0.28, 0.58, 0.33, 0.88), "dark"),
        ("rect", (0.63, 0.58, 0.68, 0.88), "dark"),
    ],
    "sofa": [
        ("rrect", (0.10, 0.32, 0.90, 0.58), "main"),
        ("rrect", (0.06, 0.44, 0.20, 0.74), "dark"),
        ("rrect", (0.80, 0.44, 0.94, 0.74), "dark"),
        ("rect", (0.18, 0.56, 0.82, 0.72), "main"),
        ("rect", (0.14, 0.74, 0.18, 0.82), "dark"),
        ("rect", (0.82, 0.74, 0.86, 0.82), "dark"),
    ],
    "lamp": [
        ("poly", [(0.30, 0.40), (0.70, 0.40), (0.60, 0.14), (0.40, 0.14)], "main"),
        ("rect", (0.48, 0.40, 0.52, 0.80), "dark"),
        ("ellipse", (0.34, 0.78, 0.66, 0.88), "dark"),
    ],
    "ball": [
        ("ellipse", (0.22, 0.22, 0.78, 0.78), "main"),
        ("arc", (0.22, 0.40, 0.78, 0.96), "dark"),
        ("line", [(0.50, 0.22), (0.50, 0.78)], "dark"),
    ],
    "racket": [
        ("ellipse", (0.30, 0.08, 0.70, 0.56), "main"),
        ("ellipse", (0.34, 0.12, 0.66, 0.52), "light"),
        ("rect", (0.47, 0.56, 0.53, 0.92), "dark"),
    ],
    "tent": [
        ("poly", [(0.10, 0.80), (0.50, 0.18), (0.90, 0.80)], "main"),
        ("poly", [(0.40, 0.80), (0.50, 0.46), (0.60, 0.80)], "dark"),
    ],
    "backpack": [
        ("rrect", (0.28, 0.18, 0.72, 0.86), "main"),
        ("rrect", (0.34, 0.52, 0.66, 0.80), "dark"),
        ("arc", (0.38, 0.08, 0.62, 0.30), "dark"),
    ],
    "bike": [
        ("ring", (0.08, 0.48, 0.40, 0.80), "dark"),
        ("ring", (0.60, 0.48, 0.92, 0.80), "dark"),
        ("line", [(0.24, 0.64), (0.44, 0.40), (0.64, 0.40), (0.76, 0.64), (0.50, 0.64), (0.24, 0.64)], "main"),
        ("line", [(0.50, 0.64), (0.42, 0.32)], "main"),
        ("line", [(0.64, 0.40), (0.62, 0.28)], "main"),
    ],
    "bottle": [
        ("rrect", (0.36, 0.28, 0.64, 0.88), "main"),
        ("rect", (0.42, 0.14, 0.58, 0.28), "dark"),
        ("rect", (0.36, 0.48, 0.64, 0.60), "accent"),
    ],
    "mat": [("rect", (0.14, 0.40, 0.70, 0.66), "main"), ("ellipse", (0.62, 0.34, 0.86, 0.72), "dark")],
    "tshirt": [
        (
            "poly",
            [
                (0.30, 0.16),
                (0.42, 0.16),
                (0.50, 0.22),
                (0.58, 0.16),
                (0.70, 0.16),
                (0.88, 0.32),
                (0.78, 0.44),
                (0.70, 0.38),
                (0.70, 0.86),
                (0.30, 0.86),
                (0.30, 0.38),
                (0.22, 0.44),
                (0.12, 0.32),
            ],
            "main",
        )
    ],
    "jacket": [
        (
            "poly",
            [
                (0.30, 0.14),
                (0.70, 0.14),
                (0.90, 0.34),
                (0.84, 0.86),
                (0.74, 0.86),
                (0.72, 0.44),
                (0.70, 0.88),
                (0.30, 0.88),
                (0.28, 0.44),
                (0.26, 0.86),
                (0.16, 0.86),
                (0.10, 0.34),
            ],
            "main",
        ),
        ("line", [(0.50, 0.18), (0.50, 0.88)], "dark"),
    ],
    "trousers": [
        (
            "poly",
            [(0.30, 0.12), (0.70, 0.12), (0.74, 0.90), (0.56, 0.90), (0.50, 0.36), (0.44, 0.90), (0.26, 0.90)],
            "main",
        ),
        ("rect", (0.30, 0.12, 0.70, 0.18), "dark"),
    ],
    "shoe": [
        ("poly", [(0.12, 0.68), (0.16, 0.44), (0.40, 0.44), (0.60, 0.56), (0.88, 0.60), (0.90, 0.70)], "main"),
        ("rect", (0.12, 0.70, 0.90, 0.76), "light"),
    ],
    "boot": [
        ("poly", [(0.22, 0.20), (0.48, 0.20), (0.50, 0.54), (0.82, 0.62), (0.84, 0.74), (0.20, 0.74)], "main"),
        ("rect", (0.20, 0.74, 0.84, 0.80), "dark"),
    ],
    "bodysuit": [
        (
            "poly",
            [
                (0.32, 0.16),
                (0.68, 0.16),
                (0.84, 0.30),
                (0.76, 0.40),
                (0.68, 0.34),
                (0.70, 0.66),
                (0.56, 0.84),
                (0.44, 0.84),
                (0.30, 0.66),
                (0.32, 0.34),
                (0.24, 0.40),
                (0.16, 0.30),
            ],
            "main",
        )
    ],
    "stroller": [
        ("arc", (0.22, 0.14, 0.74, 0.66), "main"),
        ("rect", (0.22, 0.40, 0.74, 0.62), "main"),
        ("line", [(0.74, 0.40), (0.88, 0.18)], "dark"),
        ("ring", (0.24, 0.68, 0.38, 0.82), "dark"),
        ("ring", (0.58, 0.68, 0.72, 0.82), "dark"),
    ],
    "teddy": [
        ("ellipse", (0.30, 0.44, 0.70, 0.88), "main"),
        ("ellipse", (0.32, 0.16, 0.68, 0.50), "main"),
        ("ellipse", (0.28, 0.12, 0.40, 0.24), "dark"),
        ("ellipse", (0.60, 0.12, 0.72, 0.24), "dark"),
        ("ellipse", (0.44, 0.34, 0.56, 0.44), "light"),
    ],
    "car": [
        ("rrect", (0.10, 0.46, 0.90, 0.70), "main"),
        ("poly", [(0.28, 0.46), (0.36, 0.28), (0.64, 0.28), (0.74, 0.46)], "main"),
        ("rect", (0.38, 0.32, 0.62, 0.44), "glass"),
        ("ellipse", (0.18, 0.62, 0.34, 0.78), "dark"),
        ("ellipse", (0.66, 0.62, 0.82, 0.78), "dark"),
    ],
    "blocks": [
        ("rect", (0.16, 0.56, 0.44, 0.84), "main"),
        ("rect", (0.46, 0.56, 0.74, 0.84), "accent"),
        ("rect", (0.30, 0.28, 0.58, 0.56), "dark"),
        ("ellipse", (0.38, 0.22, 0.50, 0.30), "dark"),
    ],
    "boardgame": [
        ("rect", (0.14, 0.24, 0.86, 0.76), "main"),
        ("rect", (0.20, 0.30, 0.80, 0.70), "light"),
        ("ellipse", (0.30, 0.40, 0.44, 0.54), "accent"),
        ("rect", (0.54, 0.44, 0.70, 0.60), "dark"),
    ],
    "puzzle": [
        ("rect", (0.18, 0.18, 0.50, 0.50), "main"),
        ("rect", (0.50, 0.18, 0.82, 0.50), "accent"),
        ("rect", (0.18, 0.50, 0.50, 0.82), "accent"),
        ("rect", (0.50, 0.50, 0.82, 0.82), "main"),
        ("ellipse", (0.44, 0.28, 0.56, 0.40), "main"),
    ],
    "book": [
        ("rect", (0.26, 0.12, 0.74, 0.88), "main"),
        ("rect", (0.26, 0.12, 0.32, 0.88), "dark"),
        ("rect", (0.38, 0.26, 0.68, 0.34), "light"),
        ("rect", (0.38, 0.40, 0.62, 0.44), "light"),
    ],
    "perfume": [
        ("rrect", (0.28, 0.38, 0.72, 0.86), "main"),
        ("rect", (0.44, 0.26, 0.56, 0.38), "dark"),
        ("rect", (0.38, 0.14, 0.62, 0.26), "accent"),
        ("rect", (0.34, 0.46, 0.46, 0.74), "light"),
    ],
    "jar": [
        ("rrect", (0.26, 0.38, 0.74, 0.80), "main"),
        ("rect", (0.24, 0.28, 0.76, 0.40), "dark"),
        ("rect", (0.34, 0.52, 0.66, 0.64), "light"),
    ],
    "lipstick": [
        ("rect", (0.38, 0.52, 0.62, 0.88), "accent"),
        ("rect", (0.40, 0.34, 0.60, 0.52), "dark"),
        ("poly", [(0.40, 0.34), (0.60, 0.34), (0.60, 0.14), (0.40, 0.24)], "main"),
    ],
    "hairdryer": [
        ("rrect", (0.14, 0.22, 0.68, 0.46), "main"),
        ("rect", (0.68, 0.26, 0.82, 0.42), "dark"),
        ("rrect", (0.28, 0.44, 0.42, 0.86), "main"),
    ],
    "toothbrush": [
        ("rrect", (0.44, 0.30, 0.56, 0.90), "main"),
        ("rect", (0.46, 0.12, 0.54, 0.30), "light"),
        ("rect", (0.44, 0.12, 0.46, 0.22), "accent"),
    ],
    "plant": [
        ("poly", [(0.32, 0.62), (0.68, 0.62), (0.62, 0.88), (0.38, 0.88)], "accent"),
        ("ellipse", (0.30, 0.20, 0.52, 0.62), "main"),
        ("ellipse", (0.48, 0.14, 0.70, 0.58), "main"),
        ("ellipse", (0.40, 0.30, 0.60, 0.64), "dark"),
    ],
    "pot": [
        ("poly", [(0.22, 0.30), (0.78, 0.30), (0.68, 0.84), (0.32, 0.84)], "main"),
        ("rect", (0.18, 0.26, 0.82, 0.36), "dark"),
    ],
    "drill": [
        ("rrect", (0.12, 0.26, 0.66, 0.46), "main"),
        ("rect", (0.66, 0.32, 0.90, 0.40), "dark"),
        ("poly", [(0.30, 0.46), (0.46, 0.46), (0.44, 0.76), (0.28, 0.76)], "main"),
        ("rect", (0.22, 0.76, 0.52, 0.86), "dark"),
    ],
    "hammer": [("rect", (0.46, 0.30, 0.54, 0.90), "accent"), ("rrect", (0.24, 0.14, 0.76, 0.32), "main")],
    "dress": [
        ("poly", [(0.38, 0.12), (0.62, 0.12), (0.64, 0.40), (0.84, 0.88), (0.16, 0.88), (0.36, 0.40)], "main"),
        ("rect", (0.36, 0.38, 0.64, 0.42), "dark"),
    ],
    "skirt": [
        ("poly", [(0.34, 0.24), (0.66, 0.24), (0.84, 0.80), (0.16, 0.80)], "main"),
        ("rect", (0.34, 0.24, 0.66, 0.30), "dark"),
    ],
}


def _shade(rgb: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return tuple(max(0, min(255, int(c * factor))) for c in rgb)


def product_image_draw(*, shape: str, colour: str, rng: random.Random) -> bytes:
    """A PNG of `shape` in `colour`, varied by `rng` (position, scale, tint, accent)."""
    if shape not in SHAPES:
        raise ValueError(f"No picture for shape {shape!r}.")
    base_name = rng.choice(MULTICOLOUR) if colour == "multicolour" else colour
    jitter = [rng.randint(-14, 14) for _ in range(3)]
    main = tuple(max(0, min(255, c + j)) for c, j in zip(COLOUR_RGB.get(base_name, COLOUR_RGB["grey"]), jitter))
    accent_name = (
        rng.choice(MULTICOLOUR)
        if colour == "multicolour"
        else rng.choice(("black", "grey", "silver", "white", "brown"))
    )
    palette = {
        "main": main,
        "dark": _shade(main, 0.62) if sum(main) > 120 else _shade((80, 80, 86), 1.0),
        "accent": COLOUR_RGB[accent_name],
        "glass": (40 + rng.randint(0, 30), 55 + rng.randint(0, 30), 80 + rng.randint(0, 40)),
        "light": (245, 245, 240),
    }
    tint = rng.randint(232, 250)
    background = (tint, tint - rng.randint(0, 8), tint - rng.randint(0, 14))
    if sum(main) > 660:
        background = (205, 212, 220)

    scale = rng.uniform(0.82, 1.0) * SIZE
    dx = rng.uniform(-0.06, 0.06) * SIZE + (SIZE - scale) / 2
    dy = rng.uniform(-0.05, 0.05) * SIZE + (SIZE - scale) / 2

    def point(x: float, y: float) -> tuple[float, float]:
        return (dx + x * scale, dy + y * scale)

    image = Image.new("RGB", (SIZE, SIZE), background)
    draw = ImageDraw.Draw(image)
    stroke = max(3, int(scale * 0.035))
    for kind, geometry, role in SHAPES[shape]:
        fill = palette[role]
        if kind == "line":
            draw.line([point(*p) for p in geometry], fill=fill, width=stroke, joint="curve")
            continue
        if kind == "poly":
            draw.polygon([point(*p) for p in geometry], fill=fill)
            continue
        box = [*point(geometry[0], geometry[1]), *point(geometry[2], geometry[3])]
        if kind == "rect":
            draw.rectangle(box, fill=fill)
        elif kind == "rrect":
            draw.rounded_rectangle(box, radius=scale * 0.05, fill=fill)
        elif kind == "ellipse":
            draw.ellipse(box, fill=fill)
        elif kind == "ring":
            draw.ellipse(box, outline=fill, width=stroke)
        elif kind == "arc":
            draw.arc(box, start=180, end=360, fill=fill, width=stroke * 2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()

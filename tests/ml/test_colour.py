"""The colour signature photo search re-ranks by: a phone photo of a product matches the product's colour."""

import io
import random

import numpy as np
from PIL import Image

from ml.colour import DIMENSIONS, colour_signature, colour_signatures
from search.evaluation_images import photo_distort
from shop.demo.images import COLOUR_RGB, product_image_draw

COLOURS = ("red", "blue", "green", "yellow", "black", "white", "pink", "orange", "purple")


def _picture(*, shape: str, colour: str, seed: int) -> Image.Image:
    return Image.open(io.BytesIO(product_image_draw(shape=shape, colour=colour, rng=random.Random(seed)))).convert(
        "RGB"
    )


def test_a_signature_is_a_unit_vector_of_the_stored_size_even_for_a_plain_picture():
    for picture in (_picture(shape="mug", colour="red", seed=1), Image.new("RGB", (30, 50), "white")):
        signature = colour_signature(image=picture)
        assert signature.shape == (DIMENSIONS,) and signature.dtype == np.float32
        assert np.isclose(np.linalg.norm(signature), 1, atol=1e-5)
    assert colour_signatures(images=[]).shape == (0, DIMENSIONS)


def test_a_phone_photo_matches_a_product_of_its_colour_and_not_the_table_it_stands_on():
    """Photos on random backgrounds, rotated, lit and JPEG'd: their colour is the product's, not the scene's."""
    catalog = colour_signatures(images=[_picture(shape="boot", colour=colour, seed=7) for colour in COLOURS])
    rng = random.Random(3)
    right = 0
    for colour in COLOURS:
        photo = photo_distort(image=_picture(shape="boot", colour=colour, seed=8), rng=rng)
        right += COLOURS[int(np.argmax(catalog @ colour_signature(image=photo)))] == colour
    assert right >= len(COLOURS) - 1, f"only {right} of {len(COLOURS)} photos matched their colour"


def test_the_same_colour_on_another_shape_is_nearer_than_another_colour_on_the_same_shape():
    red_mug = colour_signature(image=_picture(shape="mug", colour="red", seed=1))
    red_boot = colour_signature(image=_picture(shape="boot", colour="red", seed=2))
    blue_mug = colour_signature(image=_picture(shape="mug", colour="blue", seed=3))
    assert red_mug @ red_boot > red_mug @ blue_mug + 0.3


def test_a_close_up_that_fills_the_frame_is_the_colour_of_the_product_not_of_its_logo():
    """A red T-shirt photographed close: its border is red too, and a blue logo sits in the middle.

    (A print that covers much of the middle stays ambiguous: a blue thing on a red table looks the same.)"""
    close_up = Image.new("RGB", (400, 400), COLOUR_RGB["red"])
    close_up.paste(Image.new("RGB", (80, 80), COLOUR_RGB["blue"]), (160, 160))
    red, blue = (colour_signature(image=Image.new("RGB", (64, 64), COLOUR_RGB[name])) for name in ("red", "blue"))
    signature = colour_signature(image=close_up)
    assert signature @ red > signature @ blue

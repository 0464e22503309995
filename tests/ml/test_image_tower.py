"""The image tower's training sources: shrunk once so augmentation is cheap, never below what a crop needs."""

from PIL import Image

from ml.image_tower import CROP_RATIO, CROP_SCALE, ImageTowerConfig, augmentation_sources


def test_catalog_pictures_shrink_to_the_side_the_tightest_crop_still_fills_and_small_ones_stay():
    config = ImageTowerConfig(image_size=64)
    large, small = Image.new("RGB", (160, 200), "red"), Image.new("RGB", (60, 60), "blue")
    shrunk, kept = augmentation_sources(images=[large, small], config=config)
    assert min(shrunk.size) < 160
    assert abs(shrunk.width / shrunk.height - large.width / large.height) < 0.01
    # The narrowest, smallest crop RandomResizedCrop takes of the source still spans the tower's 64 px.
    narrowest = (CROP_SCALE[0] * CROP_RATIO[0] * shrunk.width * shrunk.height) ** 0.5
    assert narrowest >= 64
    assert kept is small

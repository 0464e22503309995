import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from search.photos import PhotoRejected, photo_open


def upload_of(image: Image.Image, image_format: str = "PNG", **save_options) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **save_options)
    return SimpleUploadedFile(f"photo.{image_format.lower()}", buffer.getvalue())


def test_a_normal_photo_is_opened_in_rgb_and_bounded_in_size():
    photo = photo_open(upload=upload_of(Image.new("RGBA", (3000, 1500), "blue")))
    assert photo.mode == "RGB"
    assert max(photo.size) <= 1024


def test_exif_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise when taken
    photo = photo_open(upload=upload_of(Image.new("RGB", (400, 200), "green"), "JPEG", exif=exif))
    assert photo.size == (200, 400)


def test_too_many_pixels_is_refused_before_decoding():
    bomb = upload_of(Image.new("1", (12_000, 12_000)), "PNG", optimize=True)
    assert bomb.size < 1_000_000, "a decompression bomb: tiny file, huge picture"
    with pytest.raises(PhotoRejected, match="too many pixels"):
        photo_open(upload=bomb)


def test_too_many_bytes_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    with pytest.raises(PhotoRejected, match="larger than"):
        photo_open(upload=SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * 2000))


def test_a_truncated_image_is_refused():
    whole = upload_of(Image.effect_noise((300, 300), 40).convert("RGB"), "JPEG")
    truncated = SimpleUploadedFile("cut.jpg", whole.read()[:800])
    with pytest.raises(PhotoRejected):
        photo_open(upload=truncated)


def test_other_formats_are_refused_by_content_not_name():
    with pytest.raises(PhotoRejected, match="not a JPEG, PNG"):
        photo_open(upload=upload_of(Image.new("RGB", (20, 20)), "TIFF"))

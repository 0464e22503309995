"""Uploaded photos: checked by content, bounded in bytes and pixels, turned upright."""

import warnings

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}
WORKING_SIZE = (1024, 1024)


class PhotoRejected(Exception):
    """The upload is not a photo we can search with; the message is for the shopper."""


def photo_open(*, upload: UploadedFile | None) -> Image.Image:
    if upload is None:
        raise PhotoRejected("Choose a photo to search with.")
    limit_mb = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise PhotoRejected(f"The photo is larger than {limit_mb} MB.")
    if upload.size == 0:
        raise PhotoRejected("The file is empty.")
    upload.seek(0)
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice its limit; a bomb is an error here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(upload)
            if image.format not in ALLOWED_FORMATS:
                raise PhotoRejected("That file is not a JPEG, PNG, WebP, GIF or BMP image.")
            width, height = image.size
            if width * height > settings.UPLOAD_MAX_PIXELS:
                raise PhotoRejected(f"The photo has too many pixels ({width}×{height}); use one under 40 megapixels.")
            image.draft("RGB", WORKING_SIZE)
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise PhotoRejected("The photo has too many pixels; use one under 40 megapixels.") from error
        except UnidentifiedImageError as error:
            raise PhotoRejected("That file is not an image we can read.") from error
        except (OSError, SyntaxError, ValueError) as error:
            raise PhotoRejected("The image is damaged or incomplete.") from error
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail(WORKING_SIZE)
    return image

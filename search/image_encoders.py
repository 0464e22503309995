"""The live image encoder: the one photo search, the picture signal and catalog embedding use.

A live `ImageEncoderVersion` (an image tower the shop trained into the text encoder's space)
wins; without one, CLIP as configured (`IMAGE_ENCODER_MODEL`, `IMAGE_ENCODER_PRETRAINED`)
when its weights are on this machine; otherwise photo search is unavailable, and the message
says what staff should do. Vectors record which encoder made them (`Product.image_encoder`);
each kind writes its own field: CLIP's 512-d `image_embedding`, a trained tower's
`image_aligned_embedding` in the text encoder's 384-d space.
"""

from ml.artifacts import ArtifactError, artifact_load
from ml.devices import device_get
from ml.encoders import EncoderUnavailable, ImageEncoder, image_encoder_get, image_encoder_name, text_encoder_get
from ml.image_tower import AlignedImageEncoder, image_tower_from_payload
from ml.loading import loaded_get
from search.models import ImageEncoderVersion

LIVE_IMAGE_ENCODER_KEY = "search.image_encoder"

NO_IMAGE_ENCODER = (
    "No image encoder has been trained yet: staff can train one in admin (Search › Image encoder runs › "
    "Train now) or with `manage.py train_image_encoder`; or set IMAGE_ENCODER_PRETRAINED to CLIP weights."
)
# What shoppers read while photo search cannot work (the staff message above goes to the API and the log).
PHOTO_SEARCH_UNAVAILABLE = "Photo search isn't ready in this shop yet. Please search with words for now."


class ImageEncoderMissing(EncoderUnavailable):
    """Neither a trained image encoder is live nor CLIP's weights are here."""


def image_vector_field(*, encoder: ImageEncoder | AlignedImageEncoder) -> str:
    return "image_aligned_embedding" if isinstance(encoder, AlignedImageEncoder) else "image_embedding"


def _live_version() -> tuple | None:
    return (
        ImageEncoderVersion.objects.filter(is_live=True)
        .values_list("pk", "name", "artifact", "artifact_sha256")
        .first()
    )


def aligned_encoder_load(*, name: str, artifact: str, sha256: str, device: str | None = None) -> AlignedImageEncoder:
    device = device or device_get()
    try:
        payload = artifact_load(name=artifact, sha256=sha256)
        tower = image_tower_from_payload(payload=payload, device=device)
    except (ArtifactError, KeyError, TypeError, RuntimeError) as error:
        raise EncoderUnavailable(f"Image encoder {name} cannot load: {error}") from error
    text_encoder = text_encoder_get()
    return AlignedImageEncoder(
        name=name,
        tower=tower,
        device=device,
        dimensions=tower.config.dimensions,
        text_encode=lambda texts: text_encoder.encode(texts, queries=True),
    )


def live_image_encoder_get() -> ImageEncoder | AlignedImageEncoder:
    """The live image encoder, loaded once per process; ImageEncoderMissing (staff words) when there is none."""
    live = _live_version()
    if live is not None:
        _, name, artifact, sha256 = live
        return loaded_get(
            key=LIVE_IMAGE_ENCODER_KEY,
            version=live,
            load=lambda: aligned_encoder_load(name=name, artifact=artifact, sha256=sha256),
            failures=(EncoderUnavailable,),
        )
    try:
        return image_encoder_get()
    except EncoderUnavailable as error:
        raise ImageEncoderMissing(f"{NO_IMAGE_ENCODER} (CLIP: {error})") from error


def live_image_vectors() -> tuple[str, str]:
    """(the name stored beside the live encoder's vectors, their field), in one query and without loading it."""
    live = _live_version()
    return (live[1], "image_aligned_embedding") if live is not None else (image_encoder_name(), "image_embedding")


def live_image_encoder_name() -> str:
    return live_image_vectors()[0]


def live_image_vector_field() -> str:
    return live_image_vectors()[1]


def live_image_encoder_status() -> str | None:
    """None when photo search works, else the reason for staff."""
    try:
        live_image_encoder_get()
    except EncoderUnavailable as error:
        return str(error)
    return None

"""Load the models a request may need once per process at start, so that no shopper waits for them.

Without it the first search after a start took about 7 s (loading the text encoder and torch's
first inference). Called by gunicorn's post_worker_init hook (config/gunicorn.py) and Celery's
worker_process_init signal (ops/apps.py) when settings.ML_PRELOAD is on; off in tests and commands.
"""

import logging
import time

from ml.encoders import EncoderUnavailable, text_encoder_get
from recommender.registry import ModelUnavailable, live_model_get
from search.image_encoders import live_image_encoder_status

logger = logging.getLogger(__name__)


def models_preload() -> dict[str, str]:
    """Load the text encoder (and run it once), the image encoder and the live recommender; say what each did.

    A model that cannot load is reported and left to the pages' own fallbacks (lexical search,
    trending), never raised: a worker that starts without it still serves.
    """
    started = time.perf_counter()
    loaded: dict[str, str] = {}
    try:
        text_encoder_get().encode(["warm up"], queries=True)
        loaded["text_encoder"] = "loaded"
    except EncoderUnavailable as error:
        loaded["text_encoder"] = f"unavailable: {error}"
    # The live one: a tower the shop trained, else CLIP when its weights are here.
    image_status = live_image_encoder_status()
    loaded["image_encoder"] = "loaded" if image_status is None else f"unavailable: {image_status}"
    try:
        loaded["recommender"] = f"v{live_model_get().version_id} loaded"
    except ModelUnavailable as error:
        loaded["recommender"] = f"unavailable: {error}"
    logger.info("Models preloaded in %.1f s: %s", time.perf_counter() - started, loaded)
    return loaded

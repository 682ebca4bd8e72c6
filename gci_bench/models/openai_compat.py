"""``openai`` backend: any OpenAI-compatible server (vLLM, transformers serve, llama.cpp, …).

Requests go out from a bounded thread pool (``--concurrency``), each with greedy settings
(``temperature`` 0). A 429, a 5xx, a timeout or a dropped connection is retried with exponential
backoff (honouring ``Retry-After``); any other error status is the user's to fix and stops the
run with the server's message. With the chat template (the default) the server's
``/chat/completions`` renders the prompt; with ``--no-chat-template`` the plain prompt goes to
``/completions``.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any
from urllib.parse import urlsplit

from gci_bench.errors import GciError
from gci_bench.models.base import (
    BACKENDS,
    Backend,
    GenerationSettings,
    ModelSpec,
    OnBatch,
    Prompt,
    json_hash,
)
from gci_bench.prompts import PLAIN_ANSWER_CUE

logger = logging.getLogger(__name__)

#: Statuses worth another try: rate limiting and server-side failures.
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
MAX_BACKOFF = 60.0


def normalise_base_url(url: str) -> str:
    """``http://host:port`` → ``http://host:port/v1``; a URL with a path is kept as given."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise GciError(f"--base-url {url!r}: expected http(s)://host[:port][/v1]")
    return url if parts.path else url + "/v1"


class RetryPolicy:
    """How long to wait before retry ``attempt`` (0-based): base·2^attempt, jittered, capped."""

    def __init__(self, max_retries: int, backoff: float) -> None:
        self.max_retries = max_retries
        self.backoff = backoff
        self._rng = random.Random()

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        if retry_after:
            try:
                return min(MAX_BACKOFF, max(0.0, float(retry_after)))
            except ValueError:
                pass  # an HTTP date: fall back to our own schedule
        base = min(MAX_BACKOFF, self.backoff * (2**attempt))
        return base * (0.5 + 0.5 * self._rng.random())


class ServerClient:
    """One OpenAI-compatible endpoint: a pooled httpx client plus the retry loop."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None,
        timeout: float,
        retry: RetryPolicy,
        pool: int = 8,
    ) -> None:
        import httpx

        self.base_url = normalise_base_url(base_url)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.retry = retry
        self._httpx = httpx
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
        )
        self.retries = 0
        self._lock = threading.Lock()

    def check(self) -> list[str]:
        """Reach the server once (no retries) and return the model ids it lists."""
        httpx = self._httpx
        try:
            resp = self._client.get("/models", timeout=10.0)
        except httpx.TransportError as exc:
            raise GciError(f"--base-url {self.base_url}: server unreachable ({exc})") from None
        if resp.status_code >= 400:
            logger.warning("%s/models answered %s", self.base_url, resp.status_code)
            return []
        try:
            return [str(m.get("id")) for m in resp.json().get("data", [])]
        except (ValueError, AttributeError):
            return []

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST with retries on 429/5xx/timeouts/connection errors; GciError when it gives up."""
        httpx = self._httpx
        last = ""
        for attempt in range(self.retry.max_retries + 1):
            retry_after = None
            try:
                resp = self._client.post(path, json=body)
            except httpx.TimeoutException as exc:
                last = f"timeout ({type(exc).__name__})"
            except httpx.TransportError as exc:
                last = f"connection error ({exc})"
            else:
                if resp.status_code < 400:
                    try:
                        return resp.json()
                    except ValueError:
                        raise GciError(
                            f"{self.base_url}{path}: response is not JSON: {resp.text[:200]!r}"
                        ) from None
                detail = _error_detail(resp)
                if resp.status_code not in RETRY_STATUSES:
                    raise GciError(
                        f"{self.base_url}{path}: HTTP {resp.status_code}: {detail}"
                    ) from None
                last = f"HTTP {resp.status_code}: {detail}"
                retry_after = resp.headers.get("retry-after")
            if attempt < self.retry.max_retries:
                wait_s = self.retry.delay(attempt, retry_after)
                logger.info("%s%s: %s; retrying in %.2fs", self.base_url, path, last, wait_s)
                with self._lock:
                    self.retries += 1
                time.sleep(wait_s)
        raise GciError(
            f"{self.base_url}{path}: giving up after {self.retry.max_retries + 1} attempts "
            f"(last: {last})"
        )

    def close(self) -> None:
        self._client.close()


def _error_detail(resp: Any) -> str:
    try:
        data = resp.json()
    except ValueError:
        return resp.text[:300]
    err = data.get("error") if isinstance(data, dict) else None
    if isinstance(err, dict):
        return str(err.get("message") or err)[:300]
    return str(err or data.get("detail") or data)[:300]


@BACKENDS.register("openai")
class OpenAIBackend(Backend):
    """Generations from an OpenAI-compatible server; ``--model`` is the served model name."""

    name = "openai"
    cacheable = True

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__(spec)
        if not spec.base_url:
            raise GciError("the openai backend needs --base-url (e.g. http://127.0.0.1:8000/v1)")
        if not spec.model:
            raise GciError("the openai backend needs --model, the model name the server serves")
        self.client = ServerClient(
            spec.base_url,
            api_key=os.environ.get(spec.api_key_env) or None,
            timeout=spec.request_timeout,
            retry=RetryPolicy(spec.max_retries, spec.retry_backoff),
            pool=spec.concurrency,
        )
        self.served = self.client.check()
        if self.served and spec.model not in self.served:
            logger.warning(
                "%s does not list model %r (it lists %s)",
                self.client.base_url,
                spec.model,
                ", ".join(self.served[:5]),
            )

    @property
    def fingerprint(self) -> str:
        """The served model name: the server's weights cannot be seen from here.

        The URL is left out so that a cache survives a server restart on another port; serve a
        different model under the same name and you must clear the cache (documented).
        """
        return json_hash({"backend": "openai", "model": self.spec.model})

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "model": self.spec.model,
            "base_url": self.client.base_url,
            "fingerprint": self.fingerprint,
            "retries": self.client.retries,
            "adapter": None,
        }

    def resolve_chat_template(self, requested: bool | None) -> bool:
        return True if requested is None else requested

    def render(self, text: str, settings: GenerationSettings) -> str:
        return text if settings.chat_template else text + PLAIN_ANSWER_CUE

    def complete(self, text: str, settings: GenerationSettings) -> str:
        """One greedy completion for one user message."""
        common = {"model": self.spec.model, "max_tokens": settings.max_new_tokens, "temperature": 0}
        if settings.chat_template:
            body = {**common, "messages": [{"role": "user", "content": text}], "stream": False}
            data = self.client.post("/chat/completions", body)
            try:
                content = data["choices"][0]["message"]["content"]
            except (KeyError, IndexError, TypeError):
                raise GciError(f"unexpected chat completion response: {str(data)[:300]}") from None
        else:
            body = {**common, "prompt": self.render(text, settings), "stream": False}
            data = self.client.post("/completions", body)
            try:
                content = data["choices"][0]["text"]
            except (KeyError, IndexError, TypeError):
                raise GciError(f"unexpected completion response: {str(data)[:300]}") from None
        return content or ""

    def generate(
        self,
        prompts: Sequence[Prompt],
        settings: GenerationSettings,
        on_batch: OnBatch | None = None,
    ) -> list[str]:
        """Bounded-concurrency requests; ``on_batch`` runs in this thread as each one finishes."""
        outputs: list[str] = [""] * len(prompts)
        if not prompts:
            return outputs
        pool = ThreadPoolExecutor(max_workers=self.spec.concurrency, thread_name_prefix="gci-api")
        try:
            futures: dict[Future[str], int] = {
                pool.submit(self.complete, p.text, settings): i for i, p in enumerate(prompts)
            }
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                error: BaseException | None = None
                for fut in sorted(done, key=futures.__getitem__):
                    if fut.exception() is not None:
                        error = error or fut.exception()
                        continue
                    i = futures[fut]
                    outputs[i] = fut.result()
                    if on_batch is not None:  # cache what succeeded before giving up
                        on_batch([i], [outputs[i]])
                if error is not None:
                    raise error
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return outputs

    def close(self) -> None:
        self.client.close()

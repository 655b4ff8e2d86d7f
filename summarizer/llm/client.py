"""A small client for OpenAI-compatible ``/chat/completions`` endpoints.

It speaks the one call Briefbot needs, to any server that implements it (OpenAI, Ollama, vLLM,
llama.cpp server, LM Studio …), and takes care of what such servers do to callers: rate limits
(429 with ``Retry-After``), transient 5xx errors, slow answers, and uneven support for structured
output. The ``httpx.AsyncClient`` is passed in (built once by the bot); this class adds the
concurrency limit, retries, the structured-output fallback ladder, token accounting, and a cap
on what it reads: an answer is read at most ``max_response_bytes`` (after decompression, so a
gzip bomb costs no more), and its JSON is parsed with its strings cleaned and its depth bounded.

Errors::

    SummarizeError
     └── LLMError              the model gave no usable answer; callers fall back to local
          ├── LLMUnavailable   timeout, connection failure, 429/5xx after retries, cooling down
          └── LLMRejected      a 4xx the server will repeat (bad key, unknown model, bad request)
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import math
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import httpx

from summarizer.clean import load_json
from summarizer.errors import SummarizeError

log = logging.getLogger(__name__)

Message = Mapping[str, str]
OutputFormat = Literal["json_schema", "json_object", "text"]
# Tried in this order; a server that rejects one (HTTP 400/422) is asked with the next.
FORMAT_LADDER: tuple[OutputFormat, ...] = ("json_schema", "json_object", "text")


class LLMError(SummarizeError):
    """The model could not give a usable answer; ``str()`` says why, politely."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LLMUnavailable(LLMError):
    """Timeout, connection failure, or 429/5xx that outlasted the retries."""


class LLMRejected(LLMError):
    """A client error the server would repeat on retry (401, 403, 404, 400 …)."""


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens as the server reports them (``usage`` in each response), summed."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.requests + other.requests,
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    usage: Usage
    format: OutputFormat


@dataclass(frozen=True, slots=True)
class LLMConfig:
    base_url: str
    model: str
    # repr=False: the key must never show up in a log line, a traceback or a repr().
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 60.0  # seconds per attempt, whole request
    max_concurrency: int = 4
    max_retries: int = 3
    max_retry_after: float = 30.0  # a server asking for longer is waited on for this long only
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    # After this many calls in a row failed as unavailable, stop calling for `cooldown` seconds:
    # a dead Ollama must not cost every article of a digest its full retry schedule.
    failures_to_pause: int = 3
    cooldown: float = 30.0
    # A chat completion or a model list is a few kB; anything near this is not one.
    max_response_bytes: int = 2_000_000


class LLMClient:
    """``chat()`` one conversation at a time, at most ``max_concurrency`` in flight."""

    def __init__(self, http: httpx.AsyncClient, config: LLMConfig) -> None:
        self._http = http
        self.config = config
        self._url = config.base_url.rstrip("/") + "/chat/completions"
        self._semaphore = asyncio.Semaphore(config.max_concurrency)
        self._format_index = 0  # lowest rung of FORMAT_LADDER known to work with this server
        self._usage = Usage()
        self._failures_in_row = 0
        self._paused_until = 0.0

    @property
    def model(self) -> str:
        return self.config.model

    @property
    def usage(self) -> Usage:
        """Tokens used by every successful call of this client so far."""
        return self._usage

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        return headers

    async def chat(
        self, messages: Sequence[Message], schema: Mapping[str, object] | None = None
    ) -> Completion:
        """Send ``messages``; with ``schema``, ask for JSON matching it as well as the server can.

        Raises ``LLMError``; never returns an empty completion.
        """
        async with self._semaphore:
            if time.monotonic() < self._paused_until:
                raise LLMUnavailable("the language model is unavailable right now")
            try:
                completion = await self._chat_ladder(list(messages), schema)
            except LLMUnavailable:
                self._failures_in_row += 1
                if self._failures_in_row >= self.config.failures_to_pause:
                    self._paused_until = time.monotonic() + self.config.cooldown
                    log.warning(
                        "llm paused model=%s failures=%d cooldown_s=%.0f",
                        self.model,
                        self._failures_in_row,
                        self.config.cooldown,
                    )
                raise
            self._failures_in_row = 0
            self._paused_until = 0.0
            return completion

    async def _chat_ladder(self, messages: list[Message], schema: Mapping[str, object] | None) -> Completion:
        if schema is None:
            return await self._chat_with_retries(messages, None, "text")
        index = self._format_index
        while True:
            fmt = FORMAT_LADDER[index]
            try:
                completion = await self._chat_with_retries(messages, schema, fmt)
            except LLMRejected as exc:
                # Servers without structured output answer 400 (some 422) to response_format.
                # Walk down; if plain text is refused too, the problem was never the format.
                if exc.status not in (400, 422) or index == len(FORMAT_LADDER) - 1:
                    raise
                index += 1
                log.info("llm server refused response_format=%s; trying %s", fmt, FORMAT_LADDER[index])
                continue
            if index > self._format_index:
                self._format_index = index  # remember: later calls start where this one worked
            return completion

    async def _chat_with_retries(
        self, messages: list[Message], schema: Mapping[str, object] | None, fmt: OutputFormat
    ) -> Completion:
        body: dict[str, object] = {"model": self.model, "messages": messages}
        if schema is not None and fmt == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "reply", "strict": True, "schema": schema},
            }
        elif schema is not None and fmt == "json_object":
            body["response_format"] = {"type": "json_object"}
        attempts = self.config.max_retries + 1
        for attempt in range(attempts):
            started = time.perf_counter()
            outcome = await self._attempt(body, fmt, attempt, last=attempt == attempts - 1)
            if isinstance(outcome, Completion):
                ms = (time.perf_counter() - started) * 1000
                log.info(
                    "llm call model=%s format=%s attempt=%d ms=%.0f prompt_tokens=%d completion_tokens=%d",
                    self.model,
                    fmt,
                    attempt + 1,
                    ms,
                    outcome.usage.prompt_tokens,
                    outcome.usage.completion_tokens,
                )
                return outcome
            await asyncio.sleep(outcome)
        raise AssertionError("unreachable: the last attempt raises")  # pragma: no cover

    async def _attempt(
        self, body: Mapping[str, object], fmt: OutputFormat, attempt: int, last: bool
    ) -> Completion | float:
        """One HTTP request: a completion, or the delay before retrying; raises when final."""
        timeout = self.config.timeout
        try:
            async with asyncio.timeout(timeout):
                response = await self._request("POST", self._url, body)
        except (TimeoutError, httpx.TimeoutException):
            # Not retried: a model that needed longer than the timeout will need it again.
            raise LLMUnavailable(f"the language model did not answer within {timeout:g} s") from None
        except httpx.TransportError as exc:
            if last:
                raise LLMUnavailable(
                    f"cannot reach the language model server ({type(exc).__name__})"
                ) from None
            log.warning("llm connection failed model=%s error=%s; retrying", self.model, type(exc).__name__)
            return self._backoff(attempt)
        status = response.status
        if status == 429 or status >= 500:
            if last:
                raise LLMUnavailable(f"the language model server answered HTTP {status}", status)
            delay = parse_retry_after(response.headers, self.config.max_retry_after)
            if delay is None:
                delay = self._backoff(attempt)
            log.warning("llm retry model=%s status=%d wait_s=%.2f", self.model, status, delay)
            return delay
        if status >= 400:
            raise LLMRejected(_rejection(status, response), status)
        return self._completion(response, fmt)

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, self.config.backoff_base, self.config.backoff_max)

    async def _request(self, method: str, url: str, payload: object = None) -> _Response:
        """One request, its body read up to ``max_response_bytes`` (counted after decoding)."""
        cap = self.config.max_response_bytes
        async with self._http.stream(method, url, json=payload, headers=self._headers()) as response:
            chunks: list[bytes] = []
            total = 0
            async for chunk in response.aiter_bytes():
                total += len(chunk)
                if total > cap:
                    raise LLMUnavailable(
                        f"the language model server sent an answer larger than the {cap / 1e6:g} MB "
                        "Briefbot reads",
                        response.status_code,
                    )
                chunks.append(chunk)
            return _Response(response.status_code, response.headers, b"".join(chunks))

    def _completion(self, response: _Response, fmt: OutputFormat) -> Completion:
        try:
            data = response.json()
            text = _at(data, "choices", 0, "message", "content")
        except (ValueError, LookupError, TypeError):
            raise LLMUnavailable("the language model server sent a malformed response") from None
        if not isinstance(text, str) or not text.strip():
            raise LLMUnavailable("the language model returned an empty answer")
        usage = Usage(requests=1)
        raw = data.get("usage") if isinstance(data, dict) else None
        if isinstance(raw, dict):
            usage = Usage(1, _count(raw.get("prompt_tokens")), _count(raw.get("completion_tokens")))
        self._usage = self._usage + usage
        return Completion(text=text, usage=usage, format=fmt)

    async def list_models(self) -> list[str]:
        """``GET {base_url}/models``: the model ids the server offers (for ``briefbot doctor``)."""
        url = self.config.base_url.rstrip("/") + "/models"
        try:
            async with asyncio.timeout(min(self.config.timeout, 10.0)):
                response = await self._request("GET", url)
        except (TimeoutError, httpx.TimeoutException):
            raise LLMUnavailable("the language model server did not answer") from None
        except httpx.TransportError as exc:
            raise LLMUnavailable(f"cannot reach the language model server ({type(exc).__name__})") from None
        if response.status >= 400:
            raise LLMRejected(_rejection(response.status, response), response.status)
        try:
            items = _at(response.json(), "data")
        except (ValueError, LookupError, TypeError):
            items = None
        if not isinstance(items, list):
            raise LLMUnavailable("the language model server sent a malformed model list")
        return [str(item["id"]) for item in items if isinstance(item, dict) and "id" in item]


@dataclass(frozen=True, slots=True)
class _Response:
    """What was read of an HTTP response: status, headers and the (capped) body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> object:
        """The body as JSON, strings cleaned; ``ValueError`` when it is not JSON (too deep too)."""
        value: object = load_json(self.body)
        return value


def _at(value: object, *path: str | int) -> object:
    """The value at ``path`` (object keys, list indexes) in parsed JSON; ``LookupError`` or
    ``TypeError`` when it is not there."""
    for step in path:
        if isinstance(value, list) and isinstance(step, int):
            value = value[step]
            continue
        if not isinstance(value, dict) or not isinstance(step, str):
            raise TypeError(f"no {step!r} in the JSON")
        value = value[step]
    return value


def backoff_delay(retry: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Delay before retry number ``retry`` (0-based): ``base * 2**retry`` capped, ±25 % jitter
    so that callers failing together do not come back in lockstep."""
    delay = min(cap, base * 2.0**retry)
    jitter: float = (rng or random).uniform(0.75, 1.25)
    return min(cap, delay * jitter)


def parse_retry_after(headers: Mapping[str, str], cap: float, now: float | None = None) -> float | None:
    """Seconds a server asked us to wait (``retry-after-ms``, ``Retry-After`` seconds or date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            ms = float(raw_ms)
        except ValueError:
            ms = math.nan
        if math.isfinite(ms) and ms >= 0:
            return min(cap, ms / 1000)
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None  # type: ignore[unreachable]
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return min(cap, max(0.0, seconds))


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _rejection(status: int, response: _Response) -> str:
    if status == 401:
        return "the language model server refused the API key (HTTP 401); check [llm] api_key_env"
    if status == 403:
        return "the language model server denied access (HTTP 403)"
    if status == 404:
        return "the language model server does not know this endpoint or model (HTTP 404); check [llm]"
    detail = _error_message(response)
    return f"the language model server refused the request (HTTP {status}{': ' + detail if detail else ''})"


def _error_message(response: _Response) -> str:
    """The server's own one-line reason, shortened: useful in logs, never contains our key."""
    try:
        data = response.json()
    except ValueError:
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    if not isinstance(message, str):
        return ""
    return json.dumps(" ".join(message.split())[:160])[1:-1]

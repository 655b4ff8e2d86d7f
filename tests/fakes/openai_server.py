"""A fake OpenAI-compatible server: real HTTP on 127.0.0.1, scripted per test.

    async with FakeOpenAI() as server:           # server.base_url == "http://127.0.0.1:PORT/v1"
        server.script(content({"tldr": ...}), error(429, headers={"Retry-After": "1"}))
        ...                                      # server.requests records every call

Replies are taken from the script in order; when it is empty, ``responder`` (a function of the
recorded request) answers, and without one the server answers 500 "nothing scripted" so that a
test never passes on an accidental default. Server traits that are not per-reply — refusing
``response_format`` json_schema/json_object, requiring an API key, a fixed delay — are
constructor options, and such refusals do not consume the script.

Run as a process (for benchmarks): ``python -m tests.fakes.openai_server --reply FILE``
prints its base URL, serves FILE's text as every completion, and reports
``GET /_fake/stats`` → ``{"requests", "max_in_flight"}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import re
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_ARTICLE = re.compile(r"<article>\n?(.*?)\n?</article>", re.DOTALL)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    content: str | None = None  # the completion text of a 200 reply
    body: Any = None  # a JSON body instead (errors, odd shapes)
    raw: str | None = None  # a raw text body instead (malformed responses)
    encoded: bytes | None = None  # bytes sent as they are (with ``headers``), e.g. a gzip bomb
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    usage: tuple[int, int] | None = None  # (prompt, completion) tokens; default: chars/4


def content(value: Any, *, delay: float = 0.0, usage: tuple[int, int] | None = None) -> Reply:
    """A completion whose message content is ``value`` (JSON-encoded unless a string)."""
    text = value if isinstance(value, str) else json.dumps(value)
    return Reply(content=text, delay=delay, usage=usage)


def error(
    status: int, message: str = "fake error", *, headers: Mapping[str, str] | None = None, delay: float = 0.0
) -> Reply:
    body = {"error": {"message": message, "type": "fake_error", "code": status}}
    return Reply(status=status, body=body, headers=dict(headers or {}), delay=delay)


def gzip_bomb(unpacked: int) -> Reply:
    """A completion whose body, gzip-encoded, unpacks to ``unpacked`` bytes (about a thousandth
    of that on the wire): valid JSON, so only a size cap stops a client from reading it all."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = b'{"choices": [{"message": {"role": "assistant", "content": "'
    tail = b'"}}], "usage": {"prompt_tokens": 1, "completion_tokens": 1}}'
    chunk = b" " * 1_000_000
    parts = [packer.compress(head)]
    for _ in range(max(0, unpacked - len(head) - len(tail)) // len(chunk)):
        parts.append(packer.compress(chunk))
    parts += [packer.compress(tail), packer.flush()]
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    return Reply(encoded=b"".join(parts), headers=headers)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: Mapping[str, str]
    body: Any
    at: float  # time.monotonic() when the request arrived

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []

    @property
    def user_text(self) -> str:
        """The last user message."""
        users = [m.get("content", "") for m in self.messages if m.get("role") == "user"]
        return str(users[-1]) if users else ""

    @property
    def system_text(self) -> str:
        return next((str(m.get("content", "")) for m in self.messages if m.get("role") == "system"), "")

    @property
    def article(self) -> str:
        """The article text as sent, between the <article> tags of the first user message."""
        users = [str(m.get("content", "")) for m in self.messages if m.get("role") == "user"]
        match = _ARTICLE.search(users[0]) if users else None
        return match.group(1) if match else ""

    @property
    def response_format(self) -> str | None:
        fmt = self.body.get("response_format") if isinstance(self.body, dict) else None
        return fmt.get("type") if isinstance(fmt, dict) else None


Responder = Callable[[Recorded], Reply | Awaitable[Reply]]
Scripted = Reply | Responder


class FakeOpenAI:
    def __init__(
        self,
        *,
        json_schema: bool = True,
        json_object: bool = True,
        api_key: str | None = None,
        delay: float = 0.0,
        models: tuple[str, ...] = ("fake-model",),
        models_reply: Reply | None = None,
        responder: Responder | None = None,
    ) -> None:
        self.json_schema = json_schema
        self.json_object = json_object
        self.api_key = api_key
        self.delay = delay
        self.models = models
        self.models_reply = models_reply  # GET /models answered with this instead of ``models``
        self.responder = responder
        self.requests: list[Recorded] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._script: deque[Scripted] = deque()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def script(self, *replies: Scripted) -> None:
        self._script.extend(replies)

    @property
    def completions(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        app.router.add_get("/_fake/stats", self._stats)
        # handler_cancellation: a client that gave up (timeout) ends the handler too.
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        host, real_port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{real_port}/v1"
        return self.base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOpenAI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _authorised(self, request: web.Request) -> bool:
        return self.api_key is None or request.headers.get("Authorization") == f"Bearer {self.api_key}"

    async def _models(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _json(error(401, "invalid api key"))
        if self.models_reply is not None:
            return _json(self.models_reply)
        data = [{"id": m, "object": "model"} for m in self.models]
        return web.json_response({"object": "list", "data": data})

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response({"requests": len(self.completions), "max_in_flight": self.max_in_flight})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        recorded = Recorded(request.method, request.path, dict(request.headers), body, time.monotonic())
        self.requests.append(recorded)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            reply = await self._reply(request, recorded)
            delay = reply.delay or self.delay
            if delay:
                await asyncio.sleep(delay)
            return _json(reply)
        finally:
            self.in_flight -= 1

    async def _reply(self, request: web.Request, recorded: Recorded) -> Reply:
        if not self._authorised(request):
            return error(401, "Incorrect API key provided")
        if not isinstance(recorded.body, dict) or "messages" not in recorded.body:
            return error(400, "messages is required")
        fmt = recorded.response_format
        if (fmt == "json_schema" and not self.json_schema) or (fmt == "json_object" and not self.json_object):
            return error(400, f"response_format type {fmt} is not supported by this server")
        item: Scripted | None = self._script.popleft() if self._script else self.responder
        if item is None:
            return error(500, "nothing scripted for this request")
        if isinstance(item, Reply):
            return item
        result = item(recorded)
        return await result if inspect.isawaitable(result) else result


def _json(reply: Reply) -> web.Response:
    headers = dict(reply.headers)
    if reply.encoded is not None:
        return web.Response(status=reply.status, body=reply.encoded, headers=headers)
    if reply.raw is not None:
        return web.Response(
            status=reply.status, text=reply.raw, headers=headers, content_type="application/json"
        )
    if reply.body is not None:
        return web.json_response(reply.body, status=reply.status, headers=headers)
    text = reply.content or ""
    prompt, completion = reply.usage or (0, (len(text) + 3) // 4)
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "fake-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }
    return web.json_response(body, status=reply.status, headers=headers)


async def _serve(reply_text: str, delay: float) -> None:
    server = FakeOpenAI(responder=lambda _: content(reply_text), delay=delay)
    print(await server.start(), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a fixed completion as a fake OpenAI API.")
    parser.add_argument("--reply", required=True, help="file whose text is every completion")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args()
    with open(args.reply, encoding="utf-8") as f:
        text = f.read()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(text, args.delay))


if __name__ == "__main__":
    main()

"""A fake Slack on 127.0.0.1: the Web API methods Briefbot uses, response URLs, Socket Mode.

It is a real aiohttp server, so the real ``AsyncWebClient`` and the real Socket Mode client
talk to it over real sockets. It records every call, keeps the current state of every message
(so a test can see what a channel finally shows), and checks messages the way Slack does:
Block Kit limits, ``invalid_blocks`` with the offending JSON pointer, ``msg_too_long``.

Scripting: ``rate_limit(method, retry_after, times)`` answers 429 with ``Retry-After``;
``gone[channel] = "channel_not_found"`` makes a channel refuse posts; ``drop_socket()`` cuts
the current websocket without a close frame; ``send_event`` / ``send_command`` push envelopes.

``EventsClient`` plays Slack's side of HTTP mode: correctly (or wrongly) signed requests to an
app's ``/slack/events``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

BOT_TOKEN = "xoxb-fake-bot-token"
APP_TOKEN = "xapp-fake-app-token"
SIGNING_SECRET = "fake-signing-secret"
TEAM_ID = "T0FAKE"
BOT_USER_ID = "UBRIEFBOT"
BOT_ID = "BBRIEFBOT"


def slack_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- Block Kit rules


def validate_message(params: Mapping[str, Any], *, require_text: bool = True) -> list[str]:
    """Slack's checks on a message payload; an empty list means valid."""
    errors: list[str] = []
    text = params.get("text")
    if require_text and (not isinstance(text, str) or not text.strip()):
        # Slack itself only warns; Briefbot promises a fallback text on every message.
        errors.append("missing fallback text [json-pointer:/text]")
    if isinstance(text, str) and len(text) > 40_000:
        errors.append("msg_too_long")
    blocks = params.get("blocks")
    if blocks is None:
        return errors
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except json.JSONDecodeError:
            return [*errors, "invalid JSON [json-pointer:/blocks]"]
    if not isinstance(blocks, list):
        return [*errors, "must be an array [json-pointer:/blocks]"]
    if len(blocks) > 50:
        errors.append(f"no more than 50 items allowed, got {len(blocks)} [json-pointer:/blocks]")
    block_ids: set[str] = set()
    action_ids: set[str] = set()
    for i, block in enumerate(blocks):
        errors += _block(block, f"/blocks/{i}", block_ids, action_ids)
    return errors


def _text_object(obj: Any, where: str, *, limit: int, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict):
        return [f"must be a text object [json-pointer:{where}]"]
    kinds = {"plain_text"} if plain_only else {"plain_text", "mrkdwn"}
    if obj.get("type") not in kinds:
        return [f"must be one of {sorted(kinds)} [json-pointer:{where}/type]"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"must be more than 0 characters [json-pointer:{where}/text]"]
    if slack_len(text) > limit:
        return [f"must be less than {limit + 1} characters [json-pointer:{where}/text]"]
    extra = set(obj) - {"type", "text", "emoji", "verbatim"}
    if extra or (obj["type"] == "mrkdwn" and "emoji" in obj):
        return [f"unexpected fields {sorted(extra)} [json-pointer:{where}]"]
    return []


def _block(block: Any, where: str, block_ids: set[str], action_ids: set[str]) -> list[str]:
    if not isinstance(block, dict):
        return [f"must be an object [json-pointer:{where}]"]
    errors: list[str] = []
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or not 0 < len(block_id) <= 255:
            errors.append(f"invalid block_id [json-pointer:{where}/block_id]")
        elif block_id in block_ids:
            errors.append(f"duplicate block_id [json-pointer:{where}/block_id]")
        else:
            block_ids.add(block_id)
    kind = block.get("type")
    if kind == "section":
        if "text" not in block and "fields" not in block:
            errors.append(f"must provide text or fields [json-pointer:{where}]")
        if "text" in block:
            errors += _text_object(block["text"], f"{where}/text", limit=3000)
        fields = block.get("fields")
        if fields is not None:
            if not isinstance(fields, list) or not 0 < len(fields) <= 10:
                errors.append(f"fields: 1 to 10 items [json-pointer:{where}/fields]")
            else:
                for j, f in enumerate(fields):
                    errors += _text_object(f, f"{where}/fields/{j}", limit=2000)
    elif kind == "header":
        errors += _text_object(block.get("text"), f"{where}/text", limit=150, plain_only=True)
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 0 < len(elements) <= 10:
            errors.append(f"elements: 1 to 10 items [json-pointer:{where}/elements]")
        else:
            for j, element in enumerate(elements):
                if isinstance(element, dict) and element.get("type") == "image":
                    if not element.get("image_url") or not element.get("alt_text"):
                        errors.append(
                            f"image needs image_url and alt_text [json-pointer:{where}/elements/{j}]"
                        )
                else:
                    errors += _text_object(element, f"{where}/elements/{j}", limit=3000)
    elif kind == "divider":
        if set(block) - {"type", "block_id"}:
            errors.append(f"unexpected fields [json-pointer:{where}]")
    elif kind == "actions":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 0 < len(elements) <= 25:
            errors.append(f"elements: 1 to 25 items [json-pointer:{where}/elements]")
        else:
            for j, element in enumerate(elements):
                errors += _button(element, f"{where}/elements/{j}", action_ids)
    else:
        errors.append(f"unsupported block type {kind!r} [json-pointer:{where}/type]")
    return errors


def _button(element: Any, where: str, action_ids: set[str]) -> list[str]:
    if not isinstance(element, dict) or element.get("type") != "button":
        return [f"only buttons are expected here [json-pointer:{where}]"]
    errors = _text_object(element.get("text"), f"{where}/text", limit=75, plain_only=True)
    action_id = element.get("action_id")
    if action_id is not None:
        if not isinstance(action_id, str) or not 0 < len(action_id) <= 255:
            errors.append(f"invalid action_id [json-pointer:{where}/action_id]")
        elif action_id in action_ids:
            errors.append(f"duplicate action_id [json-pointer:{where}/action_id]")
        else:
            action_ids.add(action_id)
    url = element.get("url")
    if url is not None:
        parts = urllib.parse.urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in {"http", "https"} or not parts.netloc or len(url) > 3000:
            errors.append(f"invalid url [json-pointer:{where}/url]")
        elif any(c in url for c in ' <>|"\n'):
            errors.append(f"invalid url characters [json-pointer:{where}/url]")
    value = element.get("value")
    if value is not None and (not isinstance(value, str) or len(value) > 2000):
        errors.append(f"invalid value [json-pointer:{where}/value]")
    return errors


# --------------------------------------------------------------------------- the server


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass
class Message:
    """A message as the channel currently shows it."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    user: str = BOT_USER_ID
    updates: int = 0


@dataclass
class Envelope:
    envelope_id: str
    kind: str
    payload: dict[str, Any]
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    ack_payload: dict[str, Any] | None = None


class FakeSlack:
    def __init__(self, *, bot_token: str = BOT_TOKEN, app_token: str = APP_TOKEN) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], Message] = {}
        self.ephemeral: list[dict[str, Any]] = []
        self.deleted: list[Message] = []  # messages the bot deleted (chat.delete)
        self.responses: list[tuple[str, dict[str, Any]]] = []  # (response_url key, body)
        self.users: dict[str, dict[str, Any]] = {}
        self.gone: dict[str, str] = {}  # channel id -> error (channel_not_found, not_in_channel, …)
        self.envelopes: dict[str, Envelope] = {}
        self.socket_connections = 0
        self._rate_limits: dict[str, list[int]] = {}
        self._ts = itertools.count(1)
        self._tickets: set[str] = set()
        self._sockets: list[tuple[web.WebSocketResponse, web.Request]] = []
        self._response_uses: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        for ws, _ in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{key}"

    # -- scripting

    def add_user(self, user_id: str, name: str, *, admin: bool = False, owner: bool = False) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name.lower(),
            "is_admin": admin,
            "is_owner": owner,
            "is_primary_owner": False,
            "is_bot": False,
            "profile": {"display_name": name, "real_name": name},
        }

    def rate_limit(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        self._rate_limits.setdefault(method, []).extend([retry_after] * times)

    def add_message(self, channel: str, text: str, *, user: str, thread_ts: str | None = None) -> str:
        """A message someone else posted (e.g. a user's question); returns its ts."""
        ts = self._next_ts()
        self.messages[(channel, ts)] = Message(channel, ts, text, [], thread_ts, user=user)
        return ts

    # -- inspection

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.ok or not ok_only)]

    def bot_messages(self, channel: str | None = None) -> list[Message]:
        return [
            m
            for m in self.messages.values()
            if m.user == BOT_USER_ID and (channel is None or m.channel == channel)
        ]

    async def wait_until(self, check: Callable[[], Any], timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {check}")
            await asyncio.sleep(0.01)

    # -- Web API

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1_790_000_000 + n}.{n:06d}"

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            else:
                params.update(dict(await request.post()))
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else str(params.pop("token", ""))
        params.pop("token", None)
        status, body, headers = 200, self._dispatch(method, params, token), {}
        pending = self._rate_limits.get(method)
        if pending:
            retry_after = pending.pop(0)
            status, body, headers = (
                429,
                {"ok": False, "error": "ratelimited"},
                {"Retry-After": str(retry_after)},
            )
        self.calls.append(Call(method, params, status, body))
        if status == 200 and body.get("ok"):
            self._apply(method, params, body)
        return web.json_response(body, status=status, headers=headers)

    def _dispatch(self, method: str, params: dict[str, Any], token: str) -> dict[str, Any]:
        if method == "apps.connections.open":
            if token.startswith("xoxb-"):
                return {"ok": False, "error": "not_allowed_token_type"}
            if token != self.app_token:
                return {"ok": False, "error": "invalid_auth"}
            ticket = f"t{next(self._ts)}"
            self._tickets.add(ticket)
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket?ticket={ticket}"}
        if not token:
            return {"ok": False, "error": "not_authed"}
        if token != self.bot_token:
            return {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack.invalid/",
                "team": "Fake Team",
                "user": "briefbot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "chat.delete":
            channel = str(params.get("channel", ""))
            if channel in self.gone:
                return {"ok": False, "error": self.gone[channel]}
            message = self.messages.get((channel, str(params.get("ts"))))
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            if message.user != BOT_USER_ID:
                return {"ok": False, "error": "cant_delete_message"}
            return {"ok": True, "channel": channel, "ts": params["ts"]}
        if method in {"chat.postMessage", "chat.update", "chat.postEphemeral"}:
            channel = str(params.get("channel", ""))
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            if channel in self.gone:
                return {"ok": False, "error": self.gone[channel]}
            errors = validate_message(params)
            if errors:
                code = "msg_too_long" if errors == ["msg_too_long"] else "invalid_blocks"
                return {"ok": False, "error": code, "errors": errors}
            if method == "chat.update":
                if (channel, str(params.get("ts"))) not in self.messages:
                    return {"ok": False, "error": "message_not_found"}
                return {"ok": True, "channel": channel, "ts": params["ts"], "text": params.get("text")}
            if method == "chat.postEphemeral":
                if not params.get("user"):
                    return {"ok": False, "error": "user_not_in_channel"}
                return {"ok": True, "message_ts": self._next_ts()}
            return {"ok": True, "channel": channel, "ts": self._next_ts()}
        return {"ok": False, "error": "unknown_method"}

    def _apply(self, method: str, params: dict[str, Any], body: dict[str, Any]) -> None:
        blocks = params.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        channel = str(params.get("channel"))
        if method == "chat.postMessage":
            thread = params.get("thread_ts") or None
            self.messages[(channel, body["ts"])] = Message(
                channel, body["ts"], params["text"], blocks, thread
            )
        elif method == "chat.update":
            message = self.messages[(channel, str(params["ts"]))]
            message.text, message.blocks = params["text"], blocks
            message.updates += 1
        elif method == "chat.postEphemeral":
            self.ephemeral.append(params)
        elif method == "chat.delete":
            self.deleted.append(self.messages.pop((channel, str(params["ts"]))))

    # -- response_url

    async def _response_url(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        body = await request.json()
        uses = self._response_uses.get(key, 0) + 1
        self._response_uses[key] = uses
        if uses > 5:  # Slack allows five responses per response_url
            return web.Response(status=404, text="used_url")
        if not body.get("delete_original"):
            errors = validate_message(body)
            if errors:
                return web.json_response(
                    {"ok": False, "error": "invalid_blocks", "errors": errors}, status=400
                )
        self.responses.append((key, body))
        return web.json_response({"ok": True})

    def responses_to(self, key: str) -> list[dict[str, Any]]:
        return [body for k, body in self.responses if k == key]

    def shown_through(self, key: str) -> list[dict[str, Any]]:
        """What the asker sees of the responses to ``key``, as Slack shows them: a response with
        ``replace_original`` takes the place of the one before, ``delete_original`` removes it."""
        shown: list[dict[str, Any]] = []
        for body in self.responses_to(key):
            if (body.get("delete_original") or body.get("replace_original")) and shown:
                shown.pop()
            if not body.get("delete_original"):
                shown.append(body)
        return shown

    # -- Socket Mode

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        self._tickets.discard(ticket)  # a websocket URL is good for one connection
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.socket_connections += 1
        self._sockets.append((ws, request))
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "AFAKE"}}
        await ws.send_str(json.dumps(hello))
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                envelope = self.envelopes.get(str(data.get("envelope_id")))
                if envelope is not None:
                    envelope.ack_payload = data.get("payload")
                    envelope.acked.set()
        finally:
            self._sockets = [(w, r) for w, r in self._sockets if w is not ws]
        return ws

    @property
    def socket_open(self) -> bool:
        return bool(self._sockets)

    async def _push(self, kind: str, payload: dict[str, Any], retry_attempt: int = 0) -> Envelope:
        await self.wait_until(lambda: self._sockets, timeout=10)
        envelope = Envelope(f"env-{next(self._ts)}", kind, payload)
        self.envelopes[envelope.envelope_id] = envelope
        message = {
            "envelope_id": envelope.envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        ws, _ = self._sockets[-1]
        await ws.send_str(json.dumps(message))
        return envelope

    async def send_event(self, event: dict[str, Any], *, event_id: str, retry_attempt: int = 0) -> Envelope:
        return await self._push("events_api", event_callback(event, event_id), retry_attempt)

    async def send_command(self, text: str, *, user: str, channel: str, response_key: str) -> Envelope:
        return await self._push(
            "slash_commands", command_payload(text, user, channel, self.response_url(response_key))
        )

    def drop_socket(self) -> None:
        """Cut the current websocket abruptly: no close frame, as when a network path dies."""
        for _, request in self._sockets:
            if request.transport is not None:
                request.transport.abort()


# --------------------------------------------------------------------------- payloads


def event_callback(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": "AFAKE",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }


def command_payload(text: str, user: str, channel: str, response_url: str) -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "fake",
        "channel_id": channel,
        "channel_name": "news",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/brief",
        "text": text,
        "api_app_id": "AFAKE",
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }


class EventsClient:
    """Slack's side of HTTP mode: signed POSTs to an app's ``/slack/events``."""

    def __init__(self, url: str, signing_secret: str = SIGNING_SECRET) -> None:
        self.url = url
        self.verifier = SignatureVerifier(signing_secret)
        self.session = aiohttp.ClientSession()

    async def close(self) -> None:
        await self.session.close()

    def headers(
        self, body: str, *, timestamp: int | None = None, signature: str | None = None
    ) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = (
            signature if signature is not None else self.verifier.generate_signature(timestamp=ts, body=body)
        )
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig or ""}

    async def post(
        self, body: str, content_type: str, *, extra: Mapping[str, str] | None = None, **sign: Any
    ) -> tuple[int, str]:
        headers = {"Content-Type": content_type, **self.headers(body, **sign), **(extra or {})}
        async with self.session.post(self.url, data=body.encode(), headers=headers) as response:
            return response.status, await response.text()

    async def command(
        self, text: str, *, user: str, channel: str, response_url: str, **sign: Any
    ) -> tuple[int, str]:
        body = urllib.parse.urlencode(command_payload(text, user, channel, response_url))
        return await self.post(body, "application/x-www-form-urlencoded", **sign)

    async def event(
        self, event: dict[str, Any], *, event_id: str, retry_num: int | None = None, **sign: Any
    ) -> tuple[int, str]:
        body = json.dumps(event_callback(event, event_id))
        extra = (
            {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
            if retry_num
            else None
        )
        return await self.post(body, "application/json", extra=extra, **sign)

"""A fake Discord on 127.0.0.1: the gateway (websocket) and the REST API, for the real discord.py.

It behaves like Discord where our adapter could get it wrong, and records what a user would see:

- Gateway: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeat ACKs, RESUME → replay of missed
  events + RESUMED, INVALID_SESSION for unknown sessions, a forced disconnect. Sharding as on
  Discord: IDENTIFY's ``shard: [id, count]`` (default ``[0, 1]``) picks the guilds a connection
  gets, ``(guild_id >> 22) % count == id``, and DMs go to shard 0 only; an impossible shard closes
  with 4010. Every open connection of a shard gets its events (two unsharded replicas both get
  everything, as on Discord); with none open, the newest queues them for RESUME. Events are only
  delivered for the intents the client asked for; privileged intents not enabled for the app
  close the connection with 4014; without the message-content intent, message text is blanked
  unless it mentions the bot or is a DM — as on Discord.
- REST: interaction callbacks (3-second deadline, acknowledged once), follow-ups and edits through
  the interaction webhook, channel messages (limits validated with 400 like Discord; nonces
  enforced: a repeated nonce returns the first message), command sync per guild or global,
  users/@me, oauth2/applications/@me, gateway/bot, typing.
- Scripting: 429s with ``retry_after``, ``Via`` and ``X-RateLimit-*`` headers, an optional
  per-channel message bucket like Discord's 5 per 5 s, 403/404 channels, delayed requests, and
  responses dropped after the work was done (a lost reply).

Every JSON reply carries ``Content-Type: application/json`` exactly (discord.py checks it).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

API_PREFIX = "/api/v10"
TOKEN = "fake-bot-token"

INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

MANAGE_GUILD = 1 << 5
SEND_MESSAGES = 1 << 11
EVERYDAY = 0x0000_0000_0006_4C40  # view channel, send messages, embed links, read history, …

INTERACTION_DEADLINE = 3.0


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Guild:
    id: int
    channels: tuple[int, ...]
    threads: dict[int, int] = field(default_factory=dict)  # thread id → parent channel id
    name: str = "Newsroom"


@dataclass
class Posted:
    """A message as Discord stores it."""

    id: int
    channel_id: int
    author_id: int
    content: str
    embeds: list[dict[str, Any]]
    allowed_mentions: dict[str, Any] | None = None
    message_reference: dict[str, Any] | None = None
    nonce: str | None = None
    via: str = "channel"  # channel | followup | interaction
    interaction_id: int | None = None
    at: float = 0.0
    flags: int = 0


@dataclass
class Callback:
    interaction_id: int
    type: int
    data: dict[str, Any] | None
    at: float
    delay: float  # seconds since the interaction was dispatched
    status: int


@dataclass
class Interaction:
    id: int
    token: str
    channel_id: int
    guild_id: int | None
    dispatched_at: float
    acknowledged: bool = False
    deferred: bool = False
    ephemeral: bool = False  # the response (or deferral) is shown to the user alone
    original_id: int | None = None
    original_filled: bool = False
    original_deleted: bool = False


@dataclass
class Rule:
    """A scripted behaviour for requests matching ``method`` and ``pattern`` (a regex on the path)."""

    method: str
    pattern: str
    action: str  # "429" | "drop" | "delay" | "status"
    times: int = 1
    retry_after: float = 0.25
    is_global: bool = False
    seconds: float = 0.0
    status: int = 500

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and method == self.method and re.search(self.pattern, path) is not None


def shard_of(guild_id: int | None, shard_count: int) -> int:
    """The shard Discord sends a guild's events to; DMs (no guild) go to shard 0."""
    return 0 if guild_id is None else (guild_id >> 22) % shard_count


@dataclass
class Session:
    id: str
    intents: int
    shard: tuple[int, int] = (0, 1)  # (shard id, shard count) as identified
    seq: int = 0
    log: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None


@dataclass
class RequestRecord:
    method: str
    path: str
    status: int
    at: float
    body: Any = None


class FakeDiscord:
    def __init__(
        self,
        *,
        guilds: Iterable[Guild] = (),
        token: str = TOKEN,
        message_bucket: tuple[int, float] | None = None,
        privileged_intents: int = 0,
        heartbeat_interval_ms: int = 41_250,
    ) -> None:
        self.token = token
        self.guilds = {g.id: g for g in guilds}
        self.message_bucket = message_bucket
        self.privileged_intents = privileged_intents
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self._ids = itertools.count(1_200_000_000_000_000_000)
        self.app_id = self.new_id()
        self.bot_user = self.user(self.new_id(), "Briefbot", bot=True)
        self.owner_user = self.user(self.new_id(), "owner")
        self.hidden_channels: set[int] = set()  # 403 Missing Access
        self.deleted_channels: set[int] = set()  # 404 Unknown Channel
        self.rules: list[Rule] = []
        self.replay_overlap = 0  # on RESUME, also re-send this many events the client already had
        # What a user would see, and what the bot did.
        self.messages: list[Posted] = []
        self.withdrawn: list[int] = []  # interactions whose original response was deleted
        self.callbacks: list[Callback] = []
        self.requests: list[RequestRecord] = []
        self.rejected: list[RequestRecord] = []  # 400s: payloads Discord would refuse
        self.command_syncs: list[tuple[int | None, list[dict[str, Any]]]] = []
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.identifies = 0
        self.resumes = 0
        self.sessions: dict[str, Session] = {}
        self.session: Session | None = None  # the newest identified, whichever shard
        self.shards: dict[tuple[int, int], Session] = {}  # (id, count) → the newest session of it
        self.interactions: dict[int, Interaction] = {}
        self.dispatch_times: dict[int, float] = {}
        self._buckets: dict[int, tuple[float, int]] = {}
        self._nonces: dict[tuple[int, str], Posted] = {}
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.port = 0
        self._connected = asyncio.Event()
        self._closing: set[asyncio.Task[Any]] = set()

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await self._site.start()
        server = self._site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                await session.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def new_id(self) -> int:
        return next(self._ids)

    @staticmethod
    def user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
        return {
            "id": str(user_id),
            "username": name,
            "global_name": name,
            "discriminator": "0",
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
        }

    # --- scripting ----------------------------------------------------------------------------

    def rate_limit(
        self, method: str, pattern: str, *, times: int = 1, retry_after: float = 0.25, is_global: bool = False
    ) -> None:
        self.rules.append(Rule(method, pattern, "429", times, retry_after, is_global))

    def drop_response(self, method: str, pattern: str, *, times: int = 1) -> None:
        """Do the work, then cut the connection before answering (the reply is lost)."""
        self.rules.append(Rule(method, pattern, "drop", times))

    def delay(self, method: str, pattern: str, seconds: float, *, times: int = 1_000_000) -> None:
        self.rules.append(Rule(method, pattern, "delay", times, seconds=seconds))

    def fail(self, method: str, pattern: str, status: int, *, times: int = 1) -> None:
        """Answer with an error status (e.g. 400 for a payload Discord dislikes, 500)."""
        self.rules.append(Rule(method, pattern, "status", times, status=status))

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or predicate}")
            await asyncio.sleep(0.01)

    def channel_messages(self, channel_id: int) -> list[Posted]:
        return [m for m in self.messages if m.channel_id == channel_id and m.author_id == self.bot_id]

    @property
    def bot_id(self) -> int:
        return int(self.bot_user["id"])

    # --- gateway ------------------------------------------------------------------------------

    async def wait_connected(self, timeout: float = 30.0) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}))
        session: Session | None = None
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            op, data = payload.get("op"), payload.get("d")
            if op == 1:  # heartbeat
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:  # identify
                session = await self._identify(ws, data)
            elif op == 6:  # resume
                session = await self._resume(ws, data)
        if session is not None and session.ws is ws:
            session.ws = None
            self._connected.clear()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED & ~self.privileged_intents:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard = data.get("shard") or [0, 1]
        if not (
            isinstance(shard, list)
            and len(shard) == 2
            and all(type(n) is int for n in shard)
            and 0 <= shard[0] < shard[1]
        ):
            await ws.close(code=4010, message=b"Invalid shard.")
            return None
        self.identifies += 1
        session = Session(id=f"session-{self.new_id()}", intents=intents, shard=(shard[0], shard[1]), ws=ws)
        self.sessions[session.id] = session
        self.session = self.shards[session.shard] = session
        guilds = [g for g in self.guilds.values() if shard_of(g.id, shard[1]) == shard[0]]
        await self._send(
            session,
            "READY",
            {
                "v": 10,
                "user": self.bot_user,
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.id,
                "resume_gateway_url": self.gateway_url,
                "shard": shard,
                "application": {"id": str(self.app_id), "flags": 0},
            },
        )
        if intents & INTENT_GUILDS:
            for guild in guilds:
                await self._send(session, "GUILD_CREATE", self._guild_payload(guild))
        self._connected.set()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.token:
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return None
        self.resumes += 1
        session.ws = ws
        after = int(data.get("seq") or 0) - self.replay_overlap
        for seq, event, payload in list(session.log):
            if seq > after:
                await ws.send_str(json.dumps({"op": 0, "t": event, "s": seq, "d": payload}))
        await self._send(session, "RESUMED", {})
        self._connected.set()
        return session

    async def _send(self, session: Session, event: str, data: dict[str, Any]) -> int:
        session.seq += 1
        session.log.append((session.seq, event, data))
        if session.ws is not None and not session.ws.closed:
            await session.ws.send_str(json.dumps({"op": 0, "t": event, "s": session.seq, "d": data}))
        return session.seq

    def sessions_for(self, guild_id: int | None) -> list[Session]:
        """The connections Discord sends this guild's events (or DMs, with None) to: every open
        one of its shard; when none is open, the newest, to replay them on RESUME."""
        shards = [shard for shard in self.shards if shard_of(guild_id, shard[1]) == shard[0]]
        if not shards:
            raise AssertionError(
                f"no connection holds the shard of guild {guild_id} (shards: {list(self.shards)})"
            )
        live = [
            s for s in self.sessions.values() if s.shard in shards and s.ws is not None and not s.ws.closed
        ]
        return live or [self.shards[shard] for shard in shards]

    async def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Send an event to the shard its guild belongs to, or queue it for replay while that
        shard is disconnected. The sequence number of its (first) delivery."""
        guild_id = data.get("guild_id")
        seqs = [
            await self._send(s, event, data) for s in self.sessions_for(int(guild_id) if guild_id else None)
        ]
        return seqs[0]

    async def force_disconnect(self, code: int = 4000) -> None:
        """Close the bot's websocket as Discord does on a server-side hiccup (resumable)."""
        session = self.session
        assert session is not None
        assert session.ws is not None
        ws, session.ws = session.ws, None
        self._connected.clear()
        task = asyncio.create_task(ws.close(code=code, message=b"Unknown error"))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _guild_payload(self, guild: Guild) -> dict[str, Any]:
        channels = [
            {
                "id": str(cid),
                "type": 0,
                "name": f"news-{n}",
                "position": n,
                "permission_overwrites": [],
                "guild_id": str(guild.id),
                "parent_id": None,
                "nsfw": False,
                "topic": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
            }
            for n, cid in enumerate(guild.channels)
        ]
        threads = [
            {
                "id": str(tid),
                "type": 11,
                "name": "brief thread",
                "guild_id": str(guild.id),
                "parent_id": str(parent),
                "owner_id": str(self.owner_user["id"]),
                "member_count": 2,
                "message_count": 1,
                "rate_limit_per_user": 0,
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": now_iso(),
                    "locked": False,
                },
            }
            for tid, parent in guild.threads.items()
        ]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "owner_id": str(self.owner_user["id"]),
            "roles": [
                {
                    "id": str(guild.id),
                    "name": "@everyone",
                    "permissions": str(EVERYDAY),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "channels": channels,
            "threads": threads,
            "members": [],
            "member_count": 3,
            "unavailable": False,
            "large": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "premium_tier": 0,
            "verification_level": 0,
            "explicit_content_filter": 0,
            "default_message_notifications": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "system_channel_flags": 0,
            "preferred_locale": "en-US",
            "joined_at": now_iso(),
        }

    # --- events a user causes -----------------------------------------------------------------

    def member(self, user: dict[str, Any], permissions: int) -> dict[str, Any]:
        return {
            "user": user,
            "roles": [],
            "joined_at": now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": str(permissions),
        }

    def _command(self, guild_id: int | None, name: str) -> dict[str, Any]:
        for scope in (guild_id, None):
            for command in self.commands.get(scope, []):
                if command["name"] == name:
                    return command
        raise AssertionError(f"command /{name} was never synced (scopes: {list(self.commands)})")

    def _options(
        self, command: dict[str, Any], sub: str, values: dict[str, Any], focused: str | None
    ) -> dict[str, Any]:
        subs = {o["name"]: o for o in command.get("options", []) if o["type"] == 1}
        if sub not in subs:
            raise AssertionError(f"/{command['name']} has no subcommand {sub!r} (has {sorted(subs)})")
        declared = {o["name"]: o for o in subs[sub].get("options", [])}
        options = []
        for key, value in values.items():
            if key not in declared:
                raise AssertionError(f"/{command['name']} {sub} has no option {key!r}")
            option: dict[str, Any] = {"name": key, "type": declared[key]["type"], "value": value}
            if key == focused:
                option["focused"] = True
            options.append(option)
        missing = [k for k, o in declared.items() if o.get("required") and k not in values]
        if missing and focused is None:
            raise AssertionError(f"Discord would not send /{command['name']} {sub} without {missing}")
        return {"name": sub, "type": 1, "options": options}

    async def slash(
        self,
        sub: str,
        *,
        guild_id: int | None,
        channel_id: int,
        user_id: int | None = None,
        permissions: int = EVERYDAY,
        command: str = "brief",
        focused: str | None = None,
        **values: Any,
    ) -> int:
        """A person uses ``/command sub option:value…`` (or types into ``focused``: autocomplete)."""
        synced = self._command(guild_id, command)
        interaction_id = self.new_id()
        token = f"itoken-{interaction_id}"
        user = self.user(user_id or self.new_id(), "reader")
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.app_id),
            "type": 4 if focused else 2,
            "token": token,
            "version": 1,
            "channel_id": str(channel_id),
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 26_214_400,
            "app_permissions": str(EVERYDAY),
            "data": {
                "id": synced["id"],
                "name": command,
                "type": 1,
                "options": [self._options(synced, sub, values, focused)],
            },
        }
        if guild_id is not None:
            parent = self.guilds[guild_id].threads.get(channel_id)
            channel: dict[str, Any] = {
                "id": str(channel_id),
                "type": 11 if parent else 0,
                "guild_id": str(guild_id),
                "name": "news",
                "permissions": str(permissions),
            }
            if parent:
                channel["parent_id"] = str(parent)
                channel["thread_metadata"] = {
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": now_iso(),
                    "locked": False,
                }
            payload.update(
                guild_id=str(guild_id),
                guild_locale="en-US",
                member=self.member(user, permissions),
                channel=channel,
                context=0,
                authorizing_integration_owners={"0": str(guild_id)},
            )
            payload["data"]["guild_id"] = str(guild_id)
        else:
            payload.update(
                user=user,
                channel={"id": str(channel_id), "type": 1, "recipients": [user]},
                context=1,
                authorizing_integration_owners={"1": user["id"]},
            )
        loop_time = asyncio.get_running_loop().time()
        self.interactions[interaction_id] = Interaction(
            interaction_id, token, channel_id, guild_id, dispatched_at=loop_time
        )
        self.dispatch_times[interaction_id] = loop_time
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction_id

    async def say(
        self,
        content: str,
        *,
        channel_id: int,
        guild_id: int | None,
        mentions_bot: bool = False,
        reply_to: int | None = None,
        author: dict[str, Any] | None = None,
        mention_everyone: bool = False,
    ) -> int:
        """A person posts a message; delivered only as Discord would to this bot's intents."""
        author = author or self.user(self.new_id(), "reader")
        message_id = self.new_id()
        self.messages.append(
            Posted(message_id, channel_id, int(author["id"]), content, [], at=time.monotonic())
        )
        wanted = INTENT_GUILD_MESSAGES if guild_id is not None else INTENT_DIRECT_MESSAGES
        for session in self.sessions_for(guild_id):
            if not session.intents & wanted:
                continue
            visible = mentions_bot or guild_id is None or bool(session.intents & INTENT_MESSAGE_CONTENT)
            data: dict[str, Any] = {
                "id": str(message_id),
                "channel_id": str(channel_id),
                "author": author,
                "content": content if visible else "",
                "timestamp": now_iso(),
                "edited_timestamp": None,
                "tts": False,
                "mention_everyone": mention_everyone,
                "mentions": [self.bot_user] if mentions_bot else [],
                "mention_roles": [],
                "attachments": [],
                "embeds": [],
                "pinned": False,
                "type": 19 if reply_to else 0,
                "flags": 0,
            }
            if guild_id is not None:
                data["guild_id"] = str(guild_id)
                data["member"] = {
                    "roles": [],
                    "joined_at": now_iso(),
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                }
            if reply_to is not None:
                data["message_reference"] = {
                    "type": 0,
                    "message_id": str(reply_to),
                    "channel_id": str(channel_id),
                    **({"guild_id": str(guild_id)} if guild_id else {}),
                }
            await self._send(session, "MESSAGE_CREATE", data)
        return message_id

    # --- REST ---------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json":
                body = json.loads(raw)
            elif request.content_type.startswith("multipart/"):
                return self._record(method, path, body, self._error(400, 50035, "multipart not faked"))
        for rule in self.rules:
            if rule.matches(method, path) and rule.action == "delay":
                rule.times -= 1
                await asyncio.sleep(rule.seconds)
        if not path.startswith(("/interactions/", "/webhooks/")):
            auth = request.headers.get("Authorization")
            if auth != f"Bot {self.token}":
                return self._record(method, path, body, self._error(401, 0, "401: Unauthorized"))
        for rule in self.rules:
            if rule.matches(method, path) and rule.action in ("429", "status"):
                rule.times -= 1
                if rule.action == "status":
                    return self._record(method, path, body, self._error(rule.status, 0, "Scripted failure"))
                return self._record(method, path, body, self._too_many(rule.retry_after, rule.is_global))
        response = await self._route(method, path, body, request)
        for rule in self.rules:
            if rule.matches(method, path) and rule.action == "drop":
                rule.times -= 1
                self._record(method, path, body, response)
                assert request.transport is not None
                request.transport.abort()
                raise ConnectionResetError("fake Discord dropped the reply")
        return self._record(method, path, body, response)

    def _record(self, method: str, path: str, body: Any, response: web.Response) -> web.Response:
        record = RequestRecord(method, path, response.status, time.monotonic(), body)
        self.requests.append(record)
        if response.status == 400:
            self.rejected.append(record)
        return response

    @staticmethod
    def _error(status: int, code: int, message: str, errors: Any = None) -> web.Response:
        data: dict[str, Any] = {"message": message, "code": code}
        if errors:
            data["errors"] = errors
        return json_response(data, status)

    @staticmethod
    def _too_many(retry_after: float, is_global: bool, bucket: str = "fake-bucket") -> web.Response:
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        data = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
        return json_response(data, 429, headers)

    async def _route(self, method: str, path: str, body: Any, request: web.Request) -> web.Response:
        parts = path.strip("/").split("/")
        match method, parts:
            case "GET", ["users", "@me"]:
                return json_response(self.bot_user)
            case "GET", ["oauth2", "applications", "@me"]:
                return json_response(self._app_info())
            case "GET", ["gateway", "bot"]:
                limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
                return json_response({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})
            case "GET", ["gateway"]:
                return json_response({"url": self.gateway_url})
            case "PUT", ["applications", app, "guilds", guild, "commands"] if app == str(self.app_id):
                return self._sync(int(guild), body)
            case "PUT", ["applications", app, "commands"] if app == str(self.app_id):
                return self._sync(None, body)
            case "POST", ["interactions", iid, token, "callback"]:
                return self._callback(int(iid), token, body, request)
            case "POST", ["webhooks", app, token] if app == str(self.app_id):
                return self._followup(token, body)
            case "PATCH", ["webhooks", app, token, "messages", "@original"] if app == str(self.app_id):
                return self._edit_original(token, body)
            case "DELETE", ["webhooks", app, token, "messages", "@original"] if app == str(self.app_id):
                return self._delete_original(token)
            case "POST", ["channels", cid, "messages"]:
                return self._create_message(int(cid), body)
            case "POST", ["channels", cid, "typing"]:
                if (denied := self._channel_denied(int(cid))) is not None:
                    return denied
                return web.Response(status=204)
        return self._error(404, 0, f"404: Not Found ({method} {path})")

    def _app_info(self) -> dict[str, Any]:
        return {
            "id": str(self.app_id),
            "name": "Briefbot",
            "icon": None,
            "description": "",
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": self.owner_user,
            "verify_key": "0" * 64,
            "flags": 0,
            "bot": self.bot_user,
            "interactions_endpoint_url": None,
        }

    # commands

    _NAME = re.compile(r"^[-_a-z0-9]{1,32}$")

    def _sync(self, guild_id: int | None, body: Any) -> web.Response:
        if guild_id is not None and guild_id not in self.guilds:
            return self._error(403, 50001, "Missing Access")
        problems = self._command_problems(body)
        if problems:
            return self._error(400, 50035, "Invalid Form Body", problems)
        stored = []
        for command in body:
            stored.append(
                {
                    **command,
                    "id": str(self.new_id()),
                    "application_id": str(self.app_id),
                    "version": str(self.new_id()),
                    **({"guild_id": str(guild_id)} if guild_id else {}),
                    "default_member_permissions": command.get("default_member_permissions"),
                    "nsfw": command.get("nsfw", False),
                }
            )
        self.commands[guild_id] = stored
        self.command_syncs.append((guild_id, stored))
        return json_response(stored)

    def _command_problems(self, body: Any) -> list[str]:
        problems: list[str] = []
        if not isinstance(body, list) or len(body) > 100:
            return ["expected a list of at most 100 commands"]

        def check(node: dict[str, Any], where: str, depth: int) -> None:
            if not self._NAME.match(str(node.get("name", ""))):
                problems.append(f"{where}: bad name {node.get('name')!r}")
            if node.get("type", 1) in (1, None) or depth > 0:
                description = node.get("description", "")
                if not 1 <= len(description) <= 100:
                    problems.append(f"{where}: description must be 1-100 characters")
            options = node.get("options") or []
            if len(options) > 25:
                problems.append(f"{where}: more than 25 options")
            seen_optional = False
            for option in options:
                name = f"{where}.{option.get('name')}"
                if option.get("type") in (1, 2):
                    check(option, name, depth + 1)
                    continue
                if option.get("required") and seen_optional:
                    problems.append(f"{name}: required options must come first")
                seen_optional = seen_optional or not option.get("required")
                check(option, name, depth + 1)
                if len(option.get("choices") or []) > 25:
                    problems.append(f"{name}: more than 25 choices")
                if option.get("choices") and option.get("autocomplete"):
                    problems.append(f"{name}: choices and autocomplete are exclusive")

        for command in body:
            check(command, command.get("name", "?"), 0)
        return problems

    # interactions

    def _callback(self, interaction_id: int, token: str, body: Any, request: web.Request) -> web.Response:
        loop_time = asyncio.get_running_loop().time()
        interaction = self.interactions.get(interaction_id)
        status = 200
        if interaction is None or interaction.token != token:
            status = 404
        elif loop_time - interaction.dispatched_at > INTERACTION_DEADLINE:
            status = 404  # Discord forgets an interaction not answered within 3 seconds
        elif interaction.acknowledged:
            status = 400
        delay = loop_time - (interaction.dispatched_at if interaction else loop_time)
        kind = int(body.get("type", 0)) if isinstance(body, dict) else 0
        data = body.get("data") if isinstance(body, dict) else None
        self.callbacks.append(Callback(interaction_id, kind, data, loop_time, delay, status))
        if status == 404:
            return self._error(404, 10062, "Unknown interaction")
        if status == 400:
            return self._error(400, 40060, "Interaction has already been acknowledged.")
        assert interaction is not None
        if kind == 4 and (invalid := self.message_problems(data or {})):
            return self._error(400, 50035, "Invalid Form Body", invalid)
        interaction.acknowledged = True
        result: dict[str, Any] = {
            "interaction": {"id": str(interaction_id), "type": 2},
            "resource": {"type": kind},
        }
        if kind in (4, 5):
            ephemeral = bool((data or {}).get("flags", 0) & 64)
            interaction.original_id = self.new_id()
            interaction.deferred = kind == 5
            interaction.ephemeral = ephemeral
            result["interaction"].update(
                response_message_id=str(interaction.original_id),
                response_message_loading=kind == 5,
                response_message_ephemeral=ephemeral,
            )
            if kind == 4:
                interaction.original_filled = True
                self._store(
                    interaction.channel_id, data or {}, "interaction", interaction, interaction.original_id
                )
        if request.query.get("with_response") in ("1", "true", "True"):
            return json_response(result)
        return web.Response(status=204)

    def _interaction_by_token(self, token: str) -> Interaction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)

    def _followup(self, token: str, body: Any) -> web.Response:
        interaction = self._interaction_by_token(token)
        if interaction is None or not interaction.acknowledged:
            return self._error(404, 10015, "Unknown Webhook")
        if problems := self.message_problems(body or {}):
            return self._error(400, 50035, "Invalid Form Body", problems)
        message_id = None
        body = dict(body or {})
        if interaction.deferred and not interaction.original_filled:
            # The first follow-up after a deferral replaces the "is thinking…" message, and is
            # seen by whom the deferral was: its own ephemeral flag does not change that.
            interaction.original_filled = True
            message_id = interaction.original_id
            body["flags"] = (int(body.get("flags") or 0) & ~64) | (64 if interaction.ephemeral else 0)
        posted = self._store(interaction.channel_id, body, "followup", interaction, message_id)
        return json_response(self._message_json(posted))

    def _delete_original(self, token: str) -> web.Response:
        interaction = self._interaction_by_token(token)
        if interaction is None or interaction.original_id is None or interaction.original_deleted:
            return self._error(404, 10008, "Unknown Message")
        interaction.original_deleted = True
        self.withdrawn.append(interaction.id)
        interaction.original_filled = True  # later follow-ups are messages of their own
        self.messages = [m for m in self.messages if m.id != interaction.original_id]
        return web.Response(status=204)

    def _edit_original(self, token: str, body: Any) -> web.Response:
        interaction = self._interaction_by_token(token)
        if interaction is None or interaction.original_id is None:
            return self._error(404, 10008, "Unknown Message")
        if problems := self.message_problems(body or {}):
            return self._error(400, 50035, "Invalid Form Body", problems)
        interaction.original_filled = True
        for posted in self.messages:
            if posted.id == interaction.original_id:
                posted.content = body.get("content", posted.content) or ""
                posted.embeds = body.get("embeds", posted.embeds) or []
                return json_response(self._message_json(posted))
        posted = self._store(
            interaction.channel_id, body or {}, "followup", interaction, interaction.original_id
        )
        return json_response(self._message_json(posted))

    # channel messages

    def _channel_denied(self, channel_id: int) -> web.Response | None:
        if channel_id in self.deleted_channels:
            return self._error(404, 10003, "Unknown Channel")
        if channel_id in self.hidden_channels:
            return self._error(403, 50001, "Missing Access")
        return None

    def _create_message(self, channel_id: int, body: Any) -> web.Response:
        if (denied := self._channel_denied(channel_id)) is not None:
            return denied
        known = {c for g in self.guilds.values() for c in (*g.channels, *g.threads)}
        if known and channel_id not in known and channel_id not in {m.channel_id for m in self.messages}:
            return self._error(404, 10003, "Unknown Channel")
        body = body or {}
        if problems := self.message_problems(body):
            return self._error(400, 50035, "Invalid Form Body", problems)
        reference = body.get("message_reference")
        if reference and reference.get("fail_if_not_exists", True):
            target = int(reference.get("message_id", 0))
            if not any(m.id == target and m.channel_id == channel_id for m in self.messages):
                return self._error(400, 50035, "Invalid Form Body", {"message_reference": "Unknown message"})
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            earlier = self._nonces.get((channel_id, str(nonce)))
            if earlier is not None:
                return json_response(self._message_json(earlier))
        headers: dict[str, str] = {}
        if self.message_bucket is not None:
            limited, headers = self._take_from_bucket(channel_id)
            if limited is not None:
                return limited
        posted = self._store(channel_id, body, "channel", None, None)
        if nonce is not None:
            self._nonces[(channel_id, str(nonce))] = posted
        return json_response(self._message_json(posted), headers=headers)

    def _take_from_bucket(self, channel_id: int) -> tuple[web.Response | None, dict[str, str]]:
        assert self.message_bucket is not None
        limit, period = self.message_bucket
        now = time.monotonic()
        start, used = self._buckets.get(channel_id, (now, 0))
        if now - start >= period:
            start, used = now, 0
        reset_after = max(period - (now - start), 0.001)
        if used >= limit:
            return self._too_many(reset_after, False, f"messages-{channel_id}"), {}
        used += 1
        self._buckets[channel_id] = (start, used)
        return None, {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(limit - used),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": f"messages-{channel_id}",
        }

    def _store(
        self,
        channel_id: int,
        body: dict[str, Any],
        via: str,
        interaction: Interaction | None,
        message_id: int | None,
    ) -> Posted:
        posted = Posted(
            id=message_id or self.new_id(),
            channel_id=channel_id,
            author_id=self.bot_id,
            content=body.get("content") or "",
            embeds=list(body.get("embeds") or []),
            allowed_mentions=body.get("allowed_mentions"),
            message_reference=body.get("message_reference"),
            nonce=None if body.get("nonce") is None else str(body.get("nonce")),
            via=via,
            interaction_id=interaction.id if interaction else None,
            at=time.monotonic(),
            flags=int(body.get("flags") or 0),
        )
        self.messages.append(posted)
        return posted

    def _message_json(self, posted: Posted) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(posted.id),
            "channel_id": str(posted.channel_id),
            "author": self.bot_user,
            "content": posted.content,
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": posted.embeds,
            "pinned": False,
            "type": 19 if posted.message_reference else 0,
            "flags": posted.flags,
            "components": [],
        }
        if posted.nonce is not None:
            data["nonce"] = posted.nonce
        if posted.message_reference:
            data["message_reference"] = {"type": 0, **posted.message_reference}
        if posted.interaction_id is not None:
            data["webhook_id"] = str(self.app_id)
        return data

    # --- Discord's message limits -------------------------------------------------------------

    @staticmethod
    def message_problems(body: dict[str, Any]) -> dict[str, str]:
        problems: dict[str, str] = {}
        content = body.get("content") or ""
        embeds = body.get("embeds") or []
        if not isinstance(content, str) or utf16_len(content) > 2000:
            problems["content"] = "Must be 2000 or fewer in length."
        if len(embeds) > 10:
            problems["embeds"] = "Must be 10 or fewer in length."
        if not content and not embeds:
            problems["message"] = "Cannot send an empty message"
        total = 0
        for n, embed in enumerate(embeds):
            where = f"embeds.{n}"
            for key, limit in (("title", 256), ("description", 4096)):
                value = embed.get(key)
                if value is not None and utf16_len(str(value)) > limit:
                    problems[f"{where}.{key}"] = f"Must be {limit} or fewer in length."
                total += utf16_len(str(value or ""))
            url = embed.get("url")
            if url is not None and not re.match(r"^https?://\S+$", str(url)):
                problems[f"{where}.url"] = "Not a well formed URL."
            fields = embed.get("fields") or []
            if len(fields) > 25:
                problems[f"{where}.fields"] = "Must be 25 or fewer in length."
            for k, item in enumerate(fields):
                name, value = str(item.get("name") or ""), str(item.get("value") or "")
                if not name or utf16_len(name) > 256:
                    problems[f"{where}.fields.{k}.name"] = "Must be between 1 and 256 in length."
                if not value or utf16_len(value) > 1024:
                    problems[f"{where}.fields.{k}.value"] = "Must be between 1 and 1024 in length."
                total += utf16_len(name) + utf16_len(value)
            footer = (embed.get("footer") or {}).get("text") or ""
            if utf16_len(footer) > 2048:
                problems[f"{where}.footer.text"] = "Must be 2048 or fewer in length."
            author = (embed.get("author") or {}).get("name") or ""
            if utf16_len(author) > 256:
                problems[f"{where}.author.name"] = "Must be 256 or fewer in length."
            total += utf16_len(footer) + utf16_len(author)
        if total > 6000:
            problems["embeds"] = "Embed size exceeds maximum size of 6000"
        nonce = body.get("nonce")
        if nonce is not None and len(str(nonce)) > 25:
            problems["nonce"] = "Must be 25 or fewer in length."
        return problems

"""Briefbot in Discord: ``/brief`` slash commands, mentions and posts, over the ``ChatService``.

A thin translation layer. Slash-command options become typed commands through the constructors
of ``bot.commands`` (the same ones a typed line in Slack goes through, so both mean the same),
interactions are deferred before any work starts, replies are rendered by ``bot.render.discord``,
shown to the channel or only to the asker as the reply policy says (``bot.replies.is_public``),
and sent with mentions disabled. ``DiscordPoster`` is what the scheduler uses for digests and
briefs nobody asked for.

The client runs inside the caller's event loop (``start``/``stop``; ``Client.login`` and
``Client.connect`` rather than ``Client.run``), next to the scheduler and the Slack adapter.
It asks only for non-privileged intents: mentions and DMs carry their text without the
message-content intent.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
import re
import zoneinfo
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot import commands
from bot.commands import ChatService, Command
from bot.credentials import DISCORD_TOKEN
from bot.render.discord import DiscordMessage, Embed, render
from bot.render.escape import tidy
from bot.replies import (
    APOLOGY,
    ChannelGone,
    ChannelRef,
    ListReply,
    Platform,
    Reply,
    Request,
    Requester,
    followup_article,
    is_public,
)
from bot.settings import DiscordSettings
from bot.store.channels import MODES
from summarizer.clean import clean_text
from summarizer.errors import ConfigError

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
# Replying to a person may notify that person, and nobody else.
REPLY_MENTIONS = discord.AllowedMentions(everyone=False, users=False, roles=False, replied_user=True)
AUTOCOMPLETE_TIMEOUT = 2.0  # Discord drops autocomplete answers after 3 s
SEEN_MESSAGES = 2048  # mentions remembered, so one delivered twice is answered once
POST_ATTEMPTS = 3  # a post whose connection broke is sent again (same nonce) this often at most
DAY_SUGGESTIONS = ("daily", "mon-fri", "sat-sun", "mon,wed,fri")


def intents() -> discord.Intents:
    """Only what Briefbot uses: guild/channel metadata, messages in guilds and DMs (not their
    text: mentions and DMs include it anyway, and message content is a privileged intent)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    return wanted


def point_discord_at(api_url: str, gateway_url: str) -> tuple[str, yarl.URL]:
    """Send discord.py's REST calls to ``api_url`` and its first gateway connection to
    ``gateway_url`` (empty: Discord's). Returns the previous values, to restore them.

    Both are class attributes discord.py reads on every request/connection (``Route.BASE``,
    ``DiscordWebSocket.DEFAULT_GATEWAY``); after READY discord.py follows the
    ``resume_gateway_url`` the gateway itself announces. They are process-wide, which matches
    one Discord bot per process.
    """
    previous = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    Route.BASE = api_url.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    return previous


# --- suggestions while typing ------------------------------------------------------------------


@functools.cache
def _timezones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def timezone_choices(current: str, limit: int = 25) -> list[str]:
    """IANA names containing what was typed, those starting with it first."""
    typed = current.strip().lower().replace(" ", "_")
    names = _timezones()
    starts = [n for n in names if n.lower().startswith(typed) or n.lower().split("/")[-1].startswith(typed)]
    inside = [n for n in names if typed in n.lower() and n not in starts]
    return (starts + inside)[:limit]


def subscription_choices(reply: Reply, current: str, limit: int = 25) -> list[app_commands.Choice[str]]:
    if not isinstance(reply, ListReply):
        return []
    typed = current.strip().lower()
    choices = []
    for item in reply.items:
        label = tidy(f"{item.id} — {item.text}")
        if typed in label.lower() and 0 < len(item.id) <= 100:
            choices.append(app_commands.Choice(name=label[:100], value=item.id))
    return choices[:limit]


# --- where and who ----------------------------------------------------------------------------


def where(channel: object, channel_id: int | None, guild_id: int | None) -> tuple[ChannelRef, str | None]:
    """The channel a conversation belongs to, and the thread inside it, if any.

    A thread started from a posted brief has the id of that brief's message, so its id is the
    ``thread_id`` the service looks up. Subscriptions and digests belong to the parent channel.
    """
    workspace = str(guild_id) if guild_id else ""
    if isinstance(channel, discord.Thread) and channel.parent_id:
        return ChannelRef("discord", str(channel.parent_id), workspace), str(channel.id)
    return ChannelRef("discord", str(channel_id or getattr(channel, "id", None) or ""), workspace), None


def is_admin(permissions: discord.Permissions | None, in_guild: bool) -> bool:
    """Discord's "Manage Server" (or Administrator) permission, as the interaction reports it."""
    return in_guild and permissions is not None and (permissions.administrator or permissions.manage_guild)


def _nonce(*parts: object) -> str:
    """A stable nonce: Discord creates one message per nonce (enforce_nonce), so resending after
    a lost reply or a redelivered event cannot post twice."""
    return hashlib.sha256("\x00".join(map(str, parts)).encode()).hexdigest()[:25]


def _payload(message: DiscordMessage) -> dict[str, Any]:
    return {"content": message.content, "embeds": [e.to_dict() for e in message.embeds]}


def _embeds(embeds: tuple[Embed, ...]) -> list[discord.Embed]:
    return [discord.Embed.from_dict(e.to_dict()) for e in embeds]


class InFlight:
    """The tasks doing Discord work right now (commands, answers, posts), so that stopping can
    let them finish before the connection closes."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is None:
            yield
            return
        self._tasks.add(task)
        try:
            yield
        finally:
            self._tasks.discard(task)

    async def settle(self, grace: float) -> None:
        """Until the work tracked now is done, or ``grace`` seconds."""
        me = asyncio.current_task()
        tasks = {t for t in self._tasks if t is not me and not t.done()}
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        if pending:
            log.warning("discord stopping with work in progress tasks=%d", len(pending))


# --- the client --------------------------------------------------------------------------------


class BriefTree(app_commands.CommandTree["BriefbotClient"]):
    async def on_error(
        self, interaction: discord.Interaction[BriefbotClient], error: app_commands.AppCommandError
    ) -> None:
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("discord command failed command=%s error=%r", command, error, exc_info=error)
        text = APOLOGY
        if isinstance(error, app_commands.CommandNotFound):
            text = "That command is out of date. Discord will show the current ones shortly."
        with contextlib.suppress(discord.HTTPException):
            if interaction.response.is_done():
                await interaction.followup.send(text, allowed_mentions=NO_MENTIONS)
            elif interaction.type is discord.InteractionType.application_command:
                await interaction.response.send_message(text, allowed_mentions=NO_MENTIONS)


class BriefbotClient(discord.Client):
    """One gateway connection, unsharded: all guilds and DMs (one process, as before sharding)."""

    def __init__(self, adapter: DiscordAdapter, *, guild_ready_timeout: float = 2.0, **shards: Any) -> None:
        # Briefbot never joins voice: don't warn operators about missing voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            intents=intents(),
            allowed_mentions=NO_MENTIONS,
            max_messages=None,  # no message cache: nothing here reads old messages
            chunk_guilds_at_startup=False,
            guild_ready_timeout=guild_ready_timeout,
            **shards,
        )
        self.adapter = adapter
        self.tree = BriefTree(self)
        self.tree.add_command(BriefCommands(adapter))

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)

    async def on_ready(self) -> None:
        sharding = self.adapter.settings.sharding
        log.info("discord ready user=%s guilds=%d sharding=%r", self.user, len(self.guilds), sharding)

    async def on_resumed(self) -> None:
        log.info("discord session resumed")


class ShardedBriefbotClient(BriefbotClient, discord.AutoShardedClient):
    """The shards ``[discord] shard_ids`` names, of ``shard_count``, one connection each: Discord
    sends each only its own guilds' events (DMs to shard 0), so replicas holding different
    shards split the work and together answer everything once."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(adapter, **options)
        self._launched: set[int] = set()

    async def launch_shard(self, gateway: yarl.URL, shard_id: int, *, initial: bool = False) -> None:
        # discord.py retries a shard's first connection every 5 s, forever: a gateway that cannot
        # be reached at start-up ends the connection instead, as it does unsharded (later drops
        # are still reconnected by discord.py).
        if shard_id in self._launched:
            raise ConnectionError(f"shard {shard_id} cannot connect to the gateway at {gateway}")
        self._launched.add(shard_id)
        await super().launch_shard(gateway, shard_id, initial=initial)


def make_client(
    adapter: DiscordAdapter, settings: DiscordSettings, guild_ready_timeout: float
) -> BriefbotClient:
    if settings.shard_count is None:
        return BriefbotClient(adapter, guild_ready_timeout=guild_ready_timeout)
    return ShardedBriefbotClient(
        adapter,
        guild_ready_timeout=guild_ready_timeout,
        shard_count=settings.shard_count,
        shard_ids=list(settings.shards),
    )


Interaction = discord.Interaction[BriefbotClient]


def _summary(verb: str) -> str:
    return commands.VERBS[verb].summary


class BriefCommands(app_commands.Group):
    """``/brief …``: each subcommand builds its typed command from its options. Names and
    descriptions come from ``bot.commands.VERBS``, like the help on every platform.

    Discord cannot hide single subcommands (``default_permissions`` applies to a whole
    top-level command), so admin subcommands are visible to all and checked at run time by the
    service, with ``Requester.is_admin`` from the member's permissions."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        super().__init__(name="brief", description="News briefs, digests and answers from what Briefbot read")
        self.adapter = adapter

    @app_commands.command(name="url", description=_summary("brief"))
    @app_commands.describe(**commands.slash_descriptions("brief"))
    async def cmd_url(self, interaction: Interaction, url: app_commands.Range[str, 1, 2000]) -> None:
        await self.adapter.run_command(interaction, commands.brief(tidy(url)))

    @app_commands.command(name="ask", description=_summary("ask"))
    @app_commands.describe(**commands.slash_descriptions("ask"))
    async def cmd_ask(self, interaction: Interaction, question: app_commands.Range[str, 1, 1000]) -> None:
        await self.adapter.run_command(interaction, commands.ask(tidy(question)))

    @app_commands.command(name="digest", description=_summary("digest"))
    async def cmd_digest(self, interaction: Interaction) -> None:
        await self.adapter.run_command(interaction, commands.Digest())

    @app_commands.command(name="subscribe", description=_summary("subscribe"))
    @app_commands.describe(**commands.slash_descriptions("subscribe"))
    async def cmd_subscribe(
        self,
        interaction: Interaction,
        url: app_commands.Range[str, 1, 2000],
        keywords: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        # What is typed into the box is words, never options: quotes and "--" stay text.
        command = commands.subscribe(tidy(url), tidy(keywords or "").split())
        await self.adapter.run_command(interaction, command)

    @app_commands.command(name="unsubscribe", description=_summary("unsubscribe"))
    @app_commands.describe(**commands.slash_descriptions("unsubscribe"))
    async def cmd_unsubscribe(self, interaction: Interaction, subscription: str) -> None:
        await self.adapter.run_command(interaction, commands.unsubscribe(tidy(subscription)))

    @cmd_unsubscribe.autocomplete("subscription")
    async def _subscriptions(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.adapter.subscription_choices(interaction, current)

    @app_commands.command(name="feeds", description=_summary("feeds"))
    async def cmd_feeds(self, interaction: Interaction) -> None:
        await self.adapter.run_command(interaction, commands.Feeds())

    @app_commands.command(name="schedule", description=_summary("schedule"))
    @app_commands.describe(**commands.slash_descriptions("schedule"))
    async def cmd_schedule(
        self,
        interaction: Interaction,
        time: app_commands.Range[str, 1, 10],
        timezone: app_commands.Range[str, 1, 64] | None = None,
        days: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        command = commands.schedule(tidy(time), tidy(timezone or ""), tidy(days or ""))
        await self.adapter.run_command(interaction, command)

    @cmd_schedule.autocomplete("timezone")
    async def _timezone_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=n, value=n) for n in timezone_choices(current)]

    @cmd_schedule.autocomplete("days")
    async def _days(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=d, value=d) for d in DAY_SUGGESTIONS if current.lower() in d]

    @app_commands.command(name="mode", description=_summary("mode"))
    @app_commands.describe(**commands.slash_descriptions("mode"))
    @app_commands.choices(mode=[app_commands.Choice(name=m, value=m) for m in MODES])
    async def cmd_mode(self, interaction: Interaction, mode: str) -> None:
        await self.adapter.run_command(interaction, commands.mode(tidy(mode)))

    @app_commands.command(name="help", description=_summary("help"))
    async def cmd_help(self, interaction: Interaction) -> None:
        await self.adapter.run_command(interaction, commands.Help())


# --- the adapter --------------------------------------------------------------------------------


class DiscordAdapter:
    """Connects a ``ChatService`` to Discord. Build it in ``bot/app.py``; ``start`` in the loop."""

    def __init__(
        self,
        service: ChatService,
        token: str,
        settings: DiscordSettings,
        *,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        if not token.strip():
            raise ConfigError(f"{DISCORD_TOKEN} is empty")
        self.service = service
        self.settings = settings
        self._token = token
        self.client = make_client(self, settings, guild_ready_timeout)
        self._in_flight = InFlight()
        self.poster = DiscordPoster(self.client, in_flight=self._in_flight)
        self._task: asyncio.Task[None] | None = None
        self._previous: tuple[str, yarl.URL] | None = None
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._stopping = False
        self._failure: str | None = None  # why the gateway connection ended, when it ended by itself

    # lifecycle

    async def start(self) -> None:
        """Log in (a rejected token fails here), sync commands, then connect in the background.

        With ``gateway_url`` empty, the gateway is the one ``GET /gateway/bot`` at ``api_url``
        announces (Discord's own, or whatever stands in for Discord there).
        """
        self._previous = point_discord_at(self.settings.api_url, self.settings.gateway_url)
        try:
            await self.client.login(self._token)
        except discord.LoginFailure:
            await self.stop()
            raise ConfigError(f"Discord rejected the bot token in {DISCORD_TOKEN}") from None
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            await self.stop()
            raise ConfigError(f"cannot reach Discord at {self.settings.api_url}: {exc}") from None
        if not self.settings.gateway_url:
            await self._discover_gateway()
        await self.sync_commands()
        self._task = asyncio.create_task(self._connect(), name="discord-gateway")

    async def _discover_gateway(self) -> None:
        try:
            _, url, _ = await self.client.http.get_bot_gateway()
        except (discord.GatewayNotFound, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            log.warning("discord gateway lookup failed, using the default error=%r", exc)
            return
        if url:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

    @property
    def gateway(self) -> str:
        return str(DiscordWebSocket.DEFAULT_GATEWAY)

    async def _connect(self) -> None:
        gateway = self.gateway
        try:
            await self.client.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired:
            self._failure = "Discord refused the gateway connection: a privileged intent is not enabled"
        except discord.ConnectionClosed as exc:
            reason = " (the token was refused)" if exc.code == 4004 else ""
            self._failure = f"the Discord gateway at {gateway} closed the connection, code {exc.code}{reason}"
        except discord.GatewayNotFound:
            self._failure = f"no Discord gateway found at {gateway}"
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # discord.py retries dropped connections itself; what ends up here is a first
            # connection that never worked (refused, unreachable, not a websocket).
            log.debug("discord gateway task failed", exc_info=exc)
            self._failure = f"cannot connect to the Discord gateway at {gateway}"
        if self._failure and not self._stopping:
            log.error("discord gateway connection ended error=%s", self._failure)

    async def wait_until_ready(self) -> None:
        await self.client.wait_until_ready()

    async def wait_connected(self) -> None:
        """Until the gateway says READY. Raises ``ConfigError`` when the connection ends first."""
        if self._task is None:
            raise ConfigError("Discord is not started")
        ready = asyncio.create_task(self.client.wait_until_ready())
        try:
            await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if not self.client.is_ready():
            raise ConfigError(self._failure or f"the Discord gateway at {self.gateway} closed the connection")

    async def wait_failed(self) -> str:
        """Returns (with the reason) when the gateway connection ends by itself, for good:
        discord.py reconnects after ordinary drops, so this means a refused token, a missing
        intent or a gateway that cannot be reached. Never returns once ``stop`` has begun."""
        if self._task is not None:
            await asyncio.wait({self._task})
        if self._stopping or self._task is None:
            await asyncio.Event().wait()
        return self._failure or "the Discord gateway connection ended"

    async def stop(self, drain: float = 5.0) -> None:
        """Give commands and posts in progress ``drain`` seconds, then disconnect."""
        self._stopping = True
        await self._in_flight.settle(drain)
        if not self.client.is_closed():
            await self.client.close()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 5.0)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
            self._task = None
        if self._previous is not None:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._previous
            self._previous = None

    async def sync_commands(self) -> None:
        """Register ``/brief`` in each configured guild (immediate), or globally when none is set;
        only in the process that holds shard 0 (or is unsharded): other replicas answer the
        commands that replica registered."""
        if not self.settings.registers_commands:
            sharding = self.settings.sharding
            log.info("discord commands left to the replica holding shard 0 sharding=%r", sharding)
            return
        tree = self.client.tree
        if not self.settings.guild_ids:
            try:
                synced = await tree.sync()
            except discord.HTTPException as exc:
                log.error("discord command sync failed scope=global status=%s error=%s", exc.status, exc.text)
                return
            log.info("discord commands synced scope=global count=%d", len(synced))
            return
        for guild_id in self.settings.guild_ids:
            guild = discord.Object(id=guild_id)
            tree.copy_global_to(guild=guild)
            try:
                synced = await tree.sync(guild=guild)
            except discord.HTTPException as exc:
                log.error(
                    "discord command sync failed guild=%s status=%s (is the bot in that server, invited "
                    "with the applications.commands scope?)",
                    guild_id,
                    exc.status,
                )
                continue
            log.info("discord commands synced guild=%s count=%d", guild_id, len(synced))

    # slash commands

    def request_from(self, interaction: Interaction) -> Request:
        channel, thread_id = where(interaction.channel, interaction.channel_id, interaction.guild_id)
        user = interaction.user
        requester = Requester(
            user_id=str(user.id),
            name=user.display_name,
            is_admin=is_admin(interaction.permissions, interaction.guild_id is not None),
        )
        return Request(channel=channel, user=requester, thread_id=thread_id)

    async def run_command(self, interaction: Interaction, command: Command) -> None:
        """Acknowledge first (Discord allows 3 s), then work, then answer in follow-ups."""
        with self._in_flight.track():
            await self._run_command(interaction, command)

    async def _run_command(self, interaction: Interaction, command: Command) -> None:
        # Whether "thinking…" shows to everyone is fixed by the acknowledgement, before the
        # service has spoken: guessed from the command (a change asked for by someone without
        # Manage Server is most likely refused), and put right below when the reply says else.
        admin = is_admin(interaction.permissions, interaction.guild_id is not None)
        deferred_public = commands.likely_public(command, asker_is_admin=admin)
        try:
            await interaction.response.defer(thinking=True, ephemeral=not deferred_public)
        except discord.NotFound:
            log.warning("discord interaction expired before it was acknowledged id=%s", interaction.id)
            return
        except discord.HTTPException as exc:
            log.error("discord defer failed id=%s status=%s", interaction.id, exc.status)
            return
        req = self.request_from(interaction)
        reply = await self.service.handle(req, command)
        public = is_public(reply)
        if public != deferred_public and not await self._withdraw(interaction):
            public = deferred_public  # "thinking…" stays: the answer takes its place, as it shows
        ids: list[str] = []
        try:
            for message in render(reply):
                sent = await interaction.followup.send(
                    content=message.content or discord.utils.MISSING,
                    embeds=_embeds(message.embeds),
                    allowed_mentions=NO_MENTIONS,
                    ephemeral=not public,
                    wait=True,
                )
                ids.append(str(sent.id))
        except discord.HTTPException as exc:
            log.error(
                "discord follow-up failed id=%s status=%s sent=%d error=%s",
                interaction.id,
                exc.status,
                len(ids),
                exc.text,
            )
            if not ids:  # don't leave "Briefbot is thinking…" up until Discord gives up
                with contextlib.suppress(discord.HTTPException):
                    await interaction.followup.send(
                        APOLOGY, allowed_mentions=NO_MENTIONS, ephemeral=not public
                    )
        await self._remember(req.channel, ids, reply)

    async def _withdraw(self, interaction: Interaction) -> bool:
        """Take back the "thinking…" message, so that the answer can show to whom the reply
        policy says (the asker alone, or everyone); False when Discord would not."""
        try:
            await interaction.delete_original_response()
        except discord.HTTPException as exc:
            log.warning("discord could not withdraw the deferral id=%s status=%s", interaction.id, exc.status)
            return False
        return True

    async def subscription_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        req = self.request_from(interaction)
        try:
            reply = await asyncio.wait_for(self.service.handle(req, commands.Feeds()), AUTOCOMPLETE_TIMEOUT)
        except TimeoutError:
            return []  # no suggestions; the person can still type an id
        return subscription_choices(reply, current)

    # mentions and direct messages

    async def on_message(self, message: discord.Message) -> None:
        with self._in_flight.track():
            await self._on_message(message)

    async def _on_message(self, message: discord.Message) -> None:
        me = self.client.user
        if me is None or message.author.bot or message.author.id == me.id:
            return
        in_dm = message.guild is None
        if not in_dm and me.id not in message.raw_mentions:
            return  # not for us (and, without the content intent, its text is empty anyway)
        if message.id in self._seen:
            log.info("discord message delivered twice, answered once id=%s", message.id)
            return
        self._seen[message.id] = None
        while len(self._seen) > SEEN_MESSAGES:
            self._seen.popitem(last=False)
        question = re.sub(rf"<@!?{me.id}>", " ", clean_text(message.content)).strip()
        channel, thread_id = where(
            message.channel, message.channel.id, message.guild.id if message.guild else None
        )
        if message.reference is not None and message.reference.message_id is not None:
            thread_id = str(message.reference.message_id)  # a reply to a brief is about that brief
        author = message.author
        admin = isinstance(author, discord.Member) and is_admin(author.guild_permissions, True)
        req = Request(channel, Requester(str(author.id), author.display_name, admin), thread_id)
        command = commands.mention(question)
        if commands.is_slow(command):
            with contextlib.suppress(discord.HTTPException):
                await message.channel.typing()
        reply = await self.service.handle(req, command)
        ids: list[str] = []
        try:
            for index, rendered in enumerate(render(reply)):
                nonce = _nonce("reply", message.id, index)
                if index == 0:
                    sent = await message.reply(
                        content=rendered.content or None,
                        embeds=_embeds(rendered.embeds),
                        allowed_mentions=REPLY_MENTIONS,
                        mention_author=True,
                        nonce=nonce,
                    )
                else:
                    sent = await message.channel.send(
                        content=rendered.content or None,
                        embeds=_embeds(rendered.embeds),
                        allowed_mentions=NO_MENTIONS,
                        nonce=nonce,
                    )
                ids.append(str(sent.id))
        except discord.HTTPException as exc:
            log.error(
                "discord reply failed channel=%s message=%s status=%s sent=%d",
                channel.channel_id,
                message.id,
                exc.status,
                len(ids),
            )
        await self._remember(channel, ids, reply)

    async def _remember(self, channel: ChannelRef, ids: list[str], reply: Reply) -> None:
        if ids and followup_article(reply) is not None:
            await self.service.remember_posts(channel, ids, reply)


class DiscordPoster:
    """The scheduler's way into Discord: post a reply to a channel, split as needed.

    Rate limits and 5xx answers are retried by discord.py itself (429 → sleep ``retry_after``;
    500/502/504 a few times); whatever still fails is raised, never dropped. A connection lost
    mid-request (which discord.py does not retry) is sent again with the same nonce, so Discord
    keeps one message. A channel the bot cannot see raises ``ChannelGone``.
    Recording which article the posted messages carry is the caller's part (the scheduler's).
    """

    def __init__(
        self, client: discord.Client, *, retry_delay: float = 0.5, in_flight: InFlight | None = None
    ) -> None:
        self._client = client
        self._retry_delay = retry_delay
        self._in_flight = in_flight or InFlight()

    @property
    def platform(self) -> Platform:
        return "discord"

    async def post(self, channel: ChannelRef, reply: Reply, thread_id: str | None = None) -> list[str]:
        with self._in_flight.track():
            return await self._post(channel, reply, thread_id)

    async def _post(self, channel: ChannelRef, reply: Reply, thread_id: str | None) -> list[str]:
        try:
            channel_id = int(channel.channel_id)
            guild_id = int(channel.workspace_id) if channel.workspace_id else None
            reference = int(thread_id) if thread_id else None
        except ValueError:
            log.warning("not a Discord channel id, deliveries stop channel=%s", channel.key)
            raise ChannelGone(channel.key) from None
        target = self._client.get_partial_messageable(channel_id, guild_id=guild_id)
        ids: list[str] = []
        for index, message in enumerate(render(reply)):
            nonce = _nonce(channel.key, thread_id, index, json.dumps(_payload(message), sort_keys=True))
            ref = None
            if reference is not None and index == 0:
                ref = discord.MessageReference(
                    message_id=reference, channel_id=channel_id, guild_id=guild_id, fail_if_not_exists=False
                )
            sent = await self._send(target, channel, message, nonce, ref)
            ids.append(str(sent.id))
        return ids

    async def _send(
        self,
        target: discord.PartialMessageable,
        channel: ChannelRef,
        message: DiscordMessage,
        nonce: str,
        reference: discord.MessageReference | None,
    ) -> discord.Message:
        for attempt in range(1, POST_ATTEMPTS + 1):
            try:
                return await target.send(
                    content=message.content or None,
                    embeds=_embeds(message.embeds),
                    allowed_mentions=NO_MENTIONS,
                    nonce=nonce,
                    reference=reference,  # type: ignore[arg-type]
                )
            except (discord.Forbidden, discord.NotFound) as exc:
                log.warning(
                    "discord channel gone, deliveries stop channel=%s status=%s code=%s",
                    channel.key,
                    exc.status,
                    exc.code,
                )
                raise ChannelGone(channel.key) from exc
            except discord.HTTPException as exc:
                # discord.py has retried 5xx and waited out 429s already: another round here
                # would multiply its attempts, so the caller (the scheduler) decides what next.
                log.error(
                    "discord post failed channel=%s status=%s code=%s error=%s",
                    channel.key,
                    exc.status,
                    exc.code,
                    exc.text,
                )
                raise
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                # The request may have reached Discord: resending with the same nonce is safe.
                if attempt == POST_ATTEMPTS:
                    log.error("discord post failed channel=%s error=%r", channel.key, exc)
                    raise
                log.warning("discord post interrupted, retrying channel=%s error=%r", channel.key, exc)
            await asyncio.sleep(self._retry_delay * attempt)
        raise AssertionError("unreachable")

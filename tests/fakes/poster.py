"""A chat platform as the scheduler sees it: a Poster that records what was posted.

It can hold posts at a gate (to stop the bot while it is posting), fail a number of times, or
say the channel is gone, the way a real platform adapter would.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field

from bot.replies import ChannelGone, ChannelRef, Platform, Reply


@dataclass
class Posted:
    channel: ChannelRef
    reply: Reply
    ids: list[str]
    at: float  # wall-clock time of the post


@dataclass
class RecordingPoster:
    platform_name: Platform = "console"
    gate: asyncio.Event | None = None  # posts wait here until it is set
    failures: int = 0  # the next N posts raise RuntimeError
    gone: set[str] = field(default_factory=set)  # channel keys that raise ChannelGone
    posts: list[Posted] = field(default_factory=list)
    started: asyncio.Event = field(default_factory=asyncio.Event)  # set when a post begins
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def platform(self) -> Platform:
        return self.platform_name

    async def post(self, channel: ChannelRef, reply: Reply, thread_id: str | None = None) -> list[str]:
        self.started.set()
        if channel.key in self.gone:
            raise ChannelGone(f"{channel.channel_id} was archived")
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("platform answered 503")
        if self.gate is not None:
            await self.gate.wait()
        ids = [f"m{next(self._ids)}"]
        self.posts.append(Posted(channel, reply, ids, time.time()))
        return ids

    def to(self, channel: ChannelRef) -> list[Reply]:
        return [p.reply for p in self.posts if p.channel == channel]

"""A story carried by several feeds belongs to each of them, from the time each carried it.

Real parts throughout: feeds served over loopback HTTP, the real Ingestor with the local
backend, a real SQLite file, and the real Scheduler deciding digests and each-mode posts.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import make_fetcher, make_ingestor
from bot.ingest.pipeline import Ingestor
from bot.replies import BriefReply, ChannelRef, DigestReply
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.store import DigestSchedule, Store
from summarizer.local import LocalBackend
from tests.bot.chat_helpers import settings_for
from tests.fakes.poster import RecordingPoster
from tests.fakes.web import FakeWeb, Story, rss

# Four unrelated stories of our own; the first three are carried by both feeds.
STORIES = [
    Story(
        1,
        "tram",
        "Council approves the eastern tram extension",
        "The city council approved the eastern tram extension.",
        (
            "The Larkfield city council on Tuesday approved a four-kilometre extension of the eastern "
            "tram line to the hospital, after two years of consultation with residents.",
            "Transport chair Odette Vanterpool said construction would start in March and that the "
            "council wants to cut car journeys to the hospital by a third.",
            "Shopkeepers on Mill Road asked how long the street would be closed during the works.",
        ),
        datetime(2026, 11, 30, 7, tzinfo=UTC),
    ),
    Story(
        2,
        "orchard",
        "Volunteers replant the old orchard at Brackley Farm",
        "Volunteers replanted the orchard at Brackley Farm.",
        (
            "More than sixty volunteers spent Saturday replanting the old orchard at Brackley Farm, "
            "where storms felled most of the apple trees last winter.",
            "Farm manager Tobiah Grennell said the new trees were grafted from the surviving ones so "
            "that the orchard keeps its rare local varieties.",
            "The trust still needs to raise money for a new fence to keep deer away from the saplings.",
        ),
        datetime(2026, 11, 30, 8, tzinfo=UTC),
    ),
    Story(
        3,
        "pool",
        "Swimming pool in Hartsea closes for roof repairs",
        "The Hartsea swimming pool closed for roof repairs.",
        (
            "The public swimming pool in Hartsea closed on Monday for six weeks of roof repairs after "
            "inspectors found corroded steel beams above the main hall.",
            "Leisure director Marisol Quenby said swimming clubs would train at the school pool in "
            "Dunholt until the work is finished.",
            "Parents asked whether lessons already paid for would be refunded.",
        ),
        datetime(2026, 11, 30, 9, tzinfo=UTC),
    ),
    Story(
        4,
        "ferry",
        "Night ferry to Skarra Island begins a winter trial",
        "A night ferry to Skarra Island starts a trial.",
        (
            "A night ferry between Port Ellery and Skarra Island began a three-month winter trial on "
            "Friday, with sailings at ten and midnight.",
            "Harbour master Ingeborg Tallis said the trial would show whether islanders working late "
            "shifts on the mainland would use the service.",
            "The ferry company has not said who will pay for the extra crew if the trial continues.",
        ),
        datetime(2026, 11, 30, 10, tzinfo=UTC),
    ),
]
HALL = ChannelRef("console", "hall")  # follows the feed with three stories
DESK = ChannelRef("console", "desk")  # follows the feed with all four


@pytest.fixture(scope="module")
def backend() -> Iterator[LocalBackend]:
    local = LocalBackend()
    yield local
    local.close()


@dataclass
class Rig:
    web: FakeWeb
    store: Store
    ingestor: Ingestor
    settings: Settings


@pytest.fixture
async def rig(tmp_path: Path, backend: LocalBackend) -> AsyncIterator[Rig]:
    settings = settings_for(tmp_path)
    store = await Store.open(settings.store.path)
    async with FakeWeb() as web, make_fetcher(settings) as fetcher:
        # Pages are not served: each item's full text stands in (a 404 falls back to it).
        web.feed("/a.xml", rss(STORIES[:3], link=web.url("/news/{slug}"), title="Alpha", full_text=True))
        web.feed("/b.xml", rss(STORIES, link=web.url("/news/{slug}"), title="Beta", full_text=True))
        yield Rig(web, store, make_ingestor(settings, store, fetcher, backend), settings)
    await store.close()


async def follow(rig: Rig, ref: ChannelRef, feed_id: int, *, mode: str = "digest") -> None:
    now = time.time()
    await rig.store.channels.ensure(ref, now - 60)
    await rig.store.channels.subscribe(ref.key, feed_id, now=now - 60)
    if mode != "digest":
        await rig.store.channels.set_mode(ref.key, "each", now)


async def digest_of(rig: Rig, ref: ChannelRef) -> DigestReply:
    """The channel's digest, due a few seconds ago."""
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    schedule = DigestSchedule(due.strftime("%H:%M:%S"), "UTC")
    await rig.store.channels.set_schedule(ref.key, schedule, due.timestamp() - 3600)
    poster = RecordingPoster()
    scheduler = Scheduler(rig.store, rig.ingestor, rig.settings, posters=[poster])
    assert (await scheduler.run_digest(ref.key)).outcome == "posted"
    (reply,) = poster.to(ref)
    assert isinstance(reply, DigestReply)
    return reply


async def test_a_story_carried_by_two_feeds_reaches_the_subscribers_of_both(rig: Rig) -> None:
    alpha, _ = await rig.ingestor.add_feed(rig.web.url("/a.xml"))
    await rig.ingestor.poll_feeds()  # Alpha brings the three shared stories first
    beta, _ = await rig.ingestor.add_feed(rig.web.url("/b.xml"))
    await rig.ingestor.poll_feeds()
    assert await rig.store.articles.count("briefed") == 4  # each story stored and briefed once
    await follow(rig, HALL, alpha.id)
    await follow(rig, DESK, beta.id)

    hall = await digest_of(rig, HALL)
    desk = await digest_of(rig, DESK)
    assert sorted(i.brief.title for i in hall.items) == sorted(s.title for s in STORIES[:3])
    assert sorted(i.brief.title for i in desk.items) == sorted(s.title for s in STORIES)


async def test_a_channel_gets_shared_stories_when_its_feed_brings_them(rig: Rig) -> None:
    await rig.ingestor.add_feed(rig.web.url("/a.xml"))
    await rig.ingestor.poll_feeds()  # Alpha's three stories are briefed before DESK exists
    # DESK posts each brief as it arrives; it follows Beta only, which is not read yet.
    beta, _ = await rig.ingestor.add_feed(rig.web.url("/b.xml"))
    await follow(rig, DESK, beta.id, mode="each")
    poster = RecordingPoster()
    scheduler = Scheduler(rig.store, rig.ingestor, rig.settings, posters=[poster])
    assert await scheduler.post_new_briefs() == 0  # Beta has brought nothing yet

    await rig.ingestor.poll_feeds()  # now it does: three stories Alpha brought before, one new
    assert await scheduler.post_new_briefs() == 4
    assert await scheduler.post_new_briefs() == 0
    posted = sorted(r.brief.title for r in poster.to(DESK) if isinstance(r, BriefReply))
    assert posted == sorted(s.title for s in STORIES)


async def test_a_channel_following_both_feeds_gets_each_story_once_if_either_filter_passes(rig: Rig) -> None:
    now = time.time()
    await rig.store.channels.ensure(DESK, now)
    await rig.store.channels.set_mode(DESK.key, "both", now)
    # From Alpha only the swimming pool; from Beta, which brings the shared stories second,
    # everything.
    alpha, _ = await rig.ingestor.add_feed(rig.web.url("/a.xml"))
    await rig.store.channels.subscribe(DESK.key, alpha.id, keywords=("swimming",), now=now)
    await rig.ingestor.poll_feeds()
    beta, _ = await rig.ingestor.add_feed(rig.web.url("/b.xml"))
    await rig.store.channels.subscribe(DESK.key, beta.id, now=now)
    await rig.ingestor.poll_feeds()

    poster = RecordingPoster()
    scheduler = Scheduler(rig.store, rig.ingestor, rig.settings, posters=[poster])
    assert await scheduler.post_new_briefs() == 4
    assert await scheduler.post_new_briefs() == 0
    digest = await digest_of(rig, DESK)
    assert sorted(i.brief.title for i in digest.items) == sorted(s.title for s in STORIES)

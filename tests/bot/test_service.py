"""The command set through ``Service.handle``/``ask``: a real Store, the real local backend,
the real Ingestor with its safe fetcher, pages and feeds served over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import make_fetcher, make_ingestor
from bot.commands import is_slow, mention, parse
from bot.ingest.pipeline import Ingestor
from bot.qa import QuestionAnswerer
from bot.render.text import render
from bot.replies import (
    APOLOGY,
    AnswerReply,
    BriefReply,
    ChannelRef,
    Confirmation,
    DigestReply,
    ErrorReply,
    HelpReply,
    ListReply,
    Request,
    Requester,
)
from bot.service import Service
from bot.settings import Settings
from bot.store import Store
from summarizer.local import LocalBackend
from summarizer.qa import ExtractiveAnswerBackend
from tests.bot.chat_helpers import settings_for
from tests.fakes.feed_site import FeedSite, rss

FERRY = """Ferry service returns to Lake Orrin after storm repairs

The ferry between Northport and Kell Island returned to service on Monday, three weeks after a storm
damaged the landing stage at Kell. The operator, Blue Heron Lines, said the repaired landing can take
larger boats and that the crossing would run every forty minutes. Harbour master Ines Kowalczyk said
the repairs cost about two million crowns. Island residents want a guaranteed winter timetable, and the
operator has not said whether fares will rise to pay for the work."""

FEED_ITEMS = [
    {
        "title": "Valley council approves new flood wall",
        "link": "https://valley.example/flood-wall",
        "source": "Valley Post",
        "text": "<p>The Millbrook valley council approved a new flood wall on Tuesday after two winters of "
        "flooding. Council leader Dana Ruiz said the wall would protect four hundred homes along the river. "
        "Farmers upstream worry that the wall will push water onto their fields, and the council has not "
        "said who will pay for the maintenance.</p>",
    },
    {
        "title": "Rail strike called off after late deal",
        "link": "https://valley.example/rail-strike",
        "source": "Valley Post",
        "text": "<p>Train drivers in the northern region called off a planned strike on Wednesday after "
        "the rail operator agreed to a new pay offer. Union leader Omar Haddad said the members "
        "would vote on the deal next week. Passengers' groups welcomed the news but asked for "
        "compensation for cancelled trains during the dispute.</p>",
    },
]


@dataclass
class Env:
    service: Service
    store: Store
    site: FeedSite
    ingest: Ingestor


def request(
    *,
    admin: bool = True,
    user: str = "U1",
    channel: str = "C1",
    platform: str = "slack",
    thread: str | None = None,
) -> Request:
    return Request(
        channel=ChannelRef(platform, channel, "T1"),  # type: ignore[arg-type]
        user=Requester(user, is_admin=admin),
        thread_id=thread,
    )


async def make_env(tmp_path: Path, settings: Settings | None = None) -> AsyncIterator[Env]:
    settings = settings or settings_for(tmp_path)
    store = await Store.open(settings.store.path)
    backend = LocalBackend()
    async with make_fetcher(settings) as fetcher, FeedSite() as site:
        ingest = make_ingestor(settings, store, fetcher, backend)
        qa = QuestionAnswerer(store, ExtractiveAnswerBackend())
        yield Env(Service(store, ingest, qa, settings), store, site, ingest)
    backend.close()
    await store.close()


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path):
        yield e


async def test_help_lists_every_command_with_examples(env: Env) -> None:
    for text in ("help", "", "/brief help", "?"):
        reply = await env.service.handle(request(), parse(text))
        assert isinstance(reply, HelpReply)
    usages = " ".join(e.usage for e in reply.entries)
    for command in ("ask", "digest", "subscribe", "unsubscribe", "feeds", "schedule", "mode", "<url>"):
        assert command in usages
    assert any(e.example for e in reply.entries)
    assert {e.usage.split()[1] for e in reply.entries if e.admin} == {
        "subscribe",
        "unsubscribe",
        "schedule",
        "mode",
    }


async def test_unknown_commands_get_a_short_helpful_reply(env: Env) -> None:
    reply = await env.service.handle(request(), parse("frobnicate the news"))
    assert isinstance(reply, ErrorReply)
    assert "frobnicate" in reply.text
    assert reply.hint
    assert "/brief help" in reply.hint


async def test_pasted_text_is_briefed_and_stored_once(env: Env) -> None:
    first = await env.service.handle(request(), parse(FERRY))
    assert isinstance(first, BriefReply)
    assert any("Kowalczyk" in a.name for a in first.brief.who)
    again = await env.service.handle(request(), parse("brief " + FERRY))
    assert isinstance(again, BriefReply)
    assert again.article_id == first.article_id
    assert await env.store.articles.count() == 1


async def test_the_length_limit_of_pasted_text_says_what_it_counts(env: Env) -> None:
    # 150,000 characters of 2 bytes each: 300 KB, fewer characters than the limit counts.
    accepted = await env.service.handle(request(), parse("brief " + FERRY + " Ünïcödé" * 18_000))
    assert not isinstance(accepted, ErrorReply) or "too long" not in accepted.text
    refused = await env.service.handle(request(), parse("brief " + FERRY + " word" * 50_000))
    assert isinstance(refused, ErrorReply)
    assert refused.text == "That text is too long to brief (at most 200,000 characters)."


async def test_a_url_is_fetched_briefed_and_deduplicated(env: Env) -> None:
    body = "".join(f"<p>{p}</p>" for p in FERRY.split("\n\n")[1:])
    url = env.site.add(
        "/ferry",
        "<html><head><title>Ferry returns</title></head><body><article>"
        f"<h1>Ferry service returns</h1>{body}</article></body></html>",
    )
    reply = await env.service.handle(request(), parse(url))
    assert isinstance(reply, BriefReply)
    assert reply.source.url == url
    assert "Kell" in render(reply)
    again = await env.service.handle(request(), parse(f"<{url}|ferry>"))  # Slack wraps links like this
    assert isinstance(again, BriefReply)
    assert again.article_id == reply.article_id
    assert env.site.hits.count("/ferry") == 1  # known by its URL: not fetched again
    assert await env.store.articles.count() == 1


async def test_a_link_briefed_in_chat_still_reaches_the_subscribers_of_a_feed_that_carries_it(
    env: Env,
) -> None:
    body = "".join(f"<p>{p}</p>" for p in FERRY.split("\n\n")[1:])
    page = env.site.add(
        "/ferry",
        f"<html><head><title>Ferry returns</title></head><body><article>{body}</article></body></html>",
    )
    pasted = await env.service.handle(request(channel="C2"), parse(page))  # someone elsewhere pasted it
    assert isinstance(pasted, BriefReply)
    item = {"title": "Ferry service returns", "link": page, "text": "<p>The ferry is back.</p>"}
    feed = env.site.add("/rss", rss("Harbour News", [item]), "application/rss+xml")
    assert isinstance(await env.service.handle(request(), parse(f"subscribe {feed}")), Confirmation)
    report = await env.ingest.poll_feeds()
    assert (report.new_articles, report.briefed) == (0, 0)  # known already: stored and briefed once
    digest = await env.service.handle(request(), parse("digest"))
    assert isinstance(digest, DigestReply), digest
    assert [(i.article_id, i.sources[0].title) for i in digest.items] == [
        (pasted.article_id, "Ferry returns")
    ]
    assert await env.store.articles.count() == 1


async def test_bad_urls_and_failing_pages_get_a_clear_reply(env: Env) -> None:
    for bad in ("ftp://files.example/x", "http://", "https://exa mple.com", "javascript:alert(1)"):
        reply = await env.service.handle(request(), parse(bad))
        assert isinstance(reply, ErrorReply), bad
    missing = await env.service.handle(request(), parse(env.site.url("/gone")))
    assert isinstance(missing, ErrorReply)
    assert "404" in missing.text
    assert await env.store.articles.count() == 0


async def test_subscribing_needs_an_admin_or_the_allowlist(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, chat={"admins": ("slack:U7",)})
    async for env in make_env(tmp_path, settings):
        url = env.site.add("/rss", rss("Valley Post", FEED_ITEMS), "application/rss+xml")
        denied = await env.service.handle(request(admin=False, user="U2"), parse(f"subscribe {url}"))
        assert isinstance(denied, ErrorReply)
        assert "admin" in denied.text
        for command in ("schedule 08:00", "mode each", "unsubscribe 1"):
            assert isinstance(
                await env.service.handle(request(admin=False, user="U2"), parse(command)), ErrorReply
            )
        assert await env.store.channels.subscriptions("slack:T1:C1") == []
        allowed = await env.service.handle(request(admin=False, user="U7"), parse(f"subscribe {url}"))
        assert isinstance(allowed, Confirmation)
        # Looking is open to everyone.
        assert isinstance(
            await env.service.handle(request(admin=False, user="U2"), parse("feeds")), ListReply
        )


async def test_anyone_may_change_things_when_admin_only_is_off(tmp_path: Path) -> None:
    async for env in make_env(tmp_path, settings_for(tmp_path, chat={"admin_only": False})):
        reply = await env.service.handle(request(admin=False), parse("schedule 07:15 Europe/Berlin"))
        assert isinstance(reply, Confirmation)


async def test_subscriptions_per_channel_with_filters(env: Env) -> None:
    url = env.site.add("/rss", rss("Valley Post", FEED_ITEMS), "application/rss+xml")
    reply = await env.service.handle(
        request(), parse(rf"subscribe {url} --keywords flood,levee --regex '\bwall\b'")
    )
    assert isinstance(reply, Confirmation), reply
    assert "Valley Post" in reply.text
    assert "flood" in reply.text
    (sub,) = await env.store.channels.subscriptions("slack:T1:C1")
    assert sub.keywords == ("flood", "levee")
    assert sub.pattern == r"\bwall\b"
    listed = await env.service.handle(request(), parse("feeds"))
    assert isinstance(listed, ListReply)
    assert [i.text for i in listed.items] == ["Valley Post"]
    assert r"/\bwall\b/" in listed.items[0].detail
    # Another channel sees nothing and cannot remove this one's subscription.
    other = await env.service.handle(request(channel="C2"), parse("feeds"))
    assert isinstance(other, ListReply)
    assert other.items == ()
    refused = await env.service.handle(request(channel="C2"), parse(f"unsubscribe {sub.id}"))
    assert isinstance(refused, ErrorReply)
    assert len(await env.store.channels.subscriptions("slack:T1:C1")) == 1
    done = await env.service.handle(request(), parse(f"unsubscribe {sub.id}"))
    assert isinstance(done, Confirmation)
    assert "Valley Post" in done.text
    assert await env.store.channels.subscriptions("slack:T1:C1") == []


async def test_bad_subscriptions_are_refused_and_nothing_is_stored(env: Env) -> None:
    url = env.site.add("/rss", rss("Valley Post", FEED_ITEMS), "application/rss+xml")
    page = env.site.add("/page", "<html><body>not a feed</body></html>")
    cases = {
        f"subscribe {url} --regex (unclosed": "regular expression",
        f"subscribe {url} --colour red": "Unknown option",
        "subscribe not a url": "one feed address",
        "subscribe ftp://x.example/feed": "not a feed address",
        f"subscribe {page}": "not an RSS or Atom feed",
        "subscribe": "one feed address",
    }
    for command, expected in cases.items():
        reply = await env.service.handle(request(), parse(command))
        assert isinstance(reply, ErrorReply), command
        assert expected in reply.text, (command, reply.text)
    assert await env.store.channels.subscriptions("slack:T1:C1") == []


async def test_chat_users_cannot_make_the_bot_read_local_files(env: Env) -> None:
    sample = Path(__file__).resolve().parents[2] / "config" / "sample-feed.xml"
    for command in (
        "subscribe file:///etc/passwd",
        f"subscribe file://{sample}",
        f"subscribe {sample}",
        "subscribe /etc/passwd",
        "file:///etc/passwd",
        f"brief file://{sample}",
        "subscribe gopher://news.example/feed",
    ):
        reply = await env.service.handle(request(), parse(command))
        assert isinstance(reply, ErrorReply), command
        assert "not a" in reply.text, (command, reply.text)  # "… is not a feed address I can fetch"
    assert await env.store.feeds.list_all() == []
    assert await env.store.articles.count() == 0


async def test_private_and_local_addresses_are_refused_politely(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, fetch={"allow_private_networks": False})  # as deployed
    async for env in make_env(tmp_path, settings):
        page = env.site.add("/ferry", "<html><body><article><p>" + FERRY + "</p></article></body></html>")
        feed = env.site.add("/rss", rss("Valley Post", FEED_ITEMS), "application/rss+xml")
        for command in (
            page,
            f"brief {page}",
            "http://169.254.169.254/latest/meta-data/",
            "http://localhost/",
            "http://[::1]:8080/",
            f"subscribe {feed}",
        ):
            reply = await env.service.handle(request(), parse(command))
            assert isinstance(reply, ErrorReply), command
            assert reply.text.startswith("Refusing to fetch"), (command, reply.text)
            assert "Something went wrong" not in reply.text
        assert env.site.hits == []  # refused before connecting
        assert await env.store.articles.count() == 0
        assert await env.store.feeds.list_all() == []
        # The bundled sample feed is a local file the bot picks itself: it still works.
        assert isinstance(await env.service.handle(request(), parse("subscribe sample")), Confirmation)
        report = await env.ingest.poll_feeds()
        assert (report.feeds_polled, report.feeds_failed, report.new_articles) == (1, 0, 8)


async def test_the_sample_feed_is_an_ordinary_local_feed_that_never_fails(env: Env) -> None:
    reply = await env.service.handle(request(), parse("subscribe sample-feed"))
    assert isinstance(reply, Confirmation)
    assert "Briefbot sample news" in reply.text
    (feed,) = await env.store.feeds.list_all()
    assert feed.url.startswith("file:///")
    assert feed.url.endswith("/config/sample-feed.xml")
    first = await env.ingest.poll_feeds(only_due=False)
    assert (first.feeds_failed, first.new_articles, first.briefed) == (0, 8, 8)
    again = await env.ingest.poll_feeds(only_due=False)  # the file did not change: nothing parsed
    assert (again.feeds_failed, again.unchanged, again.new_articles) == (0, 1, 0)
    (feed,) = await env.store.feeds.list_all()
    assert (feed.failures, feed.last_error, feed.disabled) == (0, None, False)
    assert feed.next_poll_at > feed.last_polled_at  # type: ignore[operator]
    # Chat shows it by name, never as a path on the bot's machine.
    listed = await env.service.handle(request(), parse("feeds"))
    assert isinstance(listed, ListReply)
    (item,) = listed.items
    assert item.text == "Briefbot sample news"
    assert "bundled sample feed" in item.detail
    assert "file:" not in render(listed)
    # Subscribing again (another spelling) is the same feed; "sample" unsubscribes it.
    again_reply = await env.service.handle(request(), parse("subscribe sample"))
    assert isinstance(again_reply, Confirmation)
    assert "already follows" in again_reply.text
    assert len(await env.store.feeds.list_all()) == 1
    # Had the file gone (an installation moved), the failure shows in chat without its path.
    moved = Path(feed.url.removeprefix("file://")).parent.parent / "old" / "sample-feed.xml"
    await env.store.db.execute("UPDATE feeds SET url = ?, next_poll_at = 0", (moved.as_uri(),))
    assert (await env.ingest.poll_feeds()).feeds_failed == 1
    shown = render(await env.service.handle(request(), parse("feeds")))
    assert "last error: the feed file cannot be read" in shown
    assert str(moved.parent) not in shown
    gone = await env.service.handle(request(), parse("unsubscribe sample"))
    assert isinstance(gone, Confirmation)
    assert "Briefbot sample news" in gone.text
    assert await env.store.channels.subscriptions("slack:T1:C1") == []


async def test_a_feed_is_unsubscribed_by_the_address_it_was_subscribed_with(env: Env) -> None:
    url = env.site.add("/rss", rss("Valley Post", FEED_ITEMS), "application/rss+xml")
    assert isinstance(await env.service.handle(request(), parse(f"subscribe {url}#latest")), Confirmation)
    (sub,) = await env.store.channels.subscriptions("slack:T1:C1")
    assert sub.feed_url == url  # stored canonical (no fragment)
    done = await env.service.handle(request(), parse(f"unsubscribe {url}#latest"))
    assert isinstance(done, Confirmation), done
    assert await env.store.channels.subscriptions("slack:T1:C1") == []


async def test_schedules_take_a_time_a_timezone_and_days(env: Env) -> None:
    reply = await env.service.handle(request(), parse("schedule 8:30 asia/tokyo mon-fri"))
    assert isinstance(reply, Confirmation), reply
    assert "08:30 Asia/Tokyo, Monday to Friday" in reply.text
    assert "UTC)" in reply.text
    channel = await env.store.channels.get("slack:T1:C1")
    assert channel is not None
    assert channel.schedule is not None
    assert (channel.schedule.time, channel.schedule.timezone, channel.schedule.weekdays) == (
        "08:30",
        "Asia/Tokyo",
        ("mon", "tue", "wed", "thu", "fri"),
    )
    shown = await env.service.handle(request(admin=False), parse("schedule"))
    assert isinstance(shown, Confirmation)
    assert "08:30 Asia/Tokyo" in shown.text
    # A new time keeps the channel's timezone.
    reply = await env.service.handle(request(), parse("schedule 18:00"))
    assert isinstance(reply, Confirmation)
    assert "18:00 Asia/Tokyo, every day" in reply.text
    off = await env.service.handle(request(), parse("schedule off"))
    assert isinstance(off, Confirmation)
    channel = await env.store.channels.get("slack:T1:C1")
    assert channel is not None
    assert channel.schedule is None


async def test_bad_schedules_say_what_would_work(env: Env) -> None:
    cases = {
        "schedule 25:00": "not a time",
        "schedule 8pm": "not a time",
        "schedule 08:00 Mars/Olympus": "timezone 'Mars/Olympus'",
        "schedule 08:00 ../../etc/passwd": "timezone",
        "schedule 08:00 Europe/Berlin funday": "not a day",
    }
    for command, expected in cases.items():
        reply = await env.service.handle(request(), parse(command))
        assert isinstance(reply, ErrorReply), command
        assert expected in reply.text, (command, reply.text)
    channel = await env.store.channels.get("slack:T1:C1")
    assert channel is None or channel.schedule is None  # nothing set (a mistake stores nothing at all)


async def test_mode_is_shown_and_changed(env: Env) -> None:
    shown = await env.service.handle(request(), parse("mode"))
    assert isinstance(shown, Confirmation)
    assert "digest" in shown.text
    for mode in ("each", "both", "digest"):
        reply = await env.service.handle(request(), parse(f"mode {mode}"))
        assert isinstance(reply, Confirmation)
        channel = await env.store.channels.get("slack:T1:C1")
        assert channel is not None
        assert channel.mode == mode
    bad = await env.service.handle(request(), parse("mode sometimes"))
    assert isinstance(bad, ErrorReply)
    assert "digest, each or both" in (bad.hint or "")


async def test_digest_now_groups_the_sample_feeds_stories(env: Env) -> None:
    empty = await env.service.handle(request(), parse("digest"))
    assert isinstance(empty, Confirmation)
    assert "subscribe" in empty.text
    assert isinstance(await env.service.handle(request(), parse("subscribe sample")), Confirmation)
    waiting = await env.service.handle(request(), parse("digest"))
    assert isinstance(waiting, Confirmation)
    assert "still being read" in waiting.text
    await env.ingest.poll_feeds()  # what the scheduler's polling job does
    reply = await env.service.handle(request(), parse("digest"))
    assert isinstance(reply, DigestReply)
    assert sum(len(i.sources) for i in reply.items) == 8  # every sample article, once
    assert len(reply.items) < 8  # some are one story told by several outlets
    multi = [i for i in reply.items if len(i.sources) > 1]
    assert multi
    assert all(len({s.outlet for s in i.sources}) == len(i.sources) for i in multi)
    # Another channel has its own subscriptions: still empty there.
    assert isinstance(await env.service.handle(request(channel="C2"), parse("digest")), Confirmation)


async def test_questions_are_answered_with_a_citation(env: Env) -> None:
    await env.service.handle(request(), parse("subscribe sample"))
    await env.ingest.poll_feeds()
    reply = await env.service.handle(request(), mention("How much water may households use per day?"))
    assert isinstance(reply, AnswerReply)
    assert reply.answer.answer
    assert "120 litres" in reply.answer.answer
    assert reply.answer.citations
    assert "Orrin" in reply.answer.citations[0].title
    unknown = await env.service.handle(request(), parse("ask what is the airspeed of a swallow"))
    assert isinstance(unknown, AnswerReply)
    assert unknown.answer.answer is None
    empty = await env.service.handle(request(), parse("ask   "))
    assert isinstance(empty, ErrorReply)


async def test_a_question_in_a_brief_thread_is_about_that_article_first(env: Env) -> None:
    await env.service.handle(request(), parse("subscribe sample"))
    await env.ingest.poll_feeds()
    bridge = await env.store.articles.get(
        next(
            a.id
            for a in await env.store.articles.in_state("briefed", 50)
            if a.title.startswith("Calder Bridge reopens")
        )
    )
    assert bridge is not None
    brief = await env.store.articles.get_brief(bridge.id)
    assert brief is not None
    await env.service.remember_posts(
        request().channel, ["1700000000.000100"], BriefReply(brief, bridge.id, source=None)
    )  # type: ignore[arg-type]
    reply = await env.service.handle(
        request(thread="1700000000.000100"), mention("what did the chief engineer say?")
    )
    assert isinstance(reply, AnswerReply)
    assert reply.answer.citations
    assert reply.answer.citations[0].id == bridge.id


async def test_huge_or_odd_input_is_refused_politely(env: Env) -> None:
    huge = await env.service.handle(request(), parse("word " * 60_000))
    assert isinstance(huge, ErrorReply)
    assert "too long" in huge.text
    long_question = await env.service.handle(request(), parse("ask " + "why " * 400))
    assert isinstance(long_question, ErrorReply)
    short = await env.service.handle(request(), parse("brief hello there"))
    assert isinstance(short, ErrorReply)
    assert "too short" in short.text


def test_slow_commands_are_flagged_for_a_working_message(env: Env) -> None:
    slow = ["https://news.example/a", "ask who?", "digest", "subscribe https://x.example/rss", FERRY]
    fast = ["help", "feeds", "schedule 08:00", "mode each", "unsubscribe 1"]
    assert all(is_slow(parse(t)) for t in slow)
    assert not any(is_slow(parse(t)) for t in fast)


async def test_schedule_and_mode_changes_reach_the_running_scheduler(tmp_path: Path) -> None:
    from bot.scheduler import Scheduler
    from tests.fakes.poster import RecordingPoster

    settings = settings_for(tmp_path)
    store = await Store.open(settings.store.path)
    backend = LocalBackend()
    async with make_fetcher(settings) as fetcher:
        ingest = make_ingestor(settings, store, fetcher, backend)
        scheduler = Scheduler(store, ingest, settings, posters=[RecordingPoster("slack")])
        service = Service(
            store, ingest, QuestionAnswerer(store, ExtractiveAnswerBackend()), settings, schedules=scheduler
        )
        await scheduler.start()
        try:
            await service.handle(request(), parse("schedule 07:45 Asia/Tokyo"))
            nxt = scheduler.next_digest("slack:T1:C1")
            assert nxt is not None
            assert nxt.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M") == "07:45"
            await service.handle(request(), parse("mode each"))  # each mode: no digest
            assert scheduler.next_digest("slack:T1:C1") is None
            await service.handle(request(), parse("mode both"))
            assert scheduler.next_digest("slack:T1:C1") is not None
            await service.handle(request(), parse("schedule off"))
            assert scheduler.next_digest("slack:T1:C1") is None
        finally:
            await scheduler.stop()
    backend.close()
    await store.close()


async def test_admins_listed_by_platform_id_in_any_case(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, chat={"admins": (" slack:u012ab3cd ", "discord:80351110224678912")})
    async for env in make_env(tmp_path, settings):
        for platform, user, allowed in [
            ("slack", "U012AB3CD", True),
            ("slack", "U999", False),
            ("discord", "80351110224678912", True),
            ("slack", "80351110224678912", False),  # an id counts on its own platform only
        ]:
            reply = await env.service.handle(
                request(admin=False, user=user, platform=platform), parse("mode each")
            )
            assert isinstance(reply, Confirmation) is allowed, (platform, user, reply)


@pytest.mark.parametrize("typed", ["²", "①"])
async def test_a_subscription_id_in_other_digits_gets_a_usage_error_not_an_apology(
    env: Env, typed: str
) -> None:
    url = env.site.add("/rss", rss("Valley Post", FEED_ITEMS), "application/rss+xml")
    assert isinstance(await env.service.handle(request(), parse(f"subscribe {url}")), Confirmation)
    reply = await env.service.handle(request(), parse(f"unsubscribe {typed}"))
    assert isinstance(reply, ErrorReply)
    assert "is not a subscription id" in reply.text
    assert "went wrong" not in reply.text
    assert len(await env.store.channels.subscriptions("slack:T1:C1")) == 1
    refused = await env.service.handle(request(admin=False, user="U9"), parse(f"unsubscribe {typed}"))
    assert isinstance(refused, ErrorReply)
    assert "Only admins" in refused.text  # a change: who may make it is said first


async def test_an_unforeseen_failure_is_the_one_apology_and_a_log_line(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    await env.store.db.execute("DROP TABLE subscriptions")  # the database broke under the bot
    with caplog.at_level("ERROR", logger="bot.service"):
        reply = await env.service.handle(request(), parse("feeds"))
    assert reply == ErrorReply(APOLOGY)  # the database's own words (and its path) go to the log only
    assert "command failed command=feeds channel=slack:T1:C1" in caplog.text
    assert "no such table: subscriptions" in caplog.text

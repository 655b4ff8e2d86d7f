"""Scheduled posts through ``SlackPoster``: Block Kit digests split within limits, their ts
returned (the scheduler records them, once), and channels that are gone reported as
``ChannelGone``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.adapters.slack_app import SlackPoster, make_web_client, post_messages
from bot.render.slack import SlackMessage
from bot.replies import ChannelGone, ChannelRef, DigestReply
from tests.fakes.chat_service import ferry_brief, reservoir_brief
from tests.fakes.slack import BOT_TOKEN, TEAM_ID, FakeSlack

CHANNEL = ChannelRef("slack", "C1", TEAM_ID)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


def poster(slack: FakeSlack) -> SlackPoster:
    return SlackPoster(make_web_client(slack.api_url, BOT_TOKEN))


async def test_a_long_digest_is_split_into_valid_messages(slack: FakeSlack) -> None:
    digest = DigestReply(
        "Daily digest — Mon 30 Nov 2026", tuple(reservoir_brief(i) for i in range(12)), "2026-11-30"
    )
    ids = await poster(slack).post(CHANNEL, digest)

    posted = slack.bot_messages("C1")
    assert len(posted) >= 2  # 12 stories do not fit in 50 blocks
    assert ids == [m.ts for m in posted]
    assert all(c.ok for c in slack.calls)  # every part passed Slack's checks
    assert posted[0].blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Daily digest — Mon 30 Nov 2026"},
    }
    assert "(part 1 of" in posted[0].text
    shown = "".join(str(m.blocks) for m in posted)
    for i in range(12):
        assert shown.count(f"(story {i})") == 1  # every story once, none cut in half


async def test_a_brief_is_posted_in_the_given_thread(slack: FakeSlack) -> None:
    [ts] = await poster(slack).post(CHANNEL, ferry_brief(), thread_id="1790000000.000001")
    assert slack.messages[("C1", ts)].thread_ts == "1790000000.000001"
    blocks = slack.messages[("C1", ts)].blocks
    kinds = [b["type"] for b in blocks]
    assert kinds[0] == "header"
    assert "context" in kinds  # who / where lines
    assert "actions" in kinds  # source link button
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert "*Objectives*\n• cut late-night road traffic across the causeway" in sections[1]
    assert "*Open issues*\n• who pays for extra dock lighting" in sections[2]


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived", "account_inactive"])
async def test_channel_that_is_gone_raises_channel_gone(slack: FakeSlack, error: str) -> None:
    slack.gone["C1"] = error
    with pytest.raises(ChannelGone, match=error):
        await poster(slack).post(CHANNEL, ferry_brief())


async def test_other_errors_are_not_mistaken_for_a_gone_channel(slack: FakeSlack) -> None:
    client = make_web_client(slack.api_url, "xoxb-revoked")
    with pytest.raises(Exception, match="invalid_auth") as caught:
        await SlackPoster(client).post(CHANNEL, ferry_brief())
    assert not isinstance(caught.value, ChannelGone)


async def test_blocks_slack_refuses_still_deliver_the_text(slack: FakeSlack) -> None:
    broken = SlackMessage(
        text="Lakeport ferry trial approved",
        blocks=({"type": "header", "text": {"type": "mrkdwn", "text": "x"}},),
    )
    client = make_web_client(slack.api_url, BOT_TOKEN)
    [ts] = await post_messages(client, "C1", [broken])
    attempts = slack.calls_to("chat.postMessage", ok_only=False)
    assert [a.response.get("error") for a in attempts] == ["invalid_blocks", None]
    assert slack.messages[("C1", ts)].text == "Lakeport ferry trial approved"

"""A channel's digest from the store: the briefs of its subscriptions made in a period, read,
filtered and grouped by ``bot.digest.build``."""

from __future__ import annotations

import functools
import logging

from bot.digest.build import Candidate, Filter, build_digest
from bot.replies import DigestReply
from bot.store import Store
from bot.store.channels import StoredCandidate
from summarizer.brief import Brief
from summarizer.errors import SummarizeError

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4096)
def parse_brief(brief_json: str) -> Brief | None:
    """Briefs are frozen values: when a thousand channels' digests share an article, its
    JSON is parsed once."""
    try:
        return Brief.from_json(brief_json)
    except SummarizeError as exc:
        log.warning("unreadable brief skipped error=%s", exc)
        return None


def to_candidate(stored: StoredCandidate) -> Candidate | None:
    brief = parse_brief(stored.brief_json)
    if brief is None:
        return None
    return Candidate(
        article_id=stored.article_id,
        feed_id=stored.feed_id,
        title=stored.title or brief.title,
        brief=brief,
        briefed_at=stored.briefed_at,
        url=stored.url or brief.url,
        outlet=stored.source or stored.feed_title,
        published=stored.published or brief.published,
        text=stored.text,
    )


async def collect_digest(
    store: Store,
    channel_key: str,
    since: float,
    until: float,
    *,
    max_items: int,
    title: str,
    period: str = "",
) -> DigestReply:
    """The digest of a channel's subscriptions for briefs made in (since, until]."""
    stored = await store.channels.candidates(channel_key, since, until)
    filters = {s.feed_id: Filter(s.keywords, s.pattern) for s in stored}
    candidates = [c for c in map(to_candidate, stored) if c is not None]
    return build_digest(candidates, filters, max_items=max_items, title=title, period=period)

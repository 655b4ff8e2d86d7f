"""Small builders shared by the chat-core tests (real Store, hand-written briefs)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.settings import Settings
from bot.store import NewArticle, Store
from summarizer.brief import Actor, Brief, Place


def settings_for(tmp_path: Path, **sections: dict[str, object]) -> Settings:
    """Settings with the store in ``tmp_path``; the fetcher may reach the tests' loopback servers
    (``fetch={"allow_private_networks": False}`` for the refusals a deployment sees)."""
    settings = Settings().replace("store", path=str(tmp_path / "briefbot.db"))
    settings = settings.replace("fetch", allow_private_networks=True)
    for name, changes in sections.items():
        settings = settings.replace(name, **changes)
    return settings


def brief(
    article_id: str,
    title: str,
    *,
    who: Sequence[str] = (),
    where: Sequence[str] = (),
    tldr: str = "",
    url: str | None = None,
) -> Brief:
    return Brief(
        id=article_id,
        title=title,
        tldr=tldr or f"{title}.",
        who=tuple(Actor(n, kind="organization" if n.isupper() else "person") for n in who),
        where=tuple(Place(n) for n in where),
        url=url,
        backend="test",
    )


async def add_briefed(
    store: Store,
    feed_id: int,
    article_id: str,
    title: str,
    *,
    now: float,
    who: Sequence[str] = (),
    where: Sequence[str] = (),
    source: str | None = None,
    text: str = "",
) -> None:
    """Store an article of a feed and its brief, as ingestion would have."""
    url = f"https://news.example/{article_id}"
    body = text or f"{title}. " + " ".join(list(who) + list(where)) + f" Reported as {article_id}."
    await store.articles.add(
        NewArticle(
            id=article_id,
            url=url,
            canonical_url=url,
            feed_id=feed_id,
            guid=article_id,
            title=title,
            source=source,
            text=body,
        ),
        now,
    )
    await store.articles.save_brief(brief(article_id, title, who=who, where=where, url=url), now)

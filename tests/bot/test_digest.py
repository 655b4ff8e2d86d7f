"""Digests as pure functions: filters, story grouping, ranking, the cap."""

from __future__ import annotations

import pytest

from bot.digest import Candidate, Filter, FilterError, build_digest, check_keywords, check_pattern
from tests.bot.chat_helpers import brief


def cand(
    article_id: str,
    title: str,
    *,
    outlet: str,
    at: float = 1000.0,
    who: tuple[str, ...] = (),
    where: tuple[str, ...] = (),
    feed_id: int = 1,
    text: str = "",
) -> Candidate:
    return Candidate(
        article_id=article_id,
        feed_id=feed_id,
        title=title,
        brief=brief(article_id, title, who=who, where=where),
        briefed_at=at,
        url=f"https://{outlet.lower().replace(' ', '')}.example/{article_id}",
        outlet=outlet,
        text=text,
    )


BRIDGE = [
    cand(
        "b1",
        "Calder Bridge reopens to traffic after two-year repair",
        outlet="Courier",
        who=("Ingrid Solberg", "AVERILL HARBOUR AUTHORITY"),
        where=("Port Averill",),
    ),
    cand(
        "b2",
        "Port Averill celebrates as Calder Bridge reopens",
        outlet="Daily",
        who=("Solberg",),
        where=("Port Averill", "Eastgate"),
    ),
    cand(
        "b3",
        "Calder Bridge reopening: Solberg promises review of toll plans",
        outlet="Wire",
        who=("Ingrid Solberg", "AVERILL HARBOUR AUTHORITY"),
        where=("Port Averill",),
    ),
]
LIBRARY = cand(
    "l1",
    "Port Averill library reopens its reading room",
    outlet="Courier",
    who=("Mara Quint",),
    where=("Port Averill",),
)
STRIKE = cand(
    "s1",
    "Halden teachers vote to strike over class sizes",
    outlet="Daily",
    at=2000.0,
    who=("Priya Natarajan",),
    where=("Halden County",),
)


def digest(cands: list[Candidate], filters: dict[int, Filter] | None = None, max_items: int = 10):  # type: ignore[no-untyped-def]
    return build_digest(cands, filters or {}, max_items=max_items, title="Daily digest")


def test_one_event_from_several_outlets_is_one_story_with_every_source() -> None:
    reply = digest([*BRIDGE, LIBRARY, STRIKE])
    stories = {item.article_id: item for item in reply.items}
    assert len(reply.items) == 3
    bridge = next(i for i in reply.items if "Bridge" in i.brief.title)
    assert {s.outlet for s in bridge.sources} == {"Courier", "Daily", "Wire"}
    assert bridge.sources[0].url == f"https://{bridge.sources[0].outlet.lower()}.example/{bridge.article_id}"  # type: ignore[union-attr]
    # Same town, different event: not merged.
    assert "l1" in stories
    assert len(stories["l1"].sources) == 1


def test_stories_covered_by_more_outlets_come_first_then_the_newest() -> None:
    older = cand("o1", "Museum returns carved masks", outlet="Courier", at=500.0, who=("Sofia Reyes",))
    reply = digest([older, STRIKE, *BRIDGE])
    titles = [i.brief.title for i in reply.items]
    assert "Bridge" in titles[0]
    assert titles[1:] == [STRIKE.title, older.title]


def test_the_digest_is_capped() -> None:
    many = [
        cand(f"x{i}", f"Unrelated story {i} about topic{i}", outlet=f"O{i}", at=float(i)) for i in range(30)
    ]
    reply = digest(many, max_items=5)
    assert len(reply.items) == 5
    assert [i.article_id for i in reply.items] == ["x29", "x28", "x27", "x26", "x25"]


def test_keyword_filters_match_whole_words_in_any_case() -> None:
    arts = [
        cand("k1", "Wind farm deal signed", outlet="A", text="The offshore WIND farm will power homes."),
        cand("k2", "Gallery opens new wing", outlet="B", text="Artists start work on the windows."),
        cand("k3", "Climate change talks resume", outlet="C", text="Delegates discussed climate change."),
    ]
    words = check_keywords(["wind,", "climate change"])
    reply = digest(arts, {1: Filter(keywords=words)})
    assert {i.article_id for i in reply.items} == {"k1", "k3"}
    # Only the subscribed feed's filter applies; other feeds pass.
    other = cand("k4", "Gallery opens", outlet="D", feed_id=2)
    assert "k4" in {i.article_id for i in digest([*arts, other], {1: Filter(keywords=words)}).items}


def test_regex_filters_and_a_pathological_pattern_cannot_hang_the_digest() -> None:
    arts = [cand(f"r{i}", f"Port report {i}", outlet=f"O{i}", text="a" * 5000 + "!") for i in range(20)]
    arts.append(cand("hit", "Harbour fees rise", outlet="Z", text="harbour fees"))
    assert [i.article_id for i in digest(arts, {1: Filter(pattern=r"harbou?r\s+fees")}).items] == ["hit"]
    # (a|aa)+$ backtracks exponentially on "aaaa…!": each try times out, then the pattern is dropped.
    reply = digest(arts, {1: Filter(pattern=r"(a|aa)+$")})
    assert reply.items == ()


def test_bad_filters_are_refused_with_a_reason() -> None:
    with pytest.raises(FilterError, match="not a valid regular expression"):
        check_pattern("(unclosed")
    with pytest.raises(FilterError, match="too long"):
        check_pattern("a" * 301)
    with pytest.raises(FilterError, match="empty"):
        check_pattern("  ")
    with pytest.raises(FilterError, match="Too many keywords"):
        check_keywords([",".join(f"w{i}" for i in range(21))])
    assert check_pattern(r"\bwind\b") == r"\bwind\b"
    assert check_keywords(["Wind, solar", "wind"]) == ("wind", "solar")


def test_hostile_titles_do_not_break_grouping() -> None:
    huge = "Council " + "approves budget " * 7000
    arts = [cand("h1", huge, outlet="A"), cand("h2", huge, outlet="B"), cand("h3", "", outlet="C")]
    reply = digest(arts)
    assert sum(len(i.sources) for i in reply.items) == 3
    assert len(reply.items) == 2

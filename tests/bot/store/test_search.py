"""The store's full-text search, on SQLite (FTS5) and PostgreSQL (tsvector) alike: what the
answerer's candidates are."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import NewArticle, Store
from summarizer.qa.question import analyse
from summarizer.qa.search import SearchTerm, search_terms
from tests.conftest import StoreTarget

FERRY = (
    "The Orrin Bay ferry will run through the night from May, the harbour board said. Harbour "
    "master Elena Vasquez said the board had bought two electric ferries for nine million pounds."
)
BAKERY = (
    "A bakery in Tolsey has won the national bread award for the third time. Owner Priya Nandi "
    "said she started baking at the age of nine. The shop sells about 1,400 loaves a week."
)
BANK = (
    "The Bank of Kellport raised interest rates to 4.5% on Thursday. England's other lenders "
    "said they would follow, while shoppers in Kellport worried about their mortgages."
)


@pytest.fixture
async def store(store_target: StoreTarget) -> AsyncIterator[Store]:
    s = await store_target.open()
    ferry_feed, _ = await s.feeds.add("https://ferry.example/feed.xml", 900, now=1.0)
    for n, (art_id, title, text, feed, published) in enumerate(
        [
            ("ferry", "Orrin Bay ferry to run all night", FERRY, ferry_feed.id, "2031-05-01T08:00:00Z"),
            ("bakery", "Tolsey bakery wins bread award again", BAKERY, None, "2031-04-01T08:00:00Z"),
            ("bank", "Kellport bank raises rates", BANK, None, None),
        ]
    ):
        new = NewArticle(id=art_id, title=title, text=text, feed_id=feed, published=published)
        await s.articles.add(new, now=100.0 + n)
    yield s
    await s.close()


def terms(*words: str) -> list[SearchTerm]:
    return [SearchTerm(w, 1.0) for w in words]


async def test_search_finds_the_articles_with_the_words_best_first(store: Store) -> None:
    found = await store.articles.search(terms("Vasquez", "ferries"), limit=5)
    assert [f.id for f in found] == ["ferry"]
    assert found[0].title == "Orrin Bay ferry to run all night"
    assert "Elena Vasquez" in found[0].text
    found = await store.articles.search(terms("bakery", "Kellport", "nine"), limit=5)
    assert {f.id for f in found} == {"bakery", "bank", "ferry"}
    assert found[0].score >= found[1].score >= found[2].score
    assert len(await store.articles.search(terms("bakery", "Kellport", "nine"), limit=2)) == 2


async def test_a_name_of_several_words_is_searched_as_a_phrase(store: Store) -> None:
    # "Bank of Kellport" is one name: the bakery text has "bank" nowhere, the ferry text has
    # neither; only the article naming it matches the phrase.
    found = await store.articles.search([SearchTerm("Bank of Kellport", 1.6)], limit=5)
    assert [f.id for f in found] == ["bank"]
    assert await store.articles.search([SearchTerm("Kellport lenders", 1.6)], limit=5) == []


async def test_search_keeps_to_feeds_and_leaves_out_the_excluded(store: Store) -> None:
    words = terms("harbour", "bakery", "Kellport")
    ferry_feed = (await store.feeds.list_all())[0].id
    in_feed = await store.articles.search(words, limit=5, feed_ids=[ferry_feed])
    # Articles fetched on request (no feed) belong to every channel's scope.
    assert {f.id for f in in_feed} == {"ferry", "bakery", "bank"}
    assert {f.id for f in await store.articles.search(words, limit=5, feed_ids=[ferry_feed + 1])} == {
        "bakery",
        "bank",
    }
    assert await store.articles.search(words, limit=5, feed_ids=[]) == []
    assert "ferry" not in {f.id for f in await store.articles.search(words, limit=5, exclude="ferry")}


async def test_among_equal_scores_the_newer_article_comes_first(store_target: StoreTarget) -> None:
    store = await store_target.open()
    try:
        text = "The Kestrel Bridge reopened after repairs, the council said on its website today."
        for art_id, published in (("old", "2030-01-01T00:00:00Z"), ("new", "2031-01-01T00:00:00Z")):
            new = NewArticle(
                id=art_id, title="Bridge reopens", text=f"{text} ({art_id} edition)", published=published
            )
            await store.articles.add(new, now=1.0)
        found = await store.articles.search(terms("Kestrel", "bridge"), limit=2)
        assert [f.id for f in found] == ["new", "old"]
    finally:
        await store.close()


async def test_what_users_type_is_never_read_as_query_syntax(store: Store) -> None:
    for question in (
        'NEAR(ferry bakery) OR * AND title:Tolsey "',
        "'; DROP TABLE articles; --",
        "ferry* -bakery ^title {text}:x",
        "\x00\u202e🚢",
    ):
        found = await store.articles.search(search_terms(analyse(question)), limit=5)
        assert all(f.id in {"ferry", "bakery", "bank"} for f in found)
    assert await store.articles.count() == 3


async def test_document_frequency_and_a_duplicate_s_id_lead_to_the_stored_article(store: Store) -> None:
    words = [
        SearchTerm(w, 1.0)
        for w in ("Kellport", "nine", "", "Bank of Kellport", "Kellport lenders", "Kell\x00port")
    ]
    assert await store.articles.document_frequencies(words) == [1, 2, 0, 1, 0, 0]
    # The same story again under another id is merged; asking by either id finds it.
    _, created = await store.articles.add(NewArticle(id="ferry-copy", title="Ferry", text=FERRY), now=200.0)
    assert not created
    found = await store.articles.found("ferry-copy")
    assert found is not None
    assert found.id == "ferry"
    assert await store.articles.found("no-such-article") is None


FILLER = (
    "The council met on Tuesday evening to discuss the budget for the coming year, and members "
    "agreed to publish the minutes before the end of the month."
)


async def _ids(store: Store, words: list[SearchTerm], **kwargs: object) -> list[str]:
    return [f.id for f in await store.articles.search(words, limit=5, **kwargs)]  # type: ignore[arg-type]


async def test_a_title_match_ranks_above_a_mention_in_the_text(store_target: StoreTarget) -> None:
    store = await store_target.open()
    try:
        for key, title, text in (
            ("body", "Council budget", f"{FILLER} A levee was mentioned once. {FILLER}"),
            ("title", "Levee strike ends", FILLER),
            ("other", "Rail timetable", FILLER),
        ):
            await store.articles.add(NewArticle(id=key, title=title, text=text), now=1.0)
        assert await _ids(store, terms("levee")) == ["title", "body"]
    finally:
        await store.close()


async def test_a_word_finds_its_other_forms_and_the_index_follows_fetched_text(
    store_target: StoreTarget,
) -> None:
    store = await store_target.open()
    try:
        await store.articles.add(NewArticle(id="late", url="https://n.example/late"), now=1.0)
        assert await _ids(store, terms("levee")) == []
        text = f"Engineers signed off the levee a metre higher before the storm. {FILLER}"
        assert await store.articles.mark_fetched("late", text=text, now=2.0) is None
        assert await _ids(store, terms("signing")) == ["late"]  # stemmed on both engines
        # The same text fetched for another article: merged, and found once.
        await store.articles.add(NewArticle(id="copy", url="https://n.example/copy"), now=3.0)
        assert await store.articles.mark_fetched("copy", text=text, now=4.0) == "late"
        assert await _ids(store, terms("levee")) == ["late"]
    finally:
        await store.close()


async def test_a_rare_word_outweighs_a_common_one_said_often(store_target: StoreTarget) -> None:
    """What BM25's inverse document frequency does on SQLite, PostgreSQL's ranking does too:
    the one article naming Vasquez answers "what did the council say about Vasquez?" better
    than the one saying "council" five times, a word most articles have."""
    store = await store_target.open()
    try:
        articles = [(f"minutes-{n}", "Council minutes", FILLER) for n in range(6)]
        articles += [
            (
                "repeat",
                "Council, council",
                "The council said the council and the council's council " + FILLER,
            ),
            ("rare", "New bakery opens", "Elena Vasquez opened the bakery in the high street on Monday."),
        ]
        for key, title, text in articles:
            await store.articles.add(NewArticle(id=key, title=title, text=text), now=1.0)
        found = await _ids(store, terms("council", "Vasquez"))
        assert found[0] == "rare"
        assert found[1] == "repeat"
    finally:
        await store.close()


async def test_a_channel_s_own_article_is_found_however_many_others_match_better(
    store_target: StoreTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The feeds a channel follows narrow the search before PostgreSQL's shortlist is drawn."""
    from bot.store import search

    monkeypatch.setattr(search, "SHORTLIST", 2)
    store = await store_target.open()
    try:
        feed, _ = await store.feeds.add("https://levee.example/feed.xml", 900, now=1.0)
        other, _ = await store.feeds.add("https://other.example/feed.xml", 900, now=1.0)
        quiet = NewArticle(
            id="quiet", title="Storm", text=f"A levee was inspected. {FILLER}", feed_id=feed.id
        )
        await store.articles.add(quiet, now=1.0)  # stored first: last among equals
        for n in range(4):
            text = f"The levee held, the levee engineers said of levee section {n}."
            loud = NewArticle(id=f"loud-{n}", title="Levee levee", text=text, feed_id=other.id)
            await store.articles.add(loud, now=1.0)
        assert await _ids(store, terms("levee"), feed_ids=[feed.id]) == ["quiet"]
        assert "loud-3" not in await _ids(store, terms("levee"), exclude="loud-3")
    finally:
        await store.close()


async def test_a_large_store_s_word_counts_come_from_postgresql_s_statistics(
    pg_target: StoreTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past EXACT_COUNT_BELOW articles a single word's count is read from what ANALYZE keeps;
    a phrase, and a store not analysed yet, are counted."""
    from bot.store import search

    store = await pg_target.open()
    try:
        for n in range(40):
            text = f"{FILLER} Item {n}." + (" The levee held." if n % 4 == 0 else "")
            await store.articles.add(NewArticle(id=f"a{n}", title=f"Minutes {n}", text=text), now=1.0)
        monkeypatch.setattr(search, "EXACT_COUNT_BELOW", 20)
        levee = SearchTerm("levee", 1.0)
        assert await store.articles.document_frequencies([levee]) == [10]  # not analysed: counted
        await store.db.execute("ANALYZE articles_search")
        for n in range(4):  # arrive after ANALYZE: the statistics know them at the next one
            await store.articles.add(
                NewArticle(id=f"b{n}", title="Levee", text=f"The levee held {n}."), now=1.0
            )
        words = [SearchTerm(w, 1.0) for w in ("council", "levee", "levee held", "Vasquez")]
        council, levee_, phrase, untracked = await store.articles.document_frequencies(words)
        assert (council, levee_) == (40, 10)  # as ANALYZE saw them
        assert phrase == 14  # a phrase is counted
        assert untracked < 5  # a word ANALYZE does not track is rare
    finally:
        await store.close()


async def test_both_engines_score_the_same_articles_alike(pg_target: StoreTarget, tmp_path: Path) -> None:
    """What the answerer reads of a search (scores relative to the best one's, and their
    order) is the same whichever engine found the articles: its confidence depends on it."""
    stores = [await Store.open(tmp_path / "briefbot.db"), await pg_target.open()]
    try:
        for s in stores:
            for n, (art_id, title, text) in enumerate(
                [
                    ("ferry", "Orrin Bay ferry to run all night", FERRY),
                    ("bakery", "Tolsey bakery wins bread award again", BAKERY),
                    ("bank", "Kellport bank raises rates", BANK),
                    ("board", "Harbour board meets", f"The harbour board met again. {FILLER}"),
                ]
            ):
                await s.articles.add(NewArticle(id=art_id, title=title, text=text), now=1.0 + n)
        for question in (
            "What did the harbour board buy for nine million pounds?",
            "Who owns the bakery in Tolsey that won the bread award?",
            "What did the Bank of Kellport do on Thursday?",
        ):
            sqlite, postgres = [
                await s.articles.search(search_terms(analyse(question)), limit=5) for s in stores
            ]
            assert [f.id for f in sqlite] == [f.id for f in postgres]
            assert [f.score for f in sqlite] == pytest.approx([f.score for f in postgres])
            if question.startswith("What did the harbour"):  # found: the ferry, then the board
                assert len(sqlite) > 1
                assert sqlite[0].score > sqlite[-1].score > 0
    finally:
        for s in stores:
            await s.close()

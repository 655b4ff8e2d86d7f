"""LocalBackend as the bot uses it: one brief, a batch with bad articles in place, async calls."""

from __future__ import annotations

import json

import pytest

from summarizer.brief import Article, Brief
from summarizer.errors import SummarizeError
from summarizer.local import LocalBackend
from tests.summarizer.fixtures import FISHING_TALKS, HARBOUR_VOTE

GERMAN = (
    "Die Hafenbehörde hat am Dienstag einen sechsmonatigen Versuch mit Nachtfähren genehmigt, nachdem "
    "Pendler und Hotelbesitzer monatelang Druck gemacht hatten."
)


def test_name_reports_the_model(backend: LocalBackend) -> None:
    assert backend.name == "local:en_core_web_sm-3.8.0"


def test_brief_sync_fills_the_contract(backend: LocalBackend) -> None:
    article = Article(
        id="talks-1", title="Fishing talks open", text=FISHING_TALKS, url="https://example.org/t"
    )
    brief = backend.brief_sync(article)
    assert (brief.id, brief.title, brief.url, brief.backend) == (
        "talks-1",
        "Fishing talks open",
        "https://example.org/t",
        backend.name,
    )
    assert brief.tldr.startswith("Norwegian Foreign Minister Ingrid Solberg")
    data = json.loads(brief.to_json())
    assert set(data) == {
        "id",
        "title",
        "url",
        "published",
        "tldr",
        "who",
        "where",
        "objectives",
        "open_issues",
        "backend",
    }
    assert set(data["who"][0]) == {"name", "role", "kind", "mentions"}  # aliases stay out of the JSON
    assert set(data["where"][0]) == {"name", "detail", "mentions"}
    assert Brief.from_json(brief.to_json()) == brief


@pytest.mark.parametrize(("text", "reason"), [("", "empty"), ("   ", "empty"), (GERMAN, "English")])
def test_brief_sync_raises_a_clear_error(backend: LocalBackend, text: str, reason: str) -> None:
    with pytest.raises(SummarizeError, match=reason):
        backend.brief_sync(Article(id="bad", text=text))


def test_a_batch_keeps_order_and_puts_errors_in_place(backend: LocalBackend) -> None:
    articles = [
        Article(id="a", text=FISHING_TALKS),
        Article(id="b", text=""),
        Article(id="c", text=GERMAN),
        Article(id="d", text=HARBOUR_VOTE),
    ]
    results = backend.brief_batch(articles)
    assert [type(r) for r in results] == [Brief, SummarizeError, SummarizeError, Brief]
    assert isinstance(results[0], Brief)
    assert results[0].id == "a"
    assert isinstance(results[3], Brief)
    assert results[3].id == "d"
    assert "empty" in str(results[1])


async def test_async_calls_give_the_same_briefs(backend: LocalBackend) -> None:
    article = Article(id="h", text=HARBOUR_VOTE)
    assert await backend.brief(article) == backend.brief_sync(article)
    many = await backend.brief_many([article, Article(id="x", text="")])
    assert isinstance(many[0], Brief)
    assert isinstance(many[1], SummarizeError)
    with pytest.raises(SummarizeError):
        await backend.brief(Article(id="x", text=GERMAN))


def test_a_book_length_text_is_briefed_from_its_beginning(backend: LocalBackend) -> None:
    text = (FISHING_TALKS + "\n") * 400  # about 450,000 characters, beyond the model's own limit
    brief = backend.brief_sync(Article(id="long", text=text))
    assert brief.who[0].name == "Ingrid Solberg"


def test_a_title_of_a_million_characters_is_capped_not_fatal(backend: LocalBackend) -> None:
    """spaCy refuses texts over nlp.max_length (E088): the title is capped as the text is."""
    huge = "Harbour " * 140_000  # 1.12 million characters
    results = backend.brief_batch(
        [Article(id="a", text=FISHING_TALKS), Article(id="big", title=huge, text=HARBOUR_VOTE)]
    )
    assert [type(r) for r in results] == [Brief, Brief]
    assert isinstance(results[1], Brief)
    assert 0 < len(results[1].title) <= 1000
    assert results[1].title.startswith("Harbour Harbour")


def test_an_article_the_model_cannot_parse_costs_only_itself(
    backend: LocalBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whatever makes the model raise on one document (here its length limit, lowered so that
    # one article of the batch exceeds it), the others of its batch are briefed.
    monkeypatch.setattr(backend.nlp, "max_length", len(FISHING_TALKS) + 100)
    articles = [
        Article(id="a", text=FISHING_TALKS),
        Article(id="long", text=HARBOUR_VOTE + "\n\n" + FISHING_TALKS),
        Article(id="c", text=FISHING_TALKS.replace("Norwegian", "Icelandic")),
    ]
    results = backend.brief_batch(articles)
    assert [type(r) for r in results] == [Brief, SummarizeError, Brief]
    assert "could not brief" in str(results[1])

"""QuestionAnswerer over a real SQLite store: threads, channel-wide, memory, scope, hostile input."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.qa import AskScope, QuestionAnswerer
from bot.store import NewArticle, Store
from summarizer.answer import Answer
from summarizer.brief import Actor, Brief
from summarizer.llm import LLMAnswerBackend, LLMClient, LLMConfig
from summarizer.qa import ExtractiveAnswerBackend
from summarizer.qa.model import load
from tests.conftest import ROOT
from tests.fakes.openai_server import FakeOpenAI, content, error

FIXTURES = ROOT / "tests" / "fixtures" / "qa"
# The people each fixture story is mainly about, as a brief would list them.
PEOPLE = {
    "fx-harbour-strike": ("Teresa Okafor", "Martin Selby"),
    "fx-council-budget": ("Alan Brierley", "Sophie Marchetti"),
    "fx-football-transfer": ("Mateo Ferraz", "Graham Pike"),
    "fx-chip-plant": ("Rachel Imbert",),
    "fx-flood": ("Colin Ashworth",),
    "fx-by-election": ("Helen Achterberg",),
    "fx-migraine-trial": ("Ingrid Solberg",),
    "fx-airline-strike": ("Owen Fairley",),
}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


ARTICLES = read_jsonl(FIXTURES / "articles.jsonl")
QUESTIONS = read_jsonl(FIXTURES / "questions.jsonl")


async def fill(store: Store, articles: list[dict[str, Any]] = ARTICLES, feed_id: int | None = None) -> None:
    """Store and "brief" the fixture stories as ingestion would (briefs made by hand: fast)."""
    for n, a in enumerate(articles):
        new = NewArticle(
            id=a["id"],
            title=a["title"],
            url=a["url"],
            source=a["source"],
            published=a["published"],
            text=a["text"],
            feed_id=feed_id,
        )
        await store.articles.add(new, now=1000.0 + n)
        who = tuple(Actor(name, kind="person") for name in PEOPLE.get(a["id"], ()))
        tldr = a["text"].split(". ")[0] + "."
        brief = Brief(id=a["id"], title=a["title"], tldr=tldr, who=who, backend="test", url=a["url"])
        await store.articles.save_brief(brief, now=2000.0 + n)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(tmp_path / "briefbot.db")
    await fill(s)
    yield s
    await s.close()


def quoted(answer: Answer, phrase: str) -> bool:
    return answer.answer is not None and bool(answer.citations) and phrase in answer.citations[0].quote


async def test_answers_in_the_story_s_thread_quote_the_answer(store: Store) -> None:
    qa = QuestionAnswerer(store, ExtractiveAnswerBackend())
    answerable = [q for q in QUESTIONS if q["answer"]]
    misses = []
    for q in answerable:
        answer = await qa.ask(q["question"], AskScope(article_id=q["article"]))
        if not quoted(answer, q["answer"]):
            misses.append((q["question"], answer.citations[0].quote if answer.citations else None))
    assert len(misses) <= 0.1 * len(answerable), misses


async def test_answers_channel_wide_find_the_story(store: Store) -> None:
    qa = QuestionAnswerer(store, ExtractiveAnswerBackend())
    answerable = [q for q in QUESTIONS if q["answer"]]
    misses = []
    for q in answerable:
        answer = await qa.ask(q["question"])
        if not (quoted(answer, q["answer"]) and answer.citations[0].id == q["article"]):
            misses.append((q["question"], answer.citations[0].quote if answer.citations else None))
    assert len(misses) <= 0.2 * len(answerable), misses


async def test_an_answer_cites_title_link_and_the_sentence(store: Store) -> None:
    qa = QuestionAnswerer(store, ExtractiveAnswerBackend())
    answer = await qa.ask("Who is the general secretary of the dock workers' union?")
    assert answer.answer is not None
    assert "Teresa Okafor" in answer.answer
    c = answer.citations[0]
    assert c.id == "fx-harbour-strike"
    assert c.title == "Dock workers walk out at Port Calloway over pay"
    assert c.url == "https://news.example/2031/03/port-calloway-strike"
    assert c.source == "Briefbot Test Wire"
    assert "Teresa Okafor" in c.quote
    assert c.quote in ARTICLES[0]["text"].replace("\n", " ")


async def test_questions_nothing_stored_answers_get_i_dont_know(store: Store) -> None:
    qa = QuestionAnswerer(store, ExtractiveAnswerBackend())
    for question in (
        "Who won the 2019 Rugby World Cup?",
        "What did the chancellor say about inflation in 2040?",
        "How many people live on Mars?",
        "When did Kestrel United win the Champions League?",
        "Why did Morvik Pharma move its headquarters to Singapore?",
    ):
        answer = await qa.ask(question)
        assert answer.answer is None, (question, answer)
        assert answer.citations == ()


async def test_in_a_thread_a_question_nothing_stored_answers_gets_i_dont_know(store: Store) -> None:
    qa = QuestionAnswerer(store, ExtractiveAnswerBackend())
    for article, question in (
        ("fx-airline-strike", "Who won the 2019 Rugby World Cup?"),
        ("fx-migraine-trial", "What does lorvatinib cost in the United States?"),
        ("fx-by-election", "What is Helen Achterberg's position on nuclear power?"),
        ("fx-council-budget", "Did the Northmere judicial review succeed in 2032?"),
    ):
        answer = await qa.ask(question, AskScope(article_id=article))
        assert answer.answer is None, (question, answer.answer)


async def test_a_follow_up_resolves_she_from_the_previous_turn(store: Store) -> None:
    qa = QuestionAnswerer(store, ExtractiveAnswerBackend(), clock=lambda: 5000.0)
    scope = AskScope(thread_key="console::general:t1")
    first = await qa.ask("Who leads the opposition group on Northmere council?", scope)
    assert quoted(first, "Sophie Marchetti")
    second = await qa.ask("What did she promise?", scope)
    # Without the earlier turn, "she promised" would as well fit the by-election winner.
    assert second.citations
    assert second.citations[0].id == "fx-council-budget"
    assert "reverse" in second.citations[0].quote
    turns = await store.conversations.recent("console::general:t1", now=5000.0)
    assert [t.question for t in turns] == [
        "Who leads the opposition group on Northmere council?",
        "What did Sophie Marchetti promise?",
    ]
    assert turns[-1].article_id == "fx-council-budget"


async def test_he_or_she_in_a_thread_means_the_story_s_main_person(store: Store) -> None:
    qa = QuestionAnswerer(store, ExtractiveAnswerBackend(), clock=lambda: 5000.0)
    scope = AskScope(thread_key="slack:T1:C1:1700000000.1", article_id="fx-chip-plant")
    answer = await qa.ask("Why did she choose Dayton?", scope)
    assert quoted(answer, "engineers, its universities and its water")
    turns = await store.conversations.recent("slack:T1:C1:1700000000.1", now=5000.0)
    assert turns[0].question == "Why did Rachel Imbert choose Dayton?"


async def test_memory_is_per_thread_bounded_and_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    store = await Store.open(path)
    for i in range(store.conversations.max_turns + 7):
        await store.conversations.add("thread-a", f"question {i}", f"answer {i}", None, now=100.0 + i)
    await store.conversations.add("thread-b", "other", None, None, now=200.0)
    await store.close()

    store = await Store.open(path)
    try:
        assert await store.conversations.count("thread-a") == store.conversations.max_turns
        last = await store.conversations.recent("thread-a", limit=2, now=300.0)
        assert [t.question for t in last] == ["question 25", "question 26"]
        other = await store.conversations.recent("thread-b", now=300.0)
        assert [(t.question, t.answer) for t in other] == [("other", None)]
        # A month later the thread is forgotten.
        assert await store.conversations.recent("thread-a", now=300.0 + 31 * 86400) == []
        assert await store.conversations.prune(now=300.0 + 31 * 86400) == store.conversations.max_turns + 1
    finally:
        await store.close()


async def test_hostile_questions_are_answered_or_declined_never_crash(store: Store) -> None:
    qa = QuestionAnswerer(store, ExtractiveAnswerBackend())
    hostile = [
        "",
        "   ",
        "???",
        '"',
        '"unbalanced quote about Port Calloway',
        "NEAR(strike pay) OR * AND title:Calloway",
        "text: ^strike* {title text}: -pay",
        "'; DROP TABLE articles; --",
        "Robert'); DELETE FROM turns; --",
        "<@U0123> <!channel> @everyone @here who is the harbour master?",
        "strike " * 2000,  # about 14 KB
        "x" * 10_000,
        "🚢🚢🚢 ¿Quién? 港口罢工 \u202eevil\u202c \x00 null byte",
    ]
    for question in hostile:
        answer = await qa.ask(question, AskScope(thread_key="t:hostile"))
        assert answer.answer is None or answer.citations, question
    answer = await qa.ask("<@U0123> <!channel> how much is the port losing each day?")
    assert quoted(answer, "£15m a day")
    assert await store.articles.count() == len(ARTICLES)
    assert await store.conversations.count("t:hostile") == len(hostile)


async def test_a_thread_asks_its_story_first_then_everything(store: Store) -> None:
    qa = QuestionAnswerer(store, ExtractiveAnswerBackend())
    # "the strike" in the airline story's thread is the controllers' strike …
    answer = await qa.ask(
        "How many flights were cancelled because of the strike?", AskScope(article_id="fx-airline-strike")
    )
    assert answer.citations
    assert answer.citations[0].id == "fx-airline-strike"
    # … and a question its story does not answer is looked up in everything else.
    answer = await qa.ask(
        "How many homes were evacuated in Ashcombe?", AskScope(article_id="fx-airline-strike")
    )
    assert quoted(answer, "400 homes")
    assert answer.citations[0].id == "fx-flood"
    # An unknown thread article: asked about everything.
    answer = await qa.ask("Who is the Kestrel United manager?", AskScope(article_id="no-such-article"))
    assert quoted(answer, "Graham Pike")


async def test_the_thread_s_story_and_the_search_each_meet_their_own_threshold(store: Store) -> None:
    question = "How many homes were evacuated in Ashcombe?"  # the airline story does not say
    thread = AskScope(article_id="fx-airline-strike")
    trusting_thread = replace(load(), thread_threshold=0.0, wide_threshold=1.0)
    qa = QuestionAnswerer(store, ExtractiveAnswerBackend(model=trusting_thread))
    answer = await qa.ask(question, thread)
    assert answer.citations[0].id == "fx-airline-strike"  # the thread's story, however unsure
    assert (await qa.ask(question)).answer is None  # channel-wide: nothing is sure enough
    trusting_search = replace(load(), thread_threshold=1.0, wide_threshold=0.0)
    qa = QuestionAnswerer(store, ExtractiveAnswerBackend(model=trusting_search))
    answer = await qa.ask(question, thread)
    assert quoted(answer, "400 homes")  # the thread's story held back; the search answered
    assert answer.citations[0].id == "fx-flood"


async def test_a_thread_whose_story_came_twice_asks_the_stored_copy(store: Store) -> None:
    # The same story arrived again under another id and was merged into the first: a thread
    # opened on the second id still asks that story first ("the spokesman" is the airline's,
    # not the spokesman another story quotes).
    airline = next(a for a in ARTICLES if a["id"] == "fx-airline-strike")
    again = NewArticle(id="airline-again", title="Strike", text=airline["text"])
    _, created = await store.articles.add(again, 9.0)
    assert not created
    qa = QuestionAnswerer(store, ExtractiveAnswerBackend())
    answer = await qa.ask("Who is the spokesman?", AskScope(article_id="airline-again"))
    assert quoted(answer, "Owen Fairley")
    assert answer.citations[0].id == "fx-airline-strike"


async def test_channel_scope_keeps_to_its_feeds(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "scoped.db")
    try:
        sport, _ = await store.feeds.add("https://sport.example/feed.xml", 900, now=1.0)
        local, _ = await store.feeds.add("https://local.example/feed.xml", 900, now=1.0)
        by_id = {a["id"]: a for a in ARTICLES}
        await fill(store, [by_id["fx-football-transfer"]], feed_id=sport.id)
        await fill(store, [by_id["fx-flood"]], feed_id=local.id)
        qa = QuestionAnswerer(store, ExtractiveAnswerBackend())
        question = "How many homes were evacuated in Ashcombe?"
        assert (await qa.ask(question, AskScope(feed_ids=(sport.id,)))).answer is None
        assert quoted(await qa.ask(question, AskScope(feed_ids=(local.id,))), "400 homes")
        assert quoted(await qa.ask(question), "400 homes")
        assert (await qa.ask(question, AskScope(feed_ids=()))).answer is None
    finally:
        await store.close()


async def test_an_empty_store_does_not_know(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "empty.db")
    try:
        answer = await QuestionAnswerer(store, ExtractiveAnswerBackend()).ask("Who is the harbour master?")
        assert answer.answer is None
    finally:
        await store.close()


# -- with an LLM configured ---------------------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


def llm_answerer(store: Store, http: httpx.AsyncClient, fake: FakeOpenAI) -> QuestionAnswerer:
    config = LLMConfig(base_url=fake.base_url, model="fake-model", timeout=5.0, max_retries=0)
    backend = LLMAnswerBackend(LLMClient(http, config), ExtractiveAnswerBackend())
    return QuestionAnswerer(store, backend)


async def test_llm_answer_cites_the_best_retrieved_passage(store: Store, fake: FakeOpenAI) -> None:
    fake.script(
        content({"answer": "Port Calloway loses about £15m a day during the strike.", "citations": [1]})
    )
    async with httpx.AsyncClient() as http:
        answer = await llm_answerer(store, http, fake).ask(
            "How much is the port losing each day of the strike?"
        )
    assert answer.backend == "llm:fake-model"
    assert answer.answer == "Port Calloway loses about £15m a day during the strike."
    assert answer.citations[0].id == "fx-harbour-strike"
    assert "£15m a day" in answer.citations[0].quote
    # The model saw the sentence holding the answer first, as data.
    prompt = fake.completions[0].user_text
    first = prompt.split('<passage n="1"', 1)[1].split("</passage>", 1)[0]
    assert "£15m a day" in first


async def test_a_failing_llm_falls_back_to_the_extractive_answer(store: Store, fake: FakeOpenAI) -> None:
    fake.responder = lambda _: error(500, "model crashed")
    async with httpx.AsyncClient() as http:
        answer = await llm_answerer(store, http, fake).ask(
            "How much is the port losing each day of the strike?"
        )
    assert answer.backend == "extractive"
    assert quoted(answer, "£15m a day")

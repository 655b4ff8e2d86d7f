"""bot/app.py builds the configured backends from settings (used by `brief` now, `ask` later)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import (
    make_answer_backend,
    make_llm_client,
    make_llm_http,
    open_brief_backend,
    open_llm,
)
from bot.credentials import Credentials, load_credentials
from bot.settings import Settings
from bot.store import Store
from summarizer.answer import Passage
from summarizer.errors import ConfigError
from summarizer.llm import LLMAnswerBackend, LLMBriefBackend, Usage
from summarizer.local import LocalBackend
from tests.fakes.openai_server import FakeOpenAI, content
from tests.summarizer.llm.test_answer_backend import StandIn


def llm_settings(base_url: str, tmp_path: Path, model: str = "fake-model") -> Settings:
    settings = Settings().replace("summarizer", backend="llm").replace("llm", base_url=base_url, model=model)
    return settings.replace("store", path=str(tmp_path / "db" / "briefbot.db"))


async def test_local_settings_build_local_backends() -> None:
    async with open_llm(Settings(), Credentials()) as llm:
        assert llm is None
        with open_brief_backend(Settings(), llm) as backend:
            assert isinstance(backend, LocalBackend)
        fallback = StandIn()
        assert make_answer_backend(Settings(), fallback, llm) is fallback


async def test_llm_settings_build_llm_backends_sharing_one_client(fake: FakeOpenAI, tmp_path: Path) -> None:
    settings = llm_settings(fake.base_url, tmp_path)
    fake.script(content({"answer": "Ticket sales rose by a fifth.", "citations": [1]}, usage=(50, 7)))
    store = await Store.open(settings.store.path)
    try:
        async with open_llm(settings, Credentials(), store) as llm:
            assert llm is not None
            answer_backend = make_answer_backend(settings, StandIn(), llm)
            with open_brief_backend(settings, llm, cache=store.llm) as brief_backend:
                assert isinstance(brief_backend, LLMBriefBackend)
                assert brief_backend.name == "llm:fake-model"
            assert isinstance(answer_backend, LLMAnswerBackend)
            assert answer_backend.name == "llm:fake-model"
            passage = Passage("ferry-9", "The night ferry trial was extended. Ticket sales rose by a fifth.")
            answer = await answer_backend.answer("Did sales rise?", [passage])
        assert answer.answer == "Ticket sales rose by a fifth."
        assert await store.llm.usage() == {"fake-model": Usage(1, 50, 7)}
    finally:
        await store.close()


async def test_key_comes_from_the_named_variable(fake: FakeOpenAI, tmp_path: Path) -> None:
    settings = llm_settings(fake.base_url, tmp_path).replace("llm", api_key_env="MY_LLM_KEY")
    async with make_llm_http(settings) as http:
        with_key = load_credentials(settings, {"MY_LLM_KEY": "k-1", "OPENAI_API_KEY": "other"})
        assert make_llm_client(settings, http, with_key).config.api_key == "k-1"
        assert make_llm_client(settings, http, load_credentials(settings, {})).config.api_key is None


@pytest.mark.parametrize(
    ("base_url", "model", "named"), [("", "m", "base_url"), ("http://127.0.0.1:1/v1", " ", "model")]
)
async def test_incomplete_llm_settings_name_the_key(
    tmp_path: Path, base_url: str, model: str, named: str
) -> None:
    settings = llm_settings(base_url, tmp_path, model=model)
    with pytest.raises(ConfigError, match=rf"\[llm\] {named}"):
        async with open_llm(settings, Credentials()):
            pass


async def test_usage_accumulates_across_runs_in_the_store(tmp_path: Path) -> None:
    path = tmp_path / "db" / "briefbot.db"
    store = await Store.open(path)
    assert await store.llm.usage() == {}
    await store.llm.add_usage("m", Usage(2, 100, 10))
    await store.llm.add_usage("other", Usage(1, 1, 1))
    await store.llm.add_usage("idle", Usage())  # a run that made no request records nothing
    await store.close()
    store = await Store.open(path)  # a later run adds to what is recorded
    await store.llm.add_usage("m", Usage(1, 50, 5))
    assert await store.llm.usage() == {"m": Usage(3, 150, 15), "other": Usage(1, 1, 1)}
    await store.close()

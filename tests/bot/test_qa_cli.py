"""`briefbot ask` as a user (or a scoring script) runs it: a real process over a store we fill."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from bot.store import Store
from tests.bot.test_qa import fill
from tests.conftest import ROOT
from tests.fakes.openai_server import FakeOpenAI, content, error


async def briefbot(*args: str, stdin: str = "") -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env={**os.environ, "BRIEFBOT_CONFIG": ""},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def filled_config(tmp_path: Path, extra: str = "") -> Path:
    db = tmp_path / "data" / "briefbot.db"
    store = await Store.open(db)
    await fill(store)
    await store.close()
    cfg = tmp_path / "briefbot.toml"
    cfg.write_text(f'[store]\npath = "{db}"\n{extra}')
    return cfg


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


async def test_ask_json_lines_on_stdin_one_answer_per_line(tmp_path: Path) -> None:
    cfg = await filled_config(tmp_path)
    questions = [
        {"question": "How many homes were evacuated?", "thread": "fx-flood"},
        {"question": "Who is the Kestrel United manager?"},
        {"question": "Who won the 2019 Rugby World Cup?"},
        {"question": "What pay rise is the union demanding?", "thread": "fx-harbour-strike"},
    ]
    stdin = "\n".join(json.dumps(q) for q in questions) + "\n\nnot json at all {\n" + '{"question": 7}\n'
    code, out, err = await briefbot("ask", "--json", "-", "--config", str(cfg), stdin=stdin)
    assert code == 0, err
    answers = lines(out)
    assert len(answers) == 6  # the blank line is skipped; the bad line still gets its line out
    flood, manager, unknown, pay, plain, bad = answers
    assert set(flood) == {"answer", "citations", "confidence"}
    assert flood["citations"][0]["id"] == "fx-flood"
    assert "400 homes" in flood["citations"][0]["quote"]
    assert set(flood["citations"][0]) == {"id", "title", "url", "quote"}
    assert flood["citations"][0]["url"] == "https://news.example/2031/11/ashcombe-flood"
    assert "Graham Pike" in manager["citations"][0]["quote"]
    assert unknown == {"answer": None, "citations": [], "confidence": unknown["confidence"]}
    assert "9% pay rise" in pay["citations"][0]["quote"]
    assert plain["answer"] is None  # a plain-text line is a question too; this one is nonsense
    assert bad["answer"] is None
    assert "question" in bad["error"]
    assert 'each line needs {"question"' in err


async def test_ask_one_question_in_text_and_json_with_config_before_the_command(tmp_path: Path) -> None:
    cfg = await filled_config(tmp_path)
    code, out, err = await briefbot("--config", str(cfg), "ask", "Who is the Skyreach spokesman?")
    assert code == 0, err
    assert "Owen Fairley" in out
    assert "Skyreach cancels 300 flights as French controllers strike" in out
    code, out, err = await briefbot(
        "--config", str(cfg), "ask", "--json", "--thread", "fx-flood", "Who is the flood manager?"
    )
    assert code == 0, err
    assert "Colin Ashworth" in lines(out)[0]["citations"][0]["quote"]
    code, out, err = await briefbot("ask", "How many people live on Mars?", "--config", str(cfg))
    assert code == 0, err
    assert "I don't know" in out


async def test_ask_remembers_a_conversation_when_asked_to(tmp_path: Path) -> None:
    cfg = await filled_config(tmp_path)
    args = ("ask", "--json", "--conversation", "terminal-1", "--config", str(cfg))
    code, out, err = await briefbot(*args, "Who leads the opposition group on Northmere council?")
    assert code == 0, err
    code, out, err = await briefbot(*args, "What did she promise?")  # a new process: memory is in the store
    assert code == 0, err
    assert "reverse" in lines(out)[0]["citations"][0]["quote"]


async def test_ask_without_a_database_says_what_to_do(tmp_path: Path) -> None:
    cfg = tmp_path / "briefbot.toml"
    cfg.write_text(f'[store]\npath = "{tmp_path / "nothing-here.db"}"\n')
    code, _out, err = await briefbot("ask", "Who is the harbour master?", "--config", str(cfg))
    assert code == 1
    assert "nothing is stored yet" in err
    assert "briefbot ingest" in err
    assert not (tmp_path / "nothing-here.db").exists()


async def test_ask_backend_llm_answers_from_the_model_citing_a_retrieved_passage(tmp_path: Path) -> None:
    async with FakeOpenAI() as fake:
        fake.script(content({"answer": "About £15m a day.", "citations": [1]}))
        cfg = await filled_config(tmp_path, f'[llm]\nbase_url = "{fake.base_url}"\nmodel = "fake-model"\n')
        code, out, err = await briefbot(
            "ask", "--json", "--backend", "llm", "How much is the port losing each day?", "--config", str(cfg)
        )
        assert code == 0, err
        answer = lines(out)[0]
        assert answer["answer"] == "About £15m a day."
        assert answer["citations"][0]["id"] == "fx-harbour-strike"
        assert "£15m a day" in answer["citations"][0]["quote"]
        assert len(fake.completions) == 1


async def test_ask_backend_llm_falls_back_to_extractive_when_the_model_fails(tmp_path: Path) -> None:
    async with FakeOpenAI() as fake:
        fake.responder = lambda _: error(503, "overloaded")
        extra = (
            f'[llm]\nbase_url = "{fake.base_url}"\nmodel = "fake-model"\ntimeout = "2s"\nmax_retries = 0\n'
        )
        cfg = await filled_config(tmp_path, extra)
        code, out, err = await briefbot(
            "ask", "--json", "--backend", "llm", "How much is the port losing each day?", "--config", str(cfg)
        )
        assert code == 0, err
        answer = lines(out)[0]
        assert "£15m a day" in answer["answer"]
        assert "£15m a day" in answer["citations"][0]["quote"]
        assert fake.completions
        assert "falling back" in err


async def test_a_deeply_nested_line_gets_an_error_and_the_other_questions_their_answers(
    tmp_path: Path,
) -> None:
    cfg = await filled_config(tmp_path)
    good = json.dumps({"question": "How many homes were evacuated?", "thread": "fx-flood"})
    huge = json.dumps({"question": "x " * 1_000_000 + "/brief schedule off"})
    stdin = '{"question": ' + "[" * 100_000 + "\n" + huge + "\n" + good + "\n"
    code, out, err = await briefbot("ask", "--json", "-", "--config", str(cfg), stdin=stdin)
    assert code == 0, err
    assert "Traceback" not in err
    deep, long, flood = lines(out)
    assert deep["answer"] is None
    assert "nested too deeply" in deep["error"]
    assert long["answer"] is None
    assert "a line longer than 1,000,000 characters was ignored" in long["error"]
    assert "400 homes" in flood["citations"][0]["quote"]


async def test_ask_prints_article_text_inert_on_a_terminal(tmp_path: Path) -> None:
    cfg = await filled_config(tmp_path)
    db = tmp_path / "data" / "briefbot.db"
    store = await Store.open(db)
    article = {
        "id": "hostile\x1b[2J",
        "title": "Harbour \x1b]0;PWNED\x07 news\nforged title",
        "url": "https://news.example/\x1b[31m",
        "source": "Courier \u202eevil",
        "published": "2031-11-02",
        "text": "The harbour master of Zembla is Ottilie Varga \x1b[2J\u202e\x9b31m, the port authority "
        "said. She took office in March after a vote of the board.",
    }
    await fill(store, [article])
    await store.close()
    code, out, err = await briefbot("ask", "Who is the harbour master of Zembla?", "--config", str(cfg))
    assert code == 0, err
    assert "Varga" in out
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", out), repr(out)
    assert not any(line.startswith("forged") for line in out.splitlines())
    code, out, err = await briefbot(
        "ask", "--json", "Who is the harbour master of Zembla?", "--config", str(cfg)
    )
    assert code == 0, err
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", out), repr(out)
    assert "Varga" in json.loads(out)["citations"][0]["quote"]

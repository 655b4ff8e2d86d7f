"""`briefbot brief --backend llm` and `briefbot doctor` as a user runs them, against the fake."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.fakes.openai_server import FakeOpenAI, content, error, gzip_bomb
from tests.summarizer.llm.articles import BRIDGE_TEXT, BRIDGE_TITLE, bridge_brief

KEY_ENV = "BRIEFBOT_TEST_LLM_KEY"
SECRET = "sk-e2e-do-not-print-7731"


async def briefbot(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def config(tmp_path: Path, base_url: str, backend: str = "local") -> Path:
    cfg = tmp_path / "briefbot.toml"
    cfg.write_text(
        f'[summarizer]\nbackend = "{backend}"\n'
        f'[llm]\nbase_url = "{base_url}"\nmodel = "fake-model"\napi_key_env = "{KEY_ENV}"\n'
        'timeout = "2s"\nmax_retries = 1\n'
        f'[store]\npath = "{tmp_path / "data" / "briefbot.db"}"\n'
    )
    return cfg


def article_file(tmp_path: Path) -> Path:
    path = tmp_path / "bridge.txt"
    path.write_text(f"{BRIDGE_TITLE}\n\n{BRIDGE_TEXT}\n")
    return path


async def test_brief_backend_llm_uses_the_model(tmp_path: Path) -> None:
    async with FakeOpenAI(api_key=SECRET) as fake:
        fake.script(content(bridge_brief(), usage=(900, 120)))
        cfg = config(tmp_path, fake.base_url)  # backend "local" in the file; the flag overrides it
        code, out, err = await briefbot(
            "brief", "--backend", "llm", "--json", str(article_file(tmp_path)), "--config", str(cfg),
            env={KEY_ENV: SECRET},
        )  # fmt: skip
        assert code == 0, err
        brief = json.loads(out)
        assert brief["backend"] == "llm:fake-model"
        assert brief["id"] == "bridge"
        assert brief["title"] == BRIDGE_TITLE
        assert brief["who"][0]["name"] == "Denise Achebe"
        assert fake.requests[0].headers["Authorization"] == f"Bearer {SECRET}"
        assert SECRET not in err

        # doctor shows the settings, that the server answers, and the tokens this run used.
        code, out, err = await briefbot("doctor", "--config", str(cfg), env={KEY_ENV: SECRET})
        assert code == 0, out + err
        assert f"api_key_env={KEY_ENV} (set)" in out
        assert "model=fake-model requests=1 prompt_tokens=900 completion_tokens=120" in out
        assert SECRET not in out + err


async def test_a_brief_paid_for_once_is_not_paid_for_again_in_a_later_run(tmp_path: Path) -> None:
    async with FakeOpenAI() as fake:
        fake.script(content(bridge_brief(), usage=(900, 120)))
        cfg = config(tmp_path, fake.base_url, backend="llm")
        first = await briefbot("brief", "--json", str(article_file(tmp_path)), "--config", str(cfg))
        again = await briefbot("brief", "--json", str(article_file(tmp_path)), "--config", str(cfg))
        assert first[0] == again[0] == 0, first[2] + again[2]
        assert len(fake.requests) == 1  # the second process found the brief in the store's cache
        assert json.loads(again[1]) == json.loads(first[1])
        assert json.loads(again[1])["backend"] == "llm:fake-model"
        _, out, _ = await briefbot("doctor", "--config", str(cfg))
        assert "model=fake-model requests=1 prompt_tokens=900" in out


async def test_a_failing_model_falls_back_visibly(tmp_path: Path) -> None:
    async with FakeOpenAI() as fake:
        fake.responder = lambda _: error(503, "overloaded")
        cfg = config(tmp_path, fake.base_url, backend="llm")
        code, out, err = await briefbot("brief", "--json", str(article_file(tmp_path)), "--config", str(cfg))
        assert code == 0, err
        brief = json.loads(out)
        assert brief["backend"].startswith("local:en_core_web_sm")
        assert "falling back to the local backend" in err
        assert len(fake.requests) == 2  # one try and max_retries = 1


async def test_backend_local_overrides_the_config(tmp_path: Path) -> None:
    async with FakeOpenAI() as fake:
        cfg = config(tmp_path, fake.base_url, backend="llm")
        code, out, err = await briefbot(
            "brief", "--backend", "local", "--json", str(article_file(tmp_path)), "--config", str(cfg)
        )
        assert code == 0, err
        assert json.loads(out)["backend"].startswith("local:")
        assert fake.requests == []


async def test_llm_without_base_url_is_a_clear_config_error(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[summarizer]\nbackend = "llm"\n')
    code, _, err = await briefbot("brief", str(article_file(tmp_path)), "--config", str(cfg))
    assert code == 1
    assert "[llm] base_url must be set" in err
    assert "Traceback" not in err


async def test_doctor_reports_an_unreachable_server(tmp_path: Path) -> None:
    fake = FakeOpenAI()
    await fake.start()
    await fake.close()
    cfg = config(tmp_path, fake.base_url, backend="llm")
    code, out, _ = await briefbot("doctor", "--config", str(cfg))
    assert code == 1
    assert "llm: active" in out
    assert "llm server: ERROR cannot reach the language model server" in out


async def test_a_gzip_bomb_from_the_model_server_is_refused_while_it_is_read(tmp_path: Path) -> None:
    bomb = gzip_bomb(64_000_000)  # bench/llm_bomb.py sends a 1 GiB one and prints peak memory
    async with FakeOpenAI(models_reply=bomb, responder=lambda _: bomb) as fake:
        cfg = config(tmp_path, fake.base_url, backend="llm")
        code, out, err = await briefbot("brief", "--json", str(article_file(tmp_path)), "--config", str(cfg))
        assert code == 0, err
        assert json.loads(out)["backend"].startswith("local:")  # the local backend took over
        assert "larger than the 2 MB Briefbot reads" in err
        assert len(fake.completions) == 1  # not asked again for the same
        code, out, _ = await briefbot("doctor", "--config", str(cfg))
        assert code == 1
        assert "llm server: ERROR the language model server sent an answer larger than the 2 MB" in out

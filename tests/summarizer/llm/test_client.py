"""The HTTP client against a real (fake) OpenAI-compatible server on loopback."""

from __future__ import annotations

import asyncio
import logging
import random
from email.utils import formatdate

import httpx
import pytest

from summarizer.llm import LLMRejected, LLMUnavailable, Usage
from summarizer.llm.client import backoff_delay, parse_retry_after
from tests.fakes.openai_server import FakeOpenAI, Reply, content, error, gzip_bomb
from tests.summarizer.llm.conftest import make_client

HELLO = [{"role": "user", "content": "Say hello."}]
SCHEMA = {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}


async def test_key_is_sent_as_bearer_and_usage_is_totalled(http: httpx.AsyncClient) -> None:
    async with FakeOpenAI(api_key="sk-test-123") as fake:
        fake.script(content("hello", usage=(12, 3)), content("again", usage=(20, 5)))
        client = make_client(http, fake, api_key="sk-test-123")
        first = await client.chat(HELLO)
        second = await client.chat(HELLO)
    assert (first.text, second.text) == ("hello", "again")
    assert fake.requests[0].headers["Authorization"] == "Bearer sk-test-123"
    assert fake.requests[0].body["model"] == "fake-model"
    assert client.usage == Usage(requests=2, prompt_tokens=32, completion_tokens=8)


async def test_no_key_sends_no_authorization_header(http: httpx.AsyncClient, fake: FakeOpenAI) -> None:
    fake.script(content("hi"))
    await make_client(http, fake).chat(HELLO)
    assert "Authorization" not in fake.requests[0].headers


async def test_wrong_key_is_refused_at_once_with_a_hint(http: httpx.AsyncClient) -> None:
    async with FakeOpenAI(api_key="right") as fake:
        client = make_client(http, fake, api_key="wrong")
        with pytest.raises(LLMRejected, match="api_key_env") as info:
            await client.chat(HELLO)
    assert info.value.status == 401
    assert len(fake.requests) == 1  # not retried


async def test_429_waits_as_long_as_retry_after_says(http: httpx.AsyncClient, fake: FakeOpenAI) -> None:
    fake.script(error(429, "slow down", headers={"Retry-After": "1"}), content("ok"))
    completion = await make_client(http, fake).chat(HELLO)
    assert completion.text == "ok"
    first, second = fake.requests
    assert second.at - first.at >= 0.95


async def test_retry_after_is_capped(http: httpx.AsyncClient, fake: FakeOpenAI) -> None:
    fake.script(error(429, headers={"Retry-After": "3600"}), content("ok"))
    client = make_client(http, fake, max_retry_after=0.2)
    assert (await client.chat(HELLO)).text == "ok"
    first, second = fake.requests
    assert 0.15 <= second.at - first.at < 30


async def test_5xx_are_retried_then_succeed(http: httpx.AsyncClient, fake: FakeOpenAI) -> None:
    fake.script(error(500), error(502), error(503), content("finally"))
    completion = await make_client(http, fake, max_retries=3).chat(HELLO)
    assert completion.text == "finally"
    assert len(fake.requests) == 4


async def test_5xx_beyond_the_retries_is_unavailable(http: httpx.AsyncClient, fake: FakeOpenAI) -> None:
    fake.script(*[error(500)] * 10)
    with pytest.raises(LLMUnavailable, match="HTTP 500"):
        await make_client(http, fake, max_retries=2).chat(HELLO)
    assert len(fake.requests) == 3


async def test_a_slow_server_times_out_without_retry(http: httpx.AsyncClient, fake: FakeOpenAI) -> None:
    fake.script(content("too late", delay=5))
    with pytest.raises(LLMUnavailable, match=r"did not answer within 0\.3 s"):
        await make_client(http, fake, timeout=0.3).chat(HELLO)
    assert len(fake.requests) == 1


async def test_connection_refused_is_unavailable(http: httpx.AsyncClient) -> None:
    server = FakeOpenAI()
    await server.start()
    await server.close()  # nothing listens on that port any more
    with pytest.raises(LLMUnavailable, match="cannot reach"):
        await make_client(http, server, max_retries=1).chat(HELLO)


async def test_malformed_and_empty_responses_are_errors(http: httpx.AsyncClient, fake: FakeOpenAI) -> None:
    fake.script(Reply(raw="{not json"), Reply(body={"choices": []}), content(""))
    client = make_client(http, fake)
    for _ in range(3):
        with pytest.raises(LLMUnavailable):
            await client.chat(HELLO)


async def test_structured_output_falls_back_to_json_object_then_remembers(http: httpx.AsyncClient) -> None:
    async with FakeOpenAI(json_schema=False) as fake:
        fake.script(content('{"x": "1"}'), content('{"x": "2"}'))
        client = make_client(http, fake)
        await client.chat(HELLO, SCHEMA)
        await client.chat(HELLO, SCHEMA)
    assert [r.response_format for r in fake.requests] == ["json_schema", "json_object", "json_object"]
    sent = fake.requests[0].body["response_format"]
    assert sent["json_schema"]["schema"] == SCHEMA
    assert sent["json_schema"]["strict"] is True


async def test_servers_without_any_json_mode_get_plain_text(http: httpx.AsyncClient) -> None:
    async with FakeOpenAI(json_schema=False, json_object=False) as fake:
        fake.script(content('{"x": "1"}'))
        completion = await make_client(http, fake).chat(HELLO, SCHEMA)
    assert completion.format == "text"
    assert [r.response_format for r in fake.requests] == ["json_schema", "json_object", None]


async def test_a_400_that_is_not_about_the_format_is_not_remembered(
    http: httpx.AsyncClient, fake: FakeOpenAI
) -> None:
    fake.script(
        error(400, "context too long"), error(400, "context too long"), error(400, "context too long")
    )
    client = make_client(http, fake)
    with pytest.raises(LLMRejected, match="context too long"):
        await client.chat(HELLO, SCHEMA)
    fake.script(content('{"x": "1"}'))
    await client.chat(HELLO, SCHEMA)
    assert fake.requests[-1].response_format == "json_schema"


async def test_concurrency_is_limited(http: httpx.AsyncClient, fake: FakeOpenAI) -> None:
    fake.responder = lambda _: content("ok", delay=0.05)
    client = make_client(http, fake, max_concurrency=3)
    await asyncio.gather(*(client.chat(HELLO) for _ in range(20)))
    assert fake.max_in_flight == 3
    assert client.usage.requests == 20


async def test_repeated_outages_pause_calls(http: httpx.AsyncClient, fake: FakeOpenAI) -> None:
    fake.responder = lambda _: error(503)
    client = make_client(http, fake, max_retries=1, failures_to_pause=2, cooldown=60)
    for _ in range(5):
        with pytest.raises(LLMUnavailable):
            await client.chat(HELLO)
    assert len(fake.requests) == 4  # two calls of two attempts; the next three never left


async def test_the_key_never_reaches_logs_or_errors(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk-very-secret-0042"
    caplog.set_level(logging.DEBUG)
    async with FakeOpenAI(api_key=secret) as fake:
        fake.script(error(429, headers={"Retry-After": "0"}), error(500), content("fine"))
        client = make_client(http, fake, api_key=secret)
        await client.chat(HELLO)
        wrong = make_client(http, fake, api_key=secret + "-revoked")
        with pytest.raises(LLMRejected) as info:
            await wrong.chat(HELLO)
    assert caplog.records  # the calls were logged …
    assert secret not in caplog.text  # … without the key
    assert secret not in str(info.value)
    assert secret not in repr(client.config)


async def test_list_models(http: httpx.AsyncClient, fake: FakeOpenAI) -> None:
    assert await make_client(http, fake).list_models() == ["fake-model"]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after": "120"}, 30.0),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "-3"}, 0.0),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, cap=30.0) == expected


def test_parse_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    header = {"retry-after": formatdate(now + 5, usegmt=True)}
    assert parse_retry_after(header, cap=30.0, now=now) == pytest.approx(5, abs=1)


def test_backoff_grows_and_is_capped() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(n, 0.5, 8.0, rng) for n in range(8)]
    assert delays[0] < delays[2] < delays[4]
    assert all(0.375 <= d <= 8.0 for d in delays)
    assert delays[-1] > 6


async def test_an_answer_too_large_is_refused_while_it_is_read_not_after(http: httpx.AsyncClient) -> None:
    # 64 MB once unpacked (a 1 GiB one is what bench/llm_bomb.py sends): valid JSON, and big.
    async with FakeOpenAI(models_reply=gzip_bomb(64_000_000)) as fake:
        fake.script(gzip_bomb(64_000_000))
        client = make_client(http, fake, max_response_bytes=2_000_000)
        with pytest.raises(LLMUnavailable, match="larger than the 2 MB"):
            await client.chat(HELLO)
        assert len(fake.requests) == 1  # not retried: it would be as large again
        with pytest.raises(LLMUnavailable, match="larger than the 2 MB"):
            await client.list_models()

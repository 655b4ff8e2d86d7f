"""Slack secrets come from the environment only, are checked per mode, and never shown."""

from __future__ import annotations

import pytest

from bot.adapters.slack_app import SlackAdapter, make_web_client
from bot.credentials import SlackTokens, load_credentials
from bot.settings import Settings, SlackSettings
from summarizer.errors import ConfigError
from tests.fakes.chat_service import FakeChatService


def slack(env: dict[str, str]) -> SlackTokens | None:
    return load_credentials(Settings(), env).slack


def test_no_bot_token_means_slack_is_off() -> None:
    assert slack({}) is None
    assert slack({"SLACK_BOT_TOKEN": "  "}) is None


def test_each_mode_needs_its_second_secret() -> None:
    socket_only = slack({"SLACK_BOT_TOKEN": "xoxb-1"})
    assert socket_only is not None
    assert "SLACK_APP_TOKEN" in (socket_only.problem("socket") or "")
    app = slack({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert app is not None
    assert app.problem("socket") is None
    assert "SLACK_SIGNING_SECRET" in (app.problem("http") or "")
    wrong = slack({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"})
    assert wrong is not None
    assert "xapp-" in (wrong.problem("socket") or "")
    tokens = slack({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3"})
    assert tokens == SlackTokens("xoxb-1", "", "s3")
    assert tokens.problem("http") is None


def test_tokens_never_appear_in_repr() -> None:
    tokens = SlackTokens("xoxb-secret-1", "xapp-secret-2", "secret-3")
    assert "secret" not in repr(tokens)
    assert "secret" not in str(tokens)


def test_http_mode_refuses_to_run_without_a_signing_secret() -> None:
    # An empty secret would make every forged request "correctly signed".
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        SlackAdapter(
            settings=SlackSettings(mode="http"),
            tokens=SlackTokens("xoxb-1"),
            service=FakeChatService(),
            client=make_web_client("http://127.0.0.1:9/api", "xoxb-1"),
        )


def test_api_url_without_a_trailing_slash_still_reaches_methods() -> None:
    client = make_web_client("http://127.0.0.1:9/api", "xoxb-1")
    assert client.base_url == "http://127.0.0.1:9/api/"


async def test_unreachable_web_api_stops_start_up_with_a_clear_message() -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api_url = f"http://127.0.0.1:{port}/api/"
    adapter = SlackAdapter(
        settings=SlackSettings(mode="http", host="127.0.0.1", port=0, api_url=api_url),
        tokens=SlackTokens("xoxb-1", signing_secret="s"),
        service=FakeChatService(),
        client=make_web_client(api_url, "xoxb-1"),
    )
    with pytest.raises(ConfigError, match="cannot reach the Slack Web API"):
        await adapter.start()
    await adapter.stop()

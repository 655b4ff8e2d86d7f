"""Secrets, read from the environment here and nowhere else, once, into typed values.

Settings name the variables (``[llm] api_key_env``); the values never live in a file, a log line
or a ``repr``. What decides whether Slack and Discord start is here too: a token that is set but
empty, or one that is useless without its partner, is not silently ignored: ``notes`` says
what is missing and what runs without it (``briefbot run`` logs them, ``briefbot doctor``
prints them).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.settings import Settings

SLACK_BOT_TOKEN = "SLACK_BOT_TOKEN"  # noqa: S105 - names of variables, not secrets
SLACK_APP_TOKEN = "SLACK_APP_TOKEN"  # noqa: S105
SLACK_SIGNING_SECRET = "SLACK_SIGNING_SECRET"  # noqa: S105
DISCORD_TOKEN = "DISCORD_TOKEN"  # noqa: S105


@dataclass(frozen=True, slots=True)
class SlackTokens:
    """Slack's secrets. ``repr`` never shows them."""

    bot_token: str
    app_token: str = ""
    signing_secret: str = ""

    def __repr__(self) -> str:
        return "SlackTokens(***)"

    def problem(self, mode: Literal["socket", "http"]) -> str | None:
        """Why these tokens cannot run Slack in ``mode``, or None when they can."""
        if mode == "socket" and not self.app_token:
            return (
                f"[slack] mode = 'socket' needs {SLACK_APP_TOKEN} (an app-level token, xapp-…) in the "
                f"environment; or set [slack] mode = 'http' and {SLACK_SIGNING_SECRET}"
            )
        if mode == "http" and not self.signing_secret:
            return f"[slack] mode = 'http' needs {SLACK_SIGNING_SECRET} in the environment"
        if mode == "socket" and not self.app_token.startswith("xapp-"):
            return f"{SLACK_APP_TOKEN} must be an app-level token starting with xapp-"
        return None


@dataclass(frozen=True, slots=True)
class Credentials:
    """Every secret Briefbot uses; ``None`` or empty where the environment has none."""

    slack: SlackTokens | None = None  # with SLACK_BOT_TOKEN set: Slack is enabled
    discord_token: str = ""  # set: Discord is enabled
    llm_api_key: str | None = None
    llm_api_key_env: str = ""
    db_password: str | None = None  # PostgreSQL's, from the variable [store] password_env names
    notes: tuple[str, ...] = ()  # set but not used, and why (no secret in them)

    def __repr__(self) -> str:
        return f"Credentials(slack={self.slack is not None}, discord={bool(self.discord_token)}, ***)"


def load_credentials(settings: Settings, env: Mapping[str, str] | None = None) -> Credentials:
    """The secrets in ``env`` (default: the process environment). A blank value counts as
    unset, and a platform it would have started gets a note saying why it does not start."""
    env = os.environ if env is None else env

    def blank(name: str) -> bool:
        return name in env and not env[name].strip()

    def get(name: str) -> str:
        return env.get(name, "").strip()

    notes: list[str] = []
    bot, app, secret = get(SLACK_BOT_TOKEN), get(SLACK_APP_TOKEN), get(SLACK_SIGNING_SECRET)
    if not bot:
        partners = [name for name in (SLACK_APP_TOKEN, SLACK_SIGNING_SECRET) if get(name)]
        if blank(SLACK_BOT_TOKEN):
            notes.append(f"Slack is not started: {SLACK_BOT_TOKEN} is set but empty")
        elif partners:
            notes.append(f"Slack is not started: {' and '.join(partners)} without {SLACK_BOT_TOKEN}")
    discord = get(DISCORD_TOKEN)
    if blank(DISCORD_TOKEN):
        notes.append(f"Discord is not started: {DISCORD_TOKEN} is set but empty")
    key_env = settings.llm.api_key_env
    key = get(key_env) if key_env else ""
    if key_env and blank(key_env) and settings.summarizer.backend == "llm":
        notes.append(f"{key_env} is set but empty: the LLM is asked without a key")
    return Credentials(
        slack=SlackTokens(bot, app, secret) if bot else None,
        discord_token=discord,
        llm_api_key=key or None,
        llm_api_key_env=key_env,
        db_password=get(settings.store.password_env) or None,
        notes=tuple(notes),
    )

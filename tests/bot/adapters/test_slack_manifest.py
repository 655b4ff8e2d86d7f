"""The Slack app manifest asks for exactly what the adapter uses."""

from __future__ import annotations

import re

from tests.conftest import ROOT

MANIFEST = (ROOT / "config" / "slack-manifest.yaml").read_text(encoding="utf-8")


def listed_under(key: str) -> list[str]:
    """The ``- item`` lines of the YAML list that follows ``key:`` (comments dropped)."""
    lines = MANIFEST.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{key}:")
    items = []
    for line in lines[start + 1 :]:
        match = re.match(r"\s*- ([\w:.]+)", line)
        if not match:
            break
        items.append(match.group(1))
    return items


def test_manifest_scopes_events_and_command() -> None:
    assert listed_under("bot") == ["app_mentions:read", "chat:write", "commands", "im:history", "users:read"]
    assert listed_under("bot_events") == ["app_mention", "message.im"]
    assert "- command: /brief" in MANIFEST
    assert "should_escape: false" in MANIFEST  # the adapter reads URLs as typed
    assert "socket_mode_enabled: true" in MANIFEST
    assert "\t" not in MANIFEST  # YAML forbids tabs

"""Logging as key=value lines on standard error."""

from __future__ import annotations

import logging
import sys


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("ts=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Chatty libraries stay at WARNING unless we debug.
    for name in ("httpx", "httpcore", "trafilatura", "apscheduler", "discord", "slack_bolt", "slack_sdk"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))

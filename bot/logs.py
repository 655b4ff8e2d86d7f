"""Logging as key=value lines on standard error."""

from __future__ import annotations

import logging
import sys
from types import TracebackType

from bot.render.escape import terminal

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class SafeFormatter(logging.Formatter):
    """Log messages quote what came from elsewhere (ids, titles, URLs, server replies): each
    message stays one line, without control characters, so none can forge a log line or drive
    the terminal the log is read on. Tracebacks keep their lines, sanitised the same way."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = terminal(record.message, one_line=True)
        return super().formatMessage(record)

    def formatException(self, ei: ExcInfo) -> str:
        return terminal(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return terminal(super().formatStack(stack_info))


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(SafeFormatter("ts=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Chatty libraries stay at WARNING unless we debug.
    for name in ("httpx", "httpcore", "trafilatura", "apscheduler", "discord", "slack_bolt", "slack_sdk"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))

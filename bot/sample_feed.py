"""The bundled sample feed (``config/sample-feed.xml``): invented news for trying Briefbot offline.

It is an ordinary local feed: ``/brief subscribe sample`` adds it through the Ingestor as a
``file://`` feed (the one exception to "chat users give web addresses only": the bot picks the
file, the user only names it), and polling and briefing go through the same parser and queue
as every other feed.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

SAMPLE_NAMES = ("sample", "sample-feed")  # what a chat user types: /brief subscribe sample
SAMPLE_FILE = "sample-feed.xml"


def sample_feed_path() -> Path:
    """config/sample-feed.xml of this installation (next to the package), else of the cwd."""
    beside_package = Path(__file__).resolve().parent.parent / "config" / SAMPLE_FILE
    return beside_package if beside_package.is_file() else Path("config") / SAMPLE_FILE


def is_sample_feed(url: str) -> bool:
    """Whether a stored feed URL is a bundled sample feed (of this or an earlier installation)."""
    parts = urlsplit(url)
    return parts.scheme == "file" and Path(unquote(parts.path)).name == SAMPLE_FILE


def is_local_feed(url: str) -> bool:
    return urlsplit(url).scheme == "file"

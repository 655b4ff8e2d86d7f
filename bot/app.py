"""Builds every long-lived dependency once, from settings, and runs them."""

from __future__ import annotations

import sys

from bot.ingest.files import article_from_text, read_file
from bot.render.text import render_brief
from bot.settings import Settings
from summarizer.brief import Article
from summarizer.errors import BriefbotError
from summarizer.local import LocalBackend

PROMPT = "briefbot> "
HELP = """Commands:
  /brief <path>     brief a .txt, .md, .html or .jsonl file
  /brief <text>     brief pasted article text
  help              this list
  quit              leave (or Ctrl-D)"""


def make_local_backend(settings: Settings) -> LocalBackend:
    return LocalBackend(model=settings.summarizer.spacy_model)


def run(settings: Settings) -> int:
    """Terminal chat on the embedded defaults: brief pasted text or files."""
    from pathlib import Path

    backend = make_local_backend(settings)
    print(f"Briefbot ready ({backend.name}). Type 'help'.", flush=True)
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print(PROMPT, end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            return 0
        line = line.strip()
        if not line:
            continue
        if line in {"quit", "exit"}:
            return 0
        if line in {"help", "/brief help"}:
            print(HELP, flush=True)
            continue
        if not line.startswith("/brief "):
            print("Unknown command. Type 'help'.", flush=True)
            continue
        arg = line.removeprefix("/brief ").strip()
        path = Path(arg)
        try:
            if path.is_file():
                articles = [a for a in read_file(path) if isinstance(a, Article)]
            else:
                articles = [article_from_text(arg, "pasted")]
            for article in articles:
                print(render_brief(backend.brief_sync(article)) + "\n", flush=True)
        except BriefbotError as exc:
            print(f"Sorry: {exc}", flush=True)

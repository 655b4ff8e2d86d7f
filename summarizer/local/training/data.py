"""Annotated articles: gold or silver brief files and the article texts they point at."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from spacy.tokens import Doc

from summarizer.brief import Article
from summarizer.local.engine import Prepared, prepare
from summarizer.local.entities import Entity, find_entities
from summarizer.local.pipeline import load_model


@dataclass(frozen=True, slots=True)
class Annotated:
    """An article and its brief file (``who``, ``where``, ``objectives``, ``open_issues``)."""

    article: Article
    gold: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Parsed:
    """An annotated article as the engine sees it: parsed, with its entities found."""

    article: Article
    gold: dict[str, Any]
    prepared: Prepared
    doc: Doc
    entities: list[Entity]

    @property
    def body_start(self) -> int:
        return self.prepared.body_start


def load_set(folder: Path, corpora: Path) -> list[Annotated]:
    """Every ``*.gold.json`` in ``folder``, with its text from ``corpora`` or beside the file."""
    texts: dict[str, dict[str, dict[str, Any]]] = {}
    out = []
    for path in sorted(folder.glob("*.gold.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        corpus = gold.get("corpus")
        if corpus:
            if corpus not in texts:
                texts[corpus] = dict(_rows(corpora / corpus / "articles.jsonl"))
            row = texts[corpus][gold["id"]]
            article = Article(id=str(gold["id"]), title=row.get("title") or "", text=row["text"])
        else:
            text = (path.parent / gold["article"]).read_text(encoding="utf-8")
            article = Article(id=path.name.removesuffix(".gold.json"), text=text)
        out.append(Annotated(article, gold))
    return out


def load_conll(path: Path, scorer: ModuleType) -> list[Annotated]:
    """CoNLL-2003 documents as the shared scorer reads them, with every name as gold: people
    and organisations under ``who``, places under ``where``, a surname joined to its name."""
    out = []
    for doc in scorer.conll_docs(path):
        gold = {
            "who": scorer.cluster(doc["ents"]["PER"] | doc["ents"]["ORG"]),
            "where": scorer.cluster(doc["ents"]["LOC"]),
            "every_name": True,
        }
        out.append(Annotated(Article(id=doc["id"], title=doc["title"], text=doc["text"]), gold))
    return out


def _rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            yield str(row["id"]), row


def parse(annotated: Sequence[Annotated], model: str = "en_core_web_sm") -> list[Parsed]:
    """Each article parsed once, as ``briefbot brief`` parses it."""
    nlp = load_model(model)
    prepared = [prepare(a.article) for a in annotated]
    docs = nlp.pipe((p.parsed for p in prepared), batch_size=16)
    out = []
    for a, ready, doc in zip(annotated, prepared, docs, strict=True):
        sentences = [s for s in doc.sents if s.start_char >= ready.body_start and not s.text.isspace()]
        lead_end = sentences[0].end_char if sentences else ready.body_start
        entities = find_entities(doc, ready.original, ready.body_start, lead_end)
        out.append(Parsed(a.article, a.gold, ready, doc, entities))
    return out

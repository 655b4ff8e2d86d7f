"""Briefing a batch of articles in this process: one ``nlp.pipe`` pass, then the rules."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from summarizer.brief import Article, Brief
from summarizer.errors import SummarizeError
from summarizer.local.engine import Prepared, build_brief, prepare
from summarizer.local.language import check_briefable
from summarizer.local.learned import load_models
from summarizer.local.phrases import MODEL_FILE
from summarizer.local.pipeline import load_model, model_label

if TYPE_CHECKING:  # spaCy is imported by the pipeline when a model loads, not by this module
    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

# The shared tok2vec keeps every layer's output for all the docs of its batch until the batch is
# done: ~10 MB per article. It encodes each doc on its own, so small batches cost it nothing,
# while the parser and the entity recogniser gain from larger ones (measured: batches of 16
# and 4, peak RSS 405 -> 300 MB, same speed, same annotations).
TOK2VEC_BATCH = 4


def brief_batch(
    model: str, articles: Sequence[Article], batch_size: int = 16
) -> list[Brief | SummarizeError]:
    """Brief many articles with the model ``model``; bad ones become errors in place."""
    results: list[Brief | SummarizeError] = []
    good: list[tuple[int, Article]] = []
    for i, article in enumerate(articles):
        try:
            check_briefable(article.text)
        except SummarizeError as exc:
            results.append(exc)
            continue
        results.append(SummarizeError("not briefed"))
        good.append((i, article))
    if not good:
        return results
    nlp = load_all(model)
    name = f"local:{model_label(nlp)}"
    prepared = [prepare(a) for _, a in good]
    docs = nlp.pipe(
        (p.parsed for p in prepared),
        batch_size=batch_size,
        component_cfg={"tok2vec": {"batch_size": min(batch_size, TOK2VEC_BATCH)}},
    )
    done = 0
    try:
        for (i, article), ready, doc in zip(good, prepared, docs, strict=True):
            results[i] = _build(doc, article, name, ready)
            done += 1
    except Exception as exc:
        # The model refused a document of the batch, and a batch does not say which: the rest
        # are parsed one by one, so that only the article it cannot parse fails.
        log.warning("brief batch failed (%s); briefing its articles one by one", type(exc).__name__)
        for (i, article), ready in zip(good[done:], prepared[done:], strict=True):
            try:
                doc = nlp(ready.parsed)
            except Exception as one:
                log.warning("brief failed id=%s error=%s", article.id, str(one)[:200])
                results[i] = SummarizeError(f"could not brief this article ({type(one).__name__})")
                continue
            results[i] = _build(doc, article, name, ready)
    return results


def load_all(model: str) -> Language:
    """The spaCy model ``model`` and our learned models, loaded once per process. A missing or
    damaged model file raises, naming the file."""
    nlp = load_model(model)
    load_models(MODEL_FILE)
    return nlp


def _build(doc: Doc, article: Article, name: str, ready: Prepared) -> Brief | SummarizeError:
    try:
        return build_brief(doc, article, name, ready)
    except Exception as exc:  # a rule bug must cost one brief, not the batch
        log.exception("brief failed id=%s", article.id)
        return SummarizeError(f"could not brief this article ({type(exc).__name__})")

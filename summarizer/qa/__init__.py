"""Offline question answering: which sentence of what was read answers a question, if any.

question.py  what a question asks for (who/where/when/number/why/…), its weighted terms,
             follow-ups resolved from earlier turns
search.py    the question as weighted search terms, for any store's full-text engine
rank.py      sentence features (coverage, answer type, context, retrieval) and the learned ranker
model.py     the learned ranker and confidence, read from model.json (``make train-qa``)
extract.py   ExtractiveAnswerBackend: the best sentence, quoted, or None ("I don't know")
"""

from summarizer.qa.extract import ExtractiveAnswerBackend, confidence
from summarizer.qa.question import Question, analyse, resolve
from summarizer.qa.rank import Candidate, rank

__all__ = [
    "Candidate",
    "ExtractiveAnswerBackend",
    "Question",
    "analyse",
    "confidence",
    "rank",
    "resolve",
]

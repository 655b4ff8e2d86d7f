"""Offline question answering: which sentence of what was read answers a question, if any.

text.py      words, light stems, sentences (abbreviation-aware), no model
question.py  what a question asks for (who/where/when/number/why/…), its weighted terms,
             follow-ups resolved from earlier turns
rank.py      sentences scored by coverage, answer type, context and retrieval prior
extract.py   ExtractiveAnswerBackend: the best sentence, quoted, or None ("I don't know")
"""

from summarizer.qa.extract import ExtractiveAnswerBackend, confidence
from summarizer.qa.question import Question, analyse, resolve
from summarizer.qa.rank import Candidate, Features, rank

__all__ = [
    "Candidate",
    "ExtractiveAnswerBackend",
    "Features",
    "Question",
    "analyse",
    "confidence",
    "rank",
    "resolve",
]

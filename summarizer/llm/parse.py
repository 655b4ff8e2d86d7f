"""Getting a JSON object out of what a model wrote, whatever it wrapped around it."""

from __future__ import annotations

import json

from summarizer.clean import clean_json
from summarizer.errors import SummarizeError

_decoder = json.JSONDecoder()


def extract_json_object(text: str) -> dict[str, object]:
    """The first JSON object in ``text``: the whole text, or one inside prose or a code fence.
    Its strings come out cleaned (a model may write ``"\\ud800"``).

    Raises ``SummarizeError`` with a short reason a model can act on in a repair request.
    """
    stripped = text.strip()
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError as exc:
        first_error = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    except RecursionError:
        first_error = "nested too deeply"
    else:
        if isinstance(value, dict):
            return _cleaned(value)
        first_error = "the reply is JSON but not an object"
    start = stripped.find("{")
    while start != -1:
        try:
            value, _ = _decoder.raw_decode(stripped, start)
        except (json.JSONDecodeError, RecursionError):
            pass
        else:
            if isinstance(value, dict):
                return _cleaned(value)
        start = stripped.find("{", start + 1)
    raise SummarizeError(f"no JSON object in the reply ({first_error})")


def _cleaned(value: dict[str, object]) -> dict[str, object]:
    clean_json(value)  # in place: the object stays what it was, its strings cleaned
    return value

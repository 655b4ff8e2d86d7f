"""Getting a JSON object out of what a model wrote, whatever it wrapped around it."""

from __future__ import annotations

import json
from typing import Any

from summarizer.errors import SummarizeError

_decoder = json.JSONDecoder()


def extract_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in ``text``: the whole text, or one inside prose or a code fence.

    Raises ``SummarizeError`` with a short reason a model can act on in a repair request.
    """
    stripped = text.strip()
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError as exc:
        first_error = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    else:
        if isinstance(value, dict):
            return value
        first_error = "the reply is JSON but not an object"
    start = stripped.find("{")
    while start != -1:
        try:
            value, _ = _decoder.raw_decode(stripped, start)
        except json.JSONDecodeError:
            pass
        else:
            if isinstance(value, dict):
                return value
        start = stripped.find("{", start + 1)
    raise SummarizeError(f"no JSON object in the reply ({first_error})")

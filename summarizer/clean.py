"""Text and JSON from outside, made valid once, where they enter.

Python strings may hold what no encoder accepts: ``"\\ud800"`` is legal JSON, and the lone
surrogate it decodes to makes spaCy, SQLite and every UTF-8 writer raise. NUL and other control
characters make lxml raise. So every boundary (files, standard input, feeds, pages, chat events,
a model's answer) passes what it read through ``clean_text``, and parses JSON with ``load_json``,
which also refuses nesting too deep to parse instead of raising ``RecursionError``.
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0 controls but tab, newline and carriage return; DEL; C1 controls; the two noncharacters
# XML forbids. Vertical tab and form feed are line breaks in the texts they occur in.
_INVALID = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_BREAKS = re.compile("[\x0b\x0c]")
_SURROGATE = re.compile("[\ud800-\udfff]")

JSONContainer = dict[str, Any] | list[Any]


def clean_text(text: str) -> str:
    """``text`` safe to store, parse and print: surrogate pairs joined, lone surrogates replaced
    by U+FFFD, control characters (but tab and line breaks) removed."""
    if _SURROGATE.search(text):
        # Through UTF-16 and back: a pair becomes its character, a lone half U+FFFD.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if _INVALID.search(text):
        text = _INVALID.sub("", text)
    return _BREAKS.sub("\n", text)


def load_json(text: str | bytes) -> Any:
    """``json.loads`` with every string cleaned; too deep a nesting is a ``ValueError`` (as a
    syntax error is) rather than a ``RecursionError``."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    return clean_json(value)


def clean_json(value: Any) -> Any:
    """Every string (keys too) in a parsed JSON value cleaned, in place; walked without
    recursion, so a value nested as deeply as the parser allowed is no problem."""
    todo: list[JSONContainer] = []
    value = _cleaned(value, todo)
    while todo:
        node = todo.pop()
        if isinstance(node, list):
            for index, item in enumerate(node):
                node[index] = _cleaned(item, todo)
        else:
            items = list(node.items())
            node.clear()
            node.update((clean_text(key), _cleaned(item, todo)) for key, item in items)
    return value


def _cleaned(item: Any, todo: list[JSONContainer]) -> Any:
    if isinstance(item, str):
        return clean_text(item)
    if isinstance(item, dict | list):
        todo.append(item)
    return item

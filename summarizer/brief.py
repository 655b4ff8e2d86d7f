"""The brief: Briefbot's central value, and its stable JSON form.

The JSON shape (``Brief.to_dict``) is a contract that scripts and evaluators rely on::

    {"id", "title", "url", "published", "tldr",
     "who":   [{"name", "role", "kind", "mentions"}],
     "where": [{"name", "detail", "mentions"}],
     "objectives": [str], "open_issues": [str], "backend"}
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from summarizer.errors import SummarizeError

ActorKind = Literal["person", "organization"]
ACTOR_KINDS: tuple[ActorKind, ...] = ("person", "organization")


# A headline is a line. A "title" of a million characters (a broken feed, a hostile JSONL
# line) would make the model refuse the whole batch; cut, it costs nothing.
MAX_TITLE_CHARS = 1000


def clip_title(title: str) -> str:
    """``title``, cut at a word to at most ``MAX_TITLE_CHARS`` characters (with "…") if longer."""
    if len(title) <= MAX_TITLE_CHARS:
        return title
    cut = title.rfind(" ", 0, MAX_TITLE_CHARS)
    return title[: cut if cut > MAX_TITLE_CHARS // 2 else MAX_TITLE_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class Article:
    """Text in: what every backend briefs. ``id`` is the key the article is stored under.
    The title is capped (``clip_title``) as the article is made, so that no backend sees more."""

    id: str
    text: str
    title: str = ""
    url: str | None = None
    published: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        if len(self.title) > MAX_TITLE_CHARS:
            object.__setattr__(self, "title", clip_title(self.title))


@dataclass(frozen=True, slots=True)
class Actor:
    """A person or organisation acting in the story, with the role the article gives it."""

    name: str
    role: str | None = None
    kind: ActorKind = "person"
    mentions: int = 1
    # Other surface forms of the same entity in the text ("Blinken", "the secretary").
    # Used for grounding and answers; not part of the JSON contract.
    aliases: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Place:
    """A place where the story happens or that it is about; ``detail`` is a venue within it."""

    name: str
    detail: str | None = None
    mentions: int = 1
    aliases: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Brief:
    id: str
    title: str
    tldr: str
    who: tuple[Actor, ...] = ()
    where: tuple[Place, ...] = ()
    objectives: tuple[str, ...] = ()
    open_issues: tuple[str, ...] = ()
    backend: str = ""
    url: str | None = None
    published: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "published": self.published,
            "tldr": self.tldr,
            "who": [
                {"name": a.name, "role": a.role, "kind": a.kind, "mentions": a.mentions} for a in self.who
            ],
            "where": [{"name": p.name, "detail": p.detail, "mentions": p.mentions} for p in self.where],
            "objectives": list(self.objectives),
            "open_issues": list(self.open_issues),
            "backend": self.backend,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Brief:
        """Parse and validate the JSON form; raises ``SummarizeError`` naming the bad field."""
        try:
            return cls(
                id=_str(data, "id"),
                title=_str(data, "title", default=""),
                url=_opt_str(data, "url"),
                published=_opt_str(data, "published"),
                tldr=_str(data, "tldr", default=""),
                who=tuple(_actor(x) for x in _list(data, "who")),
                where=tuple(_place(x) for x in _list(data, "where")),
                objectives=tuple(_phrase(x) for x in _list(data, "objectives")),
                open_issues=tuple(_phrase(x) for x in _list(data, "open_issues")),
                backend=_str(data, "backend", default=""),
            )
        except (TypeError, ValueError, KeyError) as exc:
            raise SummarizeError(f"invalid brief: {exc}") from exc

    @classmethod
    def from_json(cls, text: str) -> Brief:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SummarizeError(f"invalid brief JSON: {exc.msg}") from exc
        if not isinstance(data, dict):
            raise SummarizeError("invalid brief JSON: not an object")
        return cls.from_dict(data)


def _str(data: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string or null")
    return value


def _list(data: Mapping[str, Any], key: str) -> Sequence[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise ValueError(f"{key!r} must be a list")
    return value


def _phrase(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("phrases must be non-empty strings")
    return value.strip()


def _mentions(item: Mapping[str, Any]) -> int:
    value = item.get("mentions", 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("'mentions' must be a non-negative integer")
    return value


def _actor(item: Any) -> Actor:
    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, dict):
        raise ValueError("'who' items must be objects")
    kind = item.get("kind") or "person"
    if kind not in ACTOR_KINDS:
        raise ValueError(f"'kind' must be one of {', '.join(ACTOR_KINDS)}")
    name = _str(item, "name").strip()
    if not name:
        raise ValueError("'who' names must be non-empty")
    role = _opt_str(item, "role")
    return Actor(name=name, role=role.strip() or None if role else None, kind=kind, mentions=_mentions(item))


def _place(item: Any) -> Place:
    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, dict):
        raise ValueError("'where' items must be objects")
    name = _str(item, "name").strip()
    if not name:
        raise ValueError("'where' names must be non-empty")
    detail = _opt_str(item, "detail")
    return Place(name=name, detail=detail.strip() or None if detail else None, mentions=_mentions(item))

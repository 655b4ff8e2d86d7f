"""Digest schedules as pure functions: the times, days and timezones people type, when a
schedule is next and last due, and the period a digest belongs to.

The service reads schedules people type with these; the scheduler (``bot.scheduler``) decides
with them when a channel's digest is due. Nothing here reads a clock: every function is given
the moment it is about.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from apscheduler.triggers.cron import CronTrigger

from bot.store.channels import DigestSchedule

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {d: d for d in WEEKDAYS} | {
    "monday": "mon",
    "tuesday": "tue",
    "tues": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "thur": "thu",
    "thurs": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
_DAY_GROUPS = {
    "daily": (),
    "everyday": (),
    "weekdays": WEEKDAYS[:5],
    "workdays": WEEKDAYS[:5],
    "weekends": WEEKDAYS[5:],
    "weekend": WEEKDAYS[5:],
}


def parse_time(text: str) -> str | None:
    """``"8:30"`` → ``"08:30"``; ``"08:30:15"`` is kept with its seconds; None when invalid."""
    parts = text.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isascii() and p.isdigit() and 1 <= len(p) <= 2 for p in parts):
        return None
    numbers = [int(p) for p in parts]
    if numbers[0] > 23 or any(n > 59 for n in numbers[1:]):
        return None
    return ":".join(f"{n:02d}" for n in numbers)


def parse_weekdays(words: Iterable[str]) -> tuple[str, ...]:
    """``mon-fri``, ``mon,wed,fri``, ``sat sun``, ``weekdays``, ``weekends``, ``daily`` → a sorted
    tuple of day names (empty: every day). Raises ValueError with a helpful message."""
    days: set[str] = set()
    for word in words:
        for part in word.lower().replace(" ", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if part in _DAY_GROUPS:
                group = _DAY_GROUPS[part]
                days.update(group or WEEKDAYS)
                continue
            if "-" in part:
                start, _, end = part.partition("-")
                a, b = _DAY_NAMES.get(start), _DAY_NAMES.get(end)
                if a is None or b is None:
                    raise ValueError(f"'{part}' is not a range of days like mon-fri")
                i, j = WEEKDAYS.index(a), WEEKDAYS.index(b)
                days.update(WEEKDAYS[i : j + 1] if i <= j else WEEKDAYS[i:] + WEEKDAYS[: j + 1])
                continue
            day = _DAY_NAMES.get(part)
            if day is None:
                raise ValueError(
                    f"'{part}' is not a day (use mon, tue, … sun, mon-fri, weekdays or weekends)"
                )
            days.add(day)
    if len(days) == 7:
        return ()
    return tuple(d for d in WEEKDAYS if d in days)


_ZONES_BY_LOWER: dict[str, str] = {}


def resolve_timezone(name: str) -> str | None:
    """The IANA name for ``name`` (matched without regard to case), or None when there is none."""
    name = name.strip()
    if not name or len(name) > 64 or ".." in name or name.startswith("/"):
        return None
    if not _ZONES_BY_LOWER:
        _ZONES_BY_LOWER.update({z.lower(): z for z in available_timezones()})
        _ZONES_BY_LOWER.setdefault("utc", "UTC")
    canonical = _ZONES_BY_LOWER.get(name.lower())
    if canonical is None:
        return None
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return canonical


@functools.lru_cache(maxsize=4096)
def digest_trigger(schedule: DigestSchedule) -> CronTrigger:
    """The cron trigger of a schedule, in its timezone (APScheduler handles DST)."""
    parts = schedule.time.split(":")
    return CronTrigger(
        hour=int(parts[0]),
        minute=int(parts[1]),
        second=int(parts[2]) if len(parts) > 2 else 0,
        day_of_week=",".join(schedule.weekdays) if schedule.weekdays else "*",
        timezone=ZoneInfo(schedule.timezone),
    )


def next_digest_time(schedule: DigestSchedule, after: datetime) -> datetime | None:
    return digest_trigger(schedule).get_next_fire_time(None, after)  # type: ignore[no-any-return]


def last_digest_time(schedule: DigestSchedule, now: datetime) -> datetime | None:
    """The latest time the digest was due at or before ``now`` (looking back a week when it
    runs on some days only, else two days: enough for any DST change)."""
    trigger = digest_trigger(schedule)
    lookback = timedelta(days=8 if schedule.weekdays else 2)
    fire: datetime | None = trigger.get_next_fire_time(None, now - lookback)
    last = None
    while fire is not None and fire <= now:
        last = fire
        fire = trigger.get_next_fire_time(fire, fire)
    return last


def period_key(fire: datetime) -> str:
    """The period a digest fire time belongs to: its local wall-clock time. The two 01:30s of
    a DST fall-back day are one period."""
    key = fire.strftime("%Y-%m-%d %H:%M")
    return key + fire.strftime(":%S") if fire.second else key


def describe_schedule(schedule: DigestSchedule) -> str:
    days = "every day"
    if schedule.weekdays == WEEKDAYS[:5]:
        days = "Monday to Friday"
    elif schedule.weekdays == WEEKDAYS[5:]:
        days = "weekends"
    elif schedule.weekdays:
        days = ", ".join(d.capitalize() for d in schedule.weekdays)
    return f"{schedule.time} {schedule.timezone}, {days}"


def digest_title(prefix: str, when: datetime) -> str:
    return f"{prefix} — {when:%a %d %b %Y}"

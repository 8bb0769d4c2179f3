"""On/off schedules for HyperPod clusters: parse, format and evaluate. Pure: no AWS, no clock of its own.

A schedule is a set of weekly events ("on" or "off" on some weekdays at a local time) in one IANA time
zone. At any instant the cluster should be in the state of the most recent event. Two written forms:

- events, the form `sagecheck hyperpod schedule` writes: `on=Mon-Fri/08:00 off=Mon-Fri/20:00 tz=Europe/Berlin`
  (`on=`/`off=` may repeat; days joined with `+`, e.g. `on=Mon+Wed/08:00`);
- a daily window, for hand-written tags: `weekdays 08:00-20:00 UTC` (on at the start on each day, off at
  the end; an end at or before the start is the next morning).

SageMaker tag values allow only letters, digits, spaces and `_ . : / = + - @`, so neither form uses commas,
quotes or braces. Local times that do not exist (the hour skipped when clocks go forward) happen at the
same offset as just before the change, i.e. an hour later on the wall clock; a local time that happens
twice (clocks go back) happens at its first occurrence.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InputError

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ALIASES = {"daily": frozenset(range(7)), "weekdays": frozenset(range(5)), "weekends": frozenset({5, 6})}
TAG_VALUE_LIMIT = 256
MINUTES_PER_WEEK = 7 * 24 * 60
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_WINDOW = re.compile(r"^(\S+) (\d\d:\d\d)-(\d\d:\d\d) (\S+)$")
UTC = dt.timezone.utc


SCHEDULE_TAG = "sagecheck:schedule"  # where a cluster keeps its on/off schedule


class ScheduleError(InputError):
    """A schedule that cannot be parsed or makes no sense; exit 2 at the CLI."""


@dataclass(frozen=True)
class Event:
    days: frozenset[int]  # 0 = Monday
    minute: int  # minutes after local midnight
    action: str  # "on" or "off"


@dataclass(frozen=True)
class Schedule:
    events: tuple[Event, ...]
    tz: str  # an IANA zone name

    def __post_init__(self):
        object.__setattr__(self, "events", tuple(sorted(set(self.events), key=_event_key)))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)


def _event_key(event: Event) -> tuple:
    return (event.action != "on", sorted(event.days), event.minute)


# --- parsing ----------------------------------------------------------------------------------------------


def parse_days(text: str) -> frozenset[int]:
    """'Mon-Fri', 'Mon,Wed,Fri', 'Mon+Sat-Sun', 'Fri-Mon' (wraps), 'daily', 'weekdays', 'weekends'."""
    days: set[int] = set()
    for item in re.split(r"[,+]", text.strip()):
        item = item.strip()
        if item.lower() in ALIASES:
            days |= ALIASES[item.lower()]
            continue
        first, dash, last = item.partition("-")
        start, end = _day(first, text), _day(last if dash else first, text)
        days.update((start + i) % 7 for i in range((end - start) % 7 + 1))
    return frozenset(days)


def _day(name: str, whole: str) -> int:
    for index, day in enumerate(DAYS):
        if name.strip().lower() == day.lower():
            return index
    raise ScheduleError(f"{whole!r}: {name!r} is not a day; "
                        "use Mon..Sun, ranges like Mon-Fri, daily, weekdays or weekends")


def parse_time(text: str) -> int:
    match = _TIME.match(text.strip())
    if not match:
        raise ScheduleError(f"{text!r} is not a time; use 24-hour HH:MM, e.g. 08:00")
    return int(match.group(1)) * 60 + int(match.group(2))


def parse_event(action: str, text: str) -> Event:
    """One CLI spec such as 'Mon-Fri 08:00' (the tag form 'Mon-Fri/08:00' is accepted too)."""
    days, sep, time = text.strip().replace("/", " ").rpartition(" ")
    if not sep:
        raise ScheduleError(f"--{action} {text!r}: expected DAYS HH:MM, e.g. 'Mon-Fri 08:00'")
    return Event(parse_days(days), parse_time(time), action)


def zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"{name!r} is not a known IANA time zone, e.g. Europe/Berlin or UTC") from None
    return name


def make_schedule(on: list[str], off: list[str], tz: str) -> Schedule:
    """From the CLI's --on/--off/--tz values."""
    events = [parse_event("on", text) for text in on] + [parse_event("off", text) for text in off]
    return _checked(Schedule(tuple(events), zone(tz)))


def parse_schedule(text: str) -> Schedule:
    """A tag value in either written form."""
    text = " ".join(text.split())
    window = _WINDOW.match(text)
    if window and "=" not in text:
        days, start, end, tz = window.groups()
        days_set, start_min, end_min = parse_days(days), parse_time(start), parse_time(end)
        off_days = days_set if end_min > start_min else frozenset((d + 1) % 7 for d in days_set)
        events = (Event(days_set, start_min, "on"), Event(off_days, end_min, "off"))
        return _checked(Schedule(tuple(events), zone(tz)))
    events, tz = [], None
    for token in text.split(" "):
        key, sep, value = token.partition("=")
        if not sep or key not in ("on", "off", "tz"):
            raise ScheduleError(
                f"schedule {text!r}: expected 'on=DAYS/HH:MM off=DAYS/HH:MM tz=ZONE' or 'DAYS HH:MM-HH:MM ZONE'"
            )
        if key == "tz":
            if tz is not None:
                raise ScheduleError(f"schedule {text!r}: more than one tz=")
            tz = zone(value)
        else:
            days, slash, time = value.rpartition("/")
            if not slash:
                raise ScheduleError(f"schedule {text!r}: {token!r} should be {key}=DAYS/HH:MM")
            events.append(Event(parse_days(days), parse_time(time), key))
    if tz is None:
        raise ScheduleError(f"schedule {text!r}: no tz= (use tz=UTC for UTC)")
    return _checked(Schedule(tuple(events), tz))


def _checked(schedule: Schedule) -> Schedule:
    actions = {e.action for e in schedule.events}
    if actions != {"on", "off"}:
        raise ScheduleError("a schedule needs at least one on time and one off time")
    if any(not e.days for e in schedule.events):
        raise ScheduleError("every on and off time needs at least one day")
    when = {}
    for event in schedule.events:
        for day in event.days:
            if when.setdefault((day, event.minute), event.action) != event.action:
                raise ScheduleError(f"on and off at the same time: {DAYS[day]} {_hhmm(event.minute)}")
    if len(format_schedule(schedule)) > TAG_VALUE_LIMIT:
        raise ScheduleError(f"the schedule is longer than a tag value may be ({TAG_VALUE_LIMIT} characters)")
    return schedule


# --- formatting -------------------------------------------------------------------------------------------


def format_days(days: frozenset[int]) -> str:
    """Canonical: runs of consecutive days as ranges, joined with '+' (tag values allow no commas)."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return "+".join(DAYS[r[0]] if len(r) == 1 else f"{DAYS[r[0]]}-{DAYS[r[-1]]}" for r in runs)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def format_schedule(schedule: Schedule) -> str:
    """The tag value `sagecheck hyperpod schedule` writes, e.g. 'on=Mon-Fri/08:00 off=Mon-Fri/20:00 tz=UTC'."""
    events = " ".join(f"{e.action}={format_days(e.days)}/{_hhmm(e.minute)}" for e in schedule.events)
    return f"{events} tz={schedule.tz}"


# --- evaluation -------------------------------------------------------------------------------------------


def _occurrences(schedule: Schedule, first: dt.date, last: dt.date) -> list[tuple[dt.datetime, str]]:
    """Every event instant (UTC) on local dates first..last, in time order."""
    zone_info = schedule.zone
    found = []
    day = first
    while day <= last:
        for event in schedule.events:
            if day.weekday() in event.days:
                local = dt.datetime.combine(day, dt.time(event.minute // 60, event.minute % 60), zone_info)
                found.append((local.astimezone(UTC), event.action))
        day += dt.timedelta(days=1)
    return sorted(found)


def last_switch(schedule: Schedule, at: dt.datetime) -> tuple[dt.datetime, str]:
    """The most recent event at or before `at` (aware): its instant and action."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    today = at.astimezone(schedule.zone).date()
    past = [o for o in _occurrences(schedule, today - dt.timedelta(days=8), today + dt.timedelta(days=1)) if o[0] <= at]
    return past[-1]  # every event recurs weekly, so the last 8 days always hold one


def next_switch(schedule: Schedule, at: dt.datetime) -> tuple[dt.datetime, str]:
    """The first event after `at` that changes the state."""
    state = state_at(schedule, at)
    today = at.astimezone(schedule.zone).date()
    return next(o for o in _occurrences(schedule, today, today + dt.timedelta(days=8)) if o[0] > at and o[1] != state)


def state_at(schedule: Schedule, at: dt.datetime) -> str:
    """'on' or 'off': the state the schedule wants at `at`."""
    return last_switch(schedule, at)[1]


def off_hours_per_week(schedule: Schedule) -> float:
    """Hours a week the schedule keeps the cluster off, on the wall clock (a 168-hour week; DST ignored).

    'weekdays 08:00-20:00 UTC' -> 108.0 (12 h a weekday night, plus the whole weekend)."""
    points = sorted({(day * 1440 + e.minute, e.action) for e in schedule.events for day in e.days})
    off = 0
    for index, (minute, action) in enumerate(points):  # a valid schedule has an on and an off point
        if action == "off":
            off += (points[(index + 1) % len(points)][0] - minute) % MINUTES_PER_WEEK
    return off / 60

"""Schedules are pure: parsed, formatted and evaluated at a fixed clock, across time zones, days and DST."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from sagecheck.errors import InputError
from sagecheck.schedule import (
    ScheduleError,
    format_schedule,
    last_switch,
    make_schedule,
    next_switch,
    off_hours_per_week,
    parse_days,
    parse_schedule,
    parse_time,
    state_at,
)

UTC = dt.timezone.utc
AWS_TAG_VALUE = re.compile(r"^[\w\s.:/=+\-@]{0,256}$")  # SageMaker's TagValue pattern and limit
BERLIN_OFFICE = make_schedule(["Mon-Fri 08:00"], ["Mon-Fri 20:00"], "Europe/Berlin")


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# --- parsing and formatting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, days",
    [
        ("Mon-Fri", {0, 1, 2, 3, 4}),
        ("mon,wed,FRI", {0, 2, 4}),
        ("Mon+Sat-Sun", {0, 5, 6}),
        ("Fri-Mon", {4, 5, 6, 0}),  # ranges wrap over the weekend
        ("Sun", {6}),
        ("daily", set(range(7))),
        ("weekdays", set(range(5))),
        ("Weekends", {5, 6}),
        ("Mon, Tue", {0, 1}),
    ],
)
def test_days(text, days):
    assert parse_days(text) == frozenset(days)


@pytest.mark.parametrize("text", ["Monday", "Mo-Fr", "", "Mon-", "Mon,,Fri"])
def test_bad_days_are_input_errors(text):
    with pytest.raises(InputError, match="is not a day"):
        parse_days(text)


@pytest.mark.parametrize("text, minute", [("00:00", 0), ("08:00", 480), ("23:59", 1439)])
def test_times(text, minute):
    assert parse_time(text) == minute


@pytest.mark.parametrize("text", ["24:00", "8:00", "12:60", "noon", "08:00:00"])
def test_bad_times(text):
    with pytest.raises(ScheduleError, match="HH:MM"):
        parse_time(text)


def test_the_cli_form_formats_as_a_tag_value_and_parses_back():
    text = format_schedule(BERLIN_OFFICE)
    assert text == "on=Mon-Fri/08:00 off=Mon-Fri/20:00 tz=Europe/Berlin"
    assert AWS_TAG_VALUE.match(text)
    assert parse_schedule(text) == BERLIN_OFFICE


def test_canonical_form_of_irregular_days_uses_no_commas():
    schedule = make_schedule(["Mon,Wed,Fri 07:30", "Sat 10:00"], ["daily 19:00"], "America/New_York")
    text = format_schedule(schedule)
    assert text == "on=Mon+Wed+Fri/07:30 on=Sat/10:00 off=Mon-Sun/19:00 tz=America/New_York"
    assert AWS_TAG_VALUE.match(text) and parse_schedule(text) == schedule


def test_the_simulated_accounts_window_form_is_understood():
    """The demo account tags hp-running with 'weekdays 08:00-20:00 UTC'."""
    assert parse_schedule("weekdays 08:00-20:00 UTC") == make_schedule(["Mon-Fri 08:00"], ["Mon-Fri 20:00"], "UTC")


def test_an_overnight_window_ends_the_next_morning():
    night_shift = parse_schedule("Mon-Fri 22:00-06:00 UTC")
    assert night_shift == make_schedule(["Mon-Fri 22:00"], ["Tue-Sat 06:00"], "UTC")
    assert state_at(night_shift, utc(2025, 5, 24, 5, 59)) == "on"  # Friday's shift, Saturday morning
    assert state_at(night_shift, utc(2025, 5, 24, 6, 0)) == "off"
    assert state_at(night_shift, utc(2025, 5, 26, 5, 0)) == "off"  # no shift on Sunday night


def test_event_order_does_not_matter():
    a = make_schedule(["Mon 08:00", "Tue 08:00"], ["Fri 20:00"], "UTC")
    b = make_schedule(["Tue 08:00", "Mon 08:00", "Mon 08:00"], ["Fri 20:00"], "UTC")
    assert a == b and format_schedule(a) == format_schedule(b)


@pytest.mark.parametrize(
    "text, message",
    [
        ("on=Mon-Fri/08:00 tz=UTC", "one on time and one off time"),
        ("off=Mon-Fri/08:00 tz=UTC", "one on time and one off time"),
        ("on=Mon/08:00 off=Mon/08:00 tz=UTC", "on and off at the same time: Mon 08:00"),
        ("on=Mon/08:00 off=Mon/20:00", "no tz="),
        ("on=Mon/08:00 off=Mon/20:00 tz=UTC tz=UTC", "more than one tz="),
        ("on=Mon/08:00 off=Mon/20:00 tz=Mars/Olympus", "not a known IANA time zone"),
        ("on=Mon 08:00 off=Mon/20:00 tz=UTC", "'on=Mon' should be on=DAYS/HH:MM"),
        ("on=08:00 off=Mon/20:00 tz=UTC", "should be on=DAYS/HH:MM"),
        ("{\"on\": \"08:00\"}", "expected 'on=DAYS/HH:MM"),
        ("weekdays 08:00-20:00 Nowhere/Town", "not a known IANA time zone"),
        ("weekdays 08:00-08:00 UTC", "on and off at the same time: Tue 08:00"),  # a 24-hour window
    ],
)
def test_bad_schedules_say_why(text, message):
    with pytest.raises(ScheduleError, match=re.escape(message)):
        parse_schedule(text)


def test_a_schedule_longer_than_a_tag_value_is_refused():
    times = [f"Mon {h:02d}:{m:02d}" for h in range(0, 12) for m in (0, 30)]
    with pytest.raises(ScheduleError, match="longer than a tag value"):
        make_schedule(times, ["Tue 20:00"], "UTC")


# --- evaluation at a fixed clock --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at, state",
    [
        (utc(2025, 1, 13, 6, 59), "off"),  # Monday 07:59 CET
        (utc(2025, 1, 13, 7, 0), "on"),  # Monday 08:00 CET: exactly at the event
        (utc(2025, 1, 13, 18, 59), "on"),
        (utc(2025, 1, 13, 19, 0), "off"),  # 20:00 CET
        (utc(2025, 7, 14, 5, 59), "off"),  # summer: 07:59 CEST
        (utc(2025, 7, 14, 6, 0), "on"),  # 08:00 CEST
        (utc(2025, 7, 18, 18, 0), "off"),  # Friday 20:00 CEST
        (utc(2025, 7, 19, 12, 0), "off"),  # Saturday noon
        (utc(2025, 7, 20, 23, 0), "off"),  # Sunday 01:00 Monday local: still before Monday 08:00
    ],
)
def test_berlin_office_hours_in_winter_and_summer(at, state):
    assert state_at(BERLIN_OFFICE, at) == state


def test_the_local_day_decides_across_the_utc_date_line():
    tokyo = make_schedule(["Mon 08:00"], ["Mon 20:00"], "Asia/Tokyo")
    assert state_at(tokyo, utc(2025, 5, 18, 22, 59)) == "off"  # Sunday in UTC, Monday 07:59 in Tokyo
    assert state_at(tokyo, utc(2025, 5, 18, 23, 0)) == "on"
    los_angeles = make_schedule(["Fri 08:00"], ["Fri 20:00"], "America/Los_Angeles")
    assert state_at(los_angeles, utc(2025, 5, 24, 2, 59)) == "on"  # Saturday in UTC, Friday 19:59 PDT
    assert state_at(los_angeles, utc(2025, 5, 24, 3, 0)) == "off"


def test_a_local_time_skipped_by_dst_happens_an_hour_later_on_the_wall_clock():
    # Europe/Berlin jumps from 02:00 to 03:00 on Sunday 2025-03-30; 02:30 does not exist.
    schedule = make_schedule(["Sun 02:30"], ["Sun 12:00"], "Europe/Berlin")
    when, action = last_switch(schedule, utc(2025, 3, 30, 2, 0))
    assert (when, action) == (utc(2025, 3, 30, 1, 30), "on")  # 03:30 CEST
    assert state_at(schedule, utc(2025, 3, 30, 1, 29)) == "off"
    assert state_at(schedule, utc(2025, 3, 30, 1, 30)) == "on"


def test_a_local_time_repeated_by_dst_happens_at_its_first_occurrence():
    # Europe/Berlin goes back from 03:00 to 02:00 on Sunday 2025-10-26; 02:30 happens twice.
    schedule = make_schedule(["Sun 02:30"], ["Sun 12:00"], "Europe/Berlin")
    assert state_at(schedule, utc(2025, 10, 26, 0, 29)) == "off"
    assert state_at(schedule, utc(2025, 10, 26, 0, 30)) == "on"  # 02:30 CEST, the first
    assert last_switch(schedule, utc(2025, 10, 26, 1, 45)) == (utc(2025, 10, 26, 0, 30), "on")  # not again at 02:30 CET


def test_the_week_after_a_dst_change_moves_in_utc_but_not_on_the_wall_clock():
    assert last_switch(BERLIN_OFFICE, utc(2025, 3, 24, 12))[0] == utc(2025, 3, 24, 7)  # CET
    assert last_switch(BERLIN_OFFICE, utc(2025, 3, 31, 12))[0] == utc(2025, 3, 31, 6)  # CEST


def test_next_switch_skips_events_that_change_nothing():
    schedule = make_schedule(["Mon 08:00", "Tue 08:00"], ["Fri 20:00"], "UTC")
    assert next_switch(schedule, utc(2025, 5, 19, 9)) == (utc(2025, 5, 23, 20), "off")
    assert next_switch(schedule, utc(2025, 5, 23, 20)) == (utc(2025, 5, 26, 8), "on")


def test_a_naive_clock_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        state_at(BERLIN_OFFICE, dt.datetime(2025, 5, 19, 9))


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Auckland"])
def test_evaluation_agrees_with_the_wall_clock_for_a_month_without_dst_changes(tz):
    """Hour by hour through June (no DST change in these zones), against a brute-force wall-clock rule."""
    schedule = make_schedule(["Mon-Fri 08:00", "Sat 10:30"], ["Mon-Thu 18:00", "Fri 16:00", "Sat 13:00"], tz)
    zone = ZoneInfo(tz)
    moments = [(day, e.minute, e.action) for e in schedule.events for day in e.days]
    for hour in range(30 * 24):
        at = utc(2025, 6, 1) + dt.timedelta(hours=hour, minutes=7)
        local = at.astimezone(zone)
        now = local.weekday() * 1440 + local.hour * 60 + local.minute
        # the latest event at or before `now` in the week, wrapping to the previous week
        _, _, expected = min(moments, key=lambda m: (now - (m[0] * 1440 + m[1])) % 10080)
        assert state_at(schedule, at) == expected, (tz, at)


# --- off hours, for the scan's recommendation -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, hours",
    [
        ("weekdays 08:00-20:00 UTC", 108.0),  # 5 x 12 h nights and the whole weekend
        ("daily 08:00-20:00 UTC", 84.0),
        ("daily 22:00-06:00 UTC", 112.0),  # overnight: on 8 h a day
        ("on=Mon/08:00 off=Fri/20:00 tz=UTC", 60.0),  # one long run, Monday to Friday evening
        ("on=Mon/08:00 on=Mon-Fri/08:00 off=Mon-Fri/20:00 tz=Asia/Tokyo", 108.0),  # repeats count once
        ("on=Mon-Fri/09:15 off=Mon-Fri/17:45 tz=UTC", 168 - 5 * 8.5),
    ],
)
def test_off_hours_per_week(text, hours):
    assert off_hours_per_week(parse_schedule(text)) == pytest.approx(hours)

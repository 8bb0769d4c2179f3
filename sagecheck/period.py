"""The billing period: the calendar month (UTC) that contains as_of."""
from __future__ import annotations

import datetime as dt

from .errors import InputError


def parse_as_of(value: str | None, now: dt.datetime | None = None, option: str = "--as-of") -> dt.datetime:
    """An ISO 8601 time (UTC when no offset is given), or now."""
    if value is None:
        return now or dt.datetime.now(dt.timezone.utc)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{option} {value!r} is not an ISO 8601 time, e.g. 2026-12-04T12:00:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def month_of(as_of: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = as_of.astimezone(dt.timezone.utc).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end

"""Local (Europe/Paris) times from a day and seconds since local midnight."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def local_datetime(day: dt.date, seconds: int) -> dt.datetime:
    """Wall-clock time ``seconds`` after midnight on ``day``, with its Paris offset."""
    naive = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(seconds=int(seconds))
    return naive.replace(tzinfo=PARIS)


def seconds_of_day(value: dt.datetime) -> int:
    """Seconds since local midnight of a Paris wall-clock time."""
    local = value.astimezone(PARIS)
    return local.hour * 3600 + local.minute * 60 + local.second

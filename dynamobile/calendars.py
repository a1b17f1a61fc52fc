"""Which days crews work and which opening windows apply on a day.

Interim: weekdays only. Public holidays, school holidays and days off are being added
(issue 9, item 7); callers already go through these two functions.
"""

from __future__ import annotations

import datetime as dt

from .model import Calendar, Vehicle
from .windows import Window, windows_on


def works_on(calendar: Calendar, vehicle: Vehicle, day: dt.date) -> bool:
    """Whether ``vehicle``'s crew works on ``day``."""
    return vehicle.works_on(day) and day not in calendar.days_off


def opening(calendar: Calendar, windows: tuple[Window, ...], day: dt.date) -> list[tuple[int, int]]:
    """Opening intervals (minutes since midnight) of ``windows`` on ``day``, merged and sorted."""
    return windows_on(windows, day)

"""Which days crews work and which opening windows apply on a day.

The one home of the two calendar libraries: French public holidays from `holidays`, school
holidays by zone from `vacances-scolaires-france` (both offline, both cached per year and zone).
The planner and the checkers go through `works_on` and `opening`.
"""

from __future__ import annotations

import datetime as dt
import functools

import holidays
from vacances_scolaires_france import SchoolHolidayDates

from .errors import InputError
from .model import Calendar, Vehicle
from .windows import Window, depends_on_school_holidays, windows_on

PUBLIC_HOLIDAY_MODES = ("off", "work")
SCHOOL_ZONES = tuple(SchoolHolidayDates.SUPPORTED_ZONES)  # ("A", "B", "C"); Chambéry is in zone A


@functools.cache
def _public_holidays(year: int) -> dict[dt.date, str]:
    return dict(holidays.France(years=year, language="fr"))


def public_holiday(day: dt.date) -> str | None:
    """The French name of the public holiday on ``day`` (metropolitan France), or None."""
    return _public_holidays(day.year).get(day)


@functools.lru_cache(maxsize=1)
def _school_data() -> SchoolHolidayDates:
    return SchoolHolidayDates()  # reads the package's CSV once (~0.1 s)


@functools.lru_cache(maxsize=1)
def school_data_until() -> dt.date:
    """The last day the school-holiday data knows (the end of its last summer holidays)."""
    return max(_school_data().data)


@functools.cache
def _school_holidays(year: int, zone: str) -> dict[dt.date, str]:
    return {
        day: row["nom_vacances"]
        for day, row in _school_data().holidays_for_year_and_zone(year, zone).items()
    }


def school_holiday(calendar: Calendar, day: dt.date) -> str | None:
    """The name of the school holidays of the calendar's zone on ``day`` (« Vacances de Noël »), or
    None; an InputError when the zone or the dates are unknown rather than a guess."""
    if calendar.school_zone is None:
        raise InputError(
            "créneaux « vacances » / « hors-vacances » : zone de vacances scolaires inconnue "
            "([calendar] school_zone)"
        )
    data = _school_data()
    if not dt.date(data.min_year, 1, 1) <= day <= school_data_until():
        raise InputError(
            f"vacances scolaires inconnues pour le {day:%d/%m/%Y} (données du paquet vacances-scolaires-france "
            f"jusqu'au {school_data_until():%d/%m/%Y}) : mettez-le à jour ou retirez les créneaux "
            "« vacances » / « hors-vacances »"
        )
    return _school_holidays(day.year, calendar.school_zone).get(day)


def day_off_reason(calendar: Calendar, vehicle: Vehicle, day: dt.date) -> str | None:
    """Why ``vehicle``'s crew is off on ``day`` although it is one of its weekdays (public holiday,
    team or crew day off), as the French sentence a coordinator reads; None otherwise."""
    if not vehicle.works_on(day):
        return None
    if calendar.public_holidays == "off":
        name = public_holiday(day)
        if name:
            return f"Jour férié ({name}) : pas de tournée."
    if day in calendar.days_off:
        return "Jour de repos de l'équipe."
    if day in vehicle.days_off:
        return f"Jour de repos de l'équipe ({vehicle.name or vehicle.id})."
    return None


def works_on(calendar: Calendar, vehicle: Vehicle, day: dt.date) -> bool:
    """Whether ``vehicle``'s crew works on ``day``: one of its weekdays, not a public holiday (when
    the calendar takes them off), not a day off of the team or of this vehicle's crew."""
    return vehicle.works_on(day) and day_off_reason(calendar, vehicle, day) is None


def opening(calendar: Calendar, windows: tuple[Window, ...], day: dt.date) -> list[tuple[int, int]]:
    """Opening intervals (minutes since midnight) of ``windows`` on ``day``, merged and sorted;
    windows qualified by the school holidays follow the calendar's zone."""
    in_holidays = None
    if depends_on_school_holidays(windows):
        in_holidays = school_holiday(calendar, day) is not None
    return windows_on(windows, day, school_holiday=in_holidays)

"""Calendar lookups on the real offline data: French public holidays and zone A school holidays."""

import datetime as dt
from dataclasses import replace

import pytest

from dynamobile.calendars import (
    SCHOOL_ZONES,
    day_off_reason,
    opening,
    public_holiday,
    school_data_until,
    school_holiday,
    works_on,
)
from dynamobile.errors import InputError
from dynamobile.model import Calendar
from dynamobile.windows import parse_windows
from tests.core.builders import vehicle

CHAMBERY = Calendar()  # public holidays off, zone A


def test_public_holidays_2026_2027():
    assert public_holiday(dt.date(2026, 12, 25)) == "Noël"
    assert public_holiday(dt.date(2027, 1, 1)) == "Jour de l'an"
    assert (
        public_holiday(dt.date(2027, 3, 29)) == "Lundi de Pâques"
    )  # Easter Sunday 2027 is 28 March
    assert public_holiday(dt.date(2027, 5, 6)) == "Ascension"
    assert (
        public_holiday(dt.date(2026, 12, 24)) is None
        and public_holiday(dt.date(2027, 3, 30)) is None
    )


def test_crews_are_off_on_public_holidays_by_default():
    van = vehicle(days="mon-sun")
    for day in (dt.date(2026, 12, 25), dt.date(2027, 1, 1), dt.date(2027, 3, 29)):
        assert not works_on(CHAMBERY, van, day)
    assert (
        day_off_reason(CHAMBERY, van, dt.date(2026, 12, 25))
        == "Jour férié (Noël) : pas de tournée."
    )
    assert works_on(CHAMBERY, van, dt.date(2026, 12, 24)) and works_on(
        CHAMBERY, van, dt.date(2026, 12, 26)
    )


def test_work_mode_keeps_public_holidays_working_days():
    van = vehicle(days="mon-sun")
    assert works_on(Calendar(public_holidays="work"), van, dt.date(2026, 12, 25))
    assert day_off_reason(Calendar(public_holidays="work"), van, dt.date(2027, 3, 29)) is None


def test_weekdays_team_and_crew_days_off():
    friday = dt.date(2027, 3, 12)
    van = vehicle(days="tue-sat")
    assert not works_on(CHAMBERY, van, dt.date(2027, 3, 15))  # a Monday
    # Not one of its weekdays: the holiday is no reason of its own (Easter Monday, crew off anyway).
    assert day_off_reason(CHAMBERY, van, dt.date(2027, 3, 29)) is None
    team_off = Calendar(days_off=frozenset({friday}))
    assert (
        not works_on(team_off, van, friday)
        and day_off_reason(team_off, van, friday) == "Jour de repos de l'équipe."
    )
    crew_off = replace(van, days_off=frozenset({friday}), name="Fourgon")
    assert not works_on(CHAMBERY, crew_off, friday)
    assert day_off_reason(CHAMBERY, crew_off, friday) == "Jour de repos de l'équipe (Fourgon)."
    assert works_on(CHAMBERY, van, friday)


@pytest.mark.parametrize(
    "day, name",
    [
        (dt.date(2026, 12, 21), "Vacances de Noël"),
        (dt.date(2027, 1, 3), "Vacances de Noël"),
        (dt.date(2027, 2, 15), "Vacances d'hiver"),  # zone A: 13-28 February 2027
        (dt.date(2027, 4, 12), "Vacances de printemps"),  # zone A: 10-25 April 2027
        (dt.date(2027, 1, 4), None),  # back to school
        (dt.date(2027, 3, 1), None),  # zone B is still on holiday, zone A is not
        (dt.date(2027, 4, 5), None),  # zone C is on holiday, zone A is not
    ],
)
def test_school_holidays_zone_a(day, name):
    assert school_holiday(CHAMBERY, day) == name


def test_school_holidays_follow_the_zone():
    assert school_holiday(Calendar(school_zone="B"), dt.date(2027, 3, 1)) == "Vacances d'hiver"
    assert (
        school_holiday(Calendar(school_zone="C"), dt.date(2027, 2, 27)) is None
    )  # C: 6-21 February
    assert SCHOOL_ZONES == ("A", "B", "C")


def test_unknown_school_holidays_are_an_error_not_a_guess():
    later = school_data_until() + dt.timedelta(days=60)
    with pytest.raises(InputError, match="vacances scolaires inconnues pour le"):
        school_holiday(CHAMBERY, later)
    with pytest.raises(InputError, match="zone de vacances scolaires inconnue"):
        school_holiday(Calendar(school_zone=None), dt.date(2027, 2, 15))
    # Windows without a qualifier never need the data.
    assert opening(CHAMBERY, parse_windows("mon-sun 08:00-10:00"), later) == [(480, 600)]


def test_opening_with_school_holiday_windows():
    windows = parse_windows(
        "vacances mon-fri 14:00-18:00; hors-vacances mer 14:00-17:00; sat 09:00-12:00"
    )
    assert opening(CHAMBERY, windows, dt.date(2027, 2, 17)) == [
        (840, 1080)
    ]  # Wednesday in the holidays
    assert opening(CHAMBERY, windows, dt.date(2027, 3, 3)) == [
        (840, 1020)
    ]  # Wednesday, school term
    assert opening(CHAMBERY, windows, dt.date(2027, 3, 4)) == []  # Thursday, school term
    assert opening(CHAMBERY, windows, dt.date(2027, 2, 20)) == [(540, 720)]  # Saturday
    assert opening(Calendar(school_zone="B"), windows, dt.date(2027, 3, 3)) == [(840, 1080)]

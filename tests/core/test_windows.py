import datetime as dt

import pytest

from dynamobile.windows import WindowSyntaxError, parse_days, parse_windows, windows_on

SAT = dt.date(2026, 11, 28)


def test_days_forms():
    assert parse_days("sat") == (frozenset({5}), frozenset())
    assert parse_days("mon-fri")[0] == frozenset(range(5))
    assert parse_days("sat-mon")[0] == frozenset({5, 6, 0})
    assert parse_days("tue,sat")[0] == frozenset({1, 5})
    assert parse_days("2027-06-19") == (frozenset(), frozenset({dt.date(2027, 6, 19)}))
    assert parse_days("sam,dim")[0] == frozenset({5, 6})  # French abbreviations too


def test_several_windows_and_dates():
    windows = parse_windows("tue,sat 07:30-12:30; 2027-06-19 14:00-22:00")
    assert len(windows) == 2
    assert windows_on(windows, SAT) == [(450, 750)]
    assert windows_on(windows, dt.date(2027, 6, 19)) == [(450, 750), (840, 1320)]
    assert windows_on(windows, dt.date(2026, 11, 30)) == []


def test_overlapping_windows_merge():
    assert windows_on(parse_windows("sat 08:00-10:00; sat 09:00-11:00; sat 14:00-15:00"), SAT) == [(480, 660), (840, 900)]


@pytest.mark.parametrize("text, message", [
    ("sat 12:00-10:00", "fin n'est pas après le début"),
    ("samedi 08:00-10:00", "jour inconnu « samedi »"),
    ("sat 8h-10h", "heure illisible"),
    ("sat 25:00-26:00", "heure impossible"),
    ("2027-02-30 08:00-10:00", "date impossible"),
    ("sat", "créneau illisible"),
    ("", "aucun créneau"),
])
def test_bad_windows_are_named(text, message):
    with pytest.raises(WindowSyntaxError, match=message):
        parse_windows(text)

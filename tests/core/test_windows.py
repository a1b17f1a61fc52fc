import datetime as dt

import pytest

from dynamobile.windows import WindowSyntaxError, french_window, parse_days, parse_windows, windows_on

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


@pytest.mark.parametrize("text, school_holidays, weekdays", [
    ("vacances 14:00-18:00", True, frozenset(range(7))),
    ("holidays mon-fri 14:00-18:00", True, frozenset(range(5))),
    ("school-holidays sat 10:00-12:00", True, frozenset({5})),
    ("Vacances scolaires lun-ven 14:00-18:00", True, frozenset(range(5))),
    ("hors-vacances mer 14:00-17:00", False, frozenset({2})),
    ("hors vacances mer 14:00-17:00", False, frozenset({2})),
    ("term wed 14:00-17:00", False, frozenset({2})),
    ("term-time 14:00-17:00", False, frozenset(range(7))),
    ("wed 14:00-17:00", None, frozenset({2})),
])
def test_school_holiday_qualifiers(text, school_holidays, weekdays):
    (window,) = parse_windows(text)
    assert window.school_holidays is school_holidays and window.weekdays == weekdays
    assert parse_windows(str(window)) == (window,)


def test_qualified_windows_round_trip_and_read_in_french():
    windows = parse_windows("vacances mon-fri 14:00-18:00; hors-vacances mer 14:00-17:00; vacances 10:00-11:00; "
                            "tue,sat 07:30-12:30; 2027-06-19 14:00-22:00")
    assert parse_windows("; ".join(str(w) for w in windows)) == windows
    assert [french_window(w) for w in windows] == [
        "vacances scolaires : lun-ven 14:00-18:00", "hors vacances scolaires : mer 14:00-17:00",
        "vacances scolaires : tous les jours 10:00-11:00", "mar, sam 07:30-12:30", "19/06/2027 14:00-22:00",
    ]


def test_windows_on_without_a_calendar_leaves_qualified_windows_out():
    windows = parse_windows("vacances sat 14:00-18:00; hors-vacances sat 09:00-12:00; sat 19:00-20:00")
    assert windows_on(windows, SAT) == [(1140, 1200)]
    assert windows_on(windows, SAT, school_holiday=True) == [(840, 1080), (1140, 1200)]
    assert windows_on(windows, SAT, school_holiday=False) == [(540, 720), (1140, 1200)]


@pytest.mark.parametrize("text, message", [
    ("vacance mer 14:00-17:00", r"mot « vacance » inconnu avant les jours \(attendu vacances ou hors-vacances\)"),
    ("vacances", "créneau illisible « vacances »"),
    ("hors-vacances mer", "plage horaire illisible « mer »"),
    ("vacances mercredi 14:00-17:00", "jour inconnu « mercredi »"),
])
def test_bad_qualified_windows_are_named(text, message):
    with pytest.raises(WindowSyntaxError, match=message):
        parse_windows(text)

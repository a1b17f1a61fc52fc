import datetime as dt

import pytest

from dynamobile.windows import (
    WindowSyntaxError,
    french_window,
    parse_clock,
    parse_clock_range,
    parse_days,
    parse_windows,
    windows_on,
)

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
    assert windows_on(parse_windows("sat 08:00-10:00; sat 09:00-11:00; sat 14:00-15:00"), SAT) == [
        (480, 660),
        (840, 900),
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("sat 12:00-10:00", "fin n'est pas après le début"),
        ("funday 08:00-10:00", "jour inconnu « funday »"),
        ("sa 08:00-10:00", "jour inconnu « sa »"),  # two letters could be several days' names
        ("sat 8-10", r"heure illisible « 8 » \(attendu 09:30, 9h30 ou 9h\)"),
        ("sat 8h60-10h", "heure impossible « 8h60 »"),
        ("sat 08:00-10:00-12:00", "plage horaire illisible"),
        ("lun-mer-ven 08:00-10:00", "plage de jours illisible « lun-mer-ven »"),
        ("31/02/2027 08:00-10:00", "date impossible « 31/02/2027 »"),
        (
            "mar sam 08:00-10:00",
            r"séparer les jours par une virgule \(mar, sam\) ou un tiret \(lun-ven\)",
        ),
        ("sat 25:00-26:00", "heure impossible"),
        ("2027-02-30 08:00-10:00", "date impossible"),
        ("sat", "créneau illisible"),
        ("", "aucun créneau"),
    ],
)
def test_bad_windows_are_named(text, message):
    with pytest.raises(WindowSyntaxError, match=message):
        parse_windows(text)


@pytest.mark.parametrize(
    "text, school_holidays, weekdays",
    [
        ("vacances 14:00-18:00", True, frozenset(range(7))),
        ("holidays mon-fri 14:00-18:00", True, frozenset(range(5))),
        ("school-holidays sat 10:00-12:00", True, frozenset({5})),
        ("Vacances scolaires lun-ven 14:00-18:00", True, frozenset(range(5))),
        ("hors-vacances mer 14:00-17:00", False, frozenset({2})),
        ("hors vacances mer 14:00-17:00", False, frozenset({2})),
        ("term wed 14:00-17:00", False, frozenset({2})),
        ("term-time 14:00-17:00", False, frozenset(range(7))),
        ("wed 14:00-17:00", None, frozenset({2})),
    ],
)
def test_school_holiday_qualifiers(text, school_holidays, weekdays):
    (window,) = parse_windows(text)
    assert window.school_holidays is school_holidays and window.weekdays == weekdays
    assert parse_windows(str(window)) == (window,)


def test_qualified_windows_round_trip_and_read_in_french():
    windows = parse_windows(
        "vacances mon-fri 14:00-18:00; hors-vacances mer 14:00-17:00; vacances 10:00-11:00; "
        "tue,sat 07:30-12:30; 2027-06-19 14:00-22:00"
    )
    assert parse_windows("; ".join(str(w) for w in windows)) == windows
    assert [french_window(w) for w in windows] == [
        "vacances scolaires : lun-ven 14:00-18:00",
        "hors vacances scolaires : mer 14:00-17:00",
        "vacances scolaires : tous les jours 10:00-11:00",
        "mar, sam 07:30-12:30",
        "19/06/2027 14:00-22:00",
    ]


def test_windows_on_without_a_calendar_leaves_qualified_windows_out():
    windows = parse_windows(
        "vacances sat 14:00-18:00; hors-vacances sat 09:00-12:00; sat 19:00-20:00"
    )
    assert windows_on(windows, SAT) == [(1140, 1200)]
    assert windows_on(windows, SAT, school_holiday=True) == [(840, 1080), (1140, 1200)]
    assert windows_on(windows, SAT, school_holiday=False) == [(540, 720), (1140, 1200)]


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "vacance mer 14:00-17:00",
            r"mot « vacance » inconnu avant les jours \(attendu vacances ou hors-vacances\)",
        ),
        ("vacances", "créneau illisible « vacances »"),
        ("hors-vacances mer", "plage horaire illisible « mer »"),
        ("vacances mercrdi 14:00-17:00", "jour inconnu « mercrdi »"),
    ],
)
def test_bad_qualified_windows_are_named(text, message):
    with pytest.raises(WindowSyntaxError, match=message):
        parse_windows(text)


@pytest.mark.parametrize(
    "typed, canonical",
    [
        ("samedi 09:30-12:00", "sat 09:30-12:00"),
        ("Samedi 9h30-12h", "sat 09:30-12:00"),
        ("SAM. 09h30-12h00", "sat 09:30-12:00"),
        ("sam 9:30-12:00", "sat 09:30-12:00"),
        ("saturday 09:30 - 12:00", "sat 09:30-12:00"),
        ("Sat 9h30 – 12h", "sat 09:30-12:00"),  # an en dash, as a word processor writes it
        ("mar, sam 9h-12h30", "tue,sat 09:00-12:30"),
        ("mardi , samedi 9h-12h30", "tue,sat 09:00-12:30"),
        ("mer 14h-17h", "wed 14:00-17:00"),
        ("Mér. 14h-17h", "wed 14:00-17:00"),
        ("mercredi 14h-17h", "wed 14:00-17:00"),
        ("dimanche 10h-11h", "sun 10:00-11:00"),
        ("lun-ven 9h-12h", "mon,tue,wed,thu,fri 09:00-12:00"),
        ("lundi-vendredi 9h-12h", "mon,tue,wed,thu,fri 09:00-12:00"),
        ("Lundi - Vendredi 9h-12h", "mon,tue,wed,thu,fri 09:00-12:00"),
        ("vendredi-lundi 9h-12h", "mon,fri,sat,sun 09:00-12:00"),
        ("thursday,Friday 9h-12h", "thu,fri 09:00-12:00"),
        ("19/06/2027 14h-22h", "2027-06-19 14:00-22:00"),
        ("2027-06-19 14:00-24:00", "2027-06-19 14:00-24:00"),
        ("vacances mercredi 14h-17h", "school-holidays wed 14:00-17:00"),
        (
            "hors vacances scolaires lundi-vendredi 16h30-18h",
            "term-time mon,tue,wed,thu,fri 16:30-18:00",
        ),
        ("hors - vacances 9h-10h", "term-time 09:00-10:00"),
        ("Vacances 14h - 18h", "school-holidays 14:00-18:00"),
    ],
)
def test_forms_people_type(typed, canonical):
    windows = parse_windows(typed)
    assert "; ".join(str(w) for w in windows) == canonical
    assert parse_windows(canonical) == windows


def test_several_typed_windows_round_trip():
    windows = parse_windows("mar, sam 7h30-12h30 ; samedi 14h - 18h ; 19/06/2027 14h-22h")
    assert [str(w) for w in windows] == [
        "tue,sat 07:30-12:30",
        "sat 14:00-18:00",
        "2027-06-19 14:00-22:00",
    ]
    assert parse_windows("; ".join(str(w) for w in windows)) == windows


@pytest.mark.parametrize(
    "typed, minutes",
    [
        ("09:30", 570),
        ("9:30", 570),
        ("9h30", 570),
        ("09h30", 570),
        ("9H30", 570),
        ("9h", 540),
        ("9 h", 540),
        ("12h00", 720),
        ("0h", 0),
        ("24:00", 1440),
        ("24h", 1440),
    ],
)
def test_clock_forms(typed, minutes):
    assert parse_clock(typed) == minutes


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("9h30-12h", (570, 720)),
        ("09:30 - 12:00", (570, 720)),
        ("9h-12h30", (540, 750)),
        ("8:00–18:00", (480, 1080)),
    ],
)
def test_clock_range_forms(typed, expected):
    assert parse_clock_range(typed) == expected


@pytest.mark.parametrize(
    "typed, weekdays",
    [
        ("samedi", {5}),
        ("sam.", {5}),
        ("SAMEDI", {5}),
        ("saturday", {5}),
        ("mardi", {1}),
        ("mer", {2}),
        ("dimanche", {6}),
        ("jeu.", {3}),
        ("ven", {4}),
        ("lundi-vendredi", set(range(5))),
        ("mar, sam", {1, 5}),
        ("lun.-mer.", {0, 1, 2}),
        ("tues", {1}),
        ("thurs", {3}),
    ],
)
def test_day_forms(typed, weekdays):
    assert parse_days(typed) == (frozenset(weekdays), frozenset())

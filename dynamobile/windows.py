"""Opening windows such as ``tue,sat 07:30-12:30; 2027-06-19 14:00-22:00``.

People type them as they speak: ``samedi 9h30-12h``, ``lundi-vendredi 9h - 12h30``,
``mar., sam 9:30-12:00``. Day names are French or English, full or cut to three letters or more,
in any case, with or without a dot or accents; times are ``09:30``, ``9:30``, ``9h30`` or ``9h``.
`Window.__str__` writes the canonical form (``sat 09:30-12:00``), which reads back the same.

A window may start with a school-holiday qualifier: ``vacances 14:00-18:00`` (every day of the
school holidays), ``hors-vacances wed 14:00-17:00`` (outside them). Whether a day is in the school
holidays is the calendar's business (`dynamobile.calendars.opening`); here it is a flag.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Any prefix of three letters or more names one day: the 14 three-letter prefixes are distinct.
_FULL_DAY_NAMES = (
    ("lundi", "monday"),
    ("mardi", "tuesday"),
    ("mercredi", "wednesday"),
    ("jeudi", "thursday"),
    ("vendredi", "friday"),
    ("samedi", "saturday"),
    ("dimanche", "sunday"),
)
_TIME_RE = re.compile(r"^(\d{1,2})\s*(?::\s*(\d{2})|h\s*(\d{2})?)$", re.IGNORECASE)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FRENCH_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
# Hyphen, en dash, em dash and minus sign, as word processors and spreadsheets turn one into another.
_DASH_RE = re.compile(r"\s*[-\u2010-\u2015\u2212]\s*")
# Longest forms first; "hors vacances" and "vacances scolaires" also with a space.
_QUALIFIER_RE = re.compile(
    r"^(?:(?P<term>hors[\s-]+vacances(?:[\s-]+scolaires)?|term[\s-]+time|term)"
    r"|(?P<holidays>vacances(?:[\s-]+scolaires)?|school[\s-]+holidays|holidays))(?=\s|$)",
    re.IGNORECASE,
)
ALL_WEEKDAYS = frozenset(range(7))


class WindowSyntaxError(ValueError):
    """A window, day list or time range could not be read (message in French)."""


def parse_clock(text: str) -> int:
    """Return minutes since midnight for ``09:30``, ``9:30``, ``9h30`` or ``9h`` (24:00 allowed
    as end of day)."""
    m = _TIME_RE.match(text.strip())
    if not m:
        raise WindowSyntaxError(f"heure illisible « {text.strip()} » (attendu 09:30, 9h30 ou 9h)")
    hours, minutes = int(m.group(1)), int(m.group(2) or m.group(3) or 0)
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise WindowSyntaxError(f"heure impossible « {text.strip()} »")
    return hours * 60 + minutes


def parse_clock_range(text: str) -> tuple[int, int]:
    """Return (start, end) minutes for ``HH:MM-HH:MM`` (or ``9h-12h30``, spaces allowed around
    the dash); the end must come after the start."""
    parts = _DASH_RE.split(text.strip())
    if len(parts) != 2:
        raise WindowSyntaxError(
            f"plage horaire illisible « {text.strip()} » (attendu HH:MM-HH:MM ou 9h-12h30)"
        )
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if end <= start:
        raise WindowSyntaxError(
            f"plage horaire « {text.strip()} » : la fin n'est pas après le début"
        )
    return start, end


def _plain(text: str) -> str:
    """Lower case, without accents, dots or surrounding spaces: ``Mér.`` → ``mer``."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).rstrip(".").strip()


def _weekday(token: str) -> int:
    word = _plain(token)
    if len(word) >= 3:
        for day, names in enumerate(_FULL_DAY_NAMES):
            if any(name.startswith(word) for name in names):
                return day
    raise WindowSyntaxError(
        f"jour inconnu « {token.strip()} » (attendu un jour comme sam, samedi, sat ou saturday, "
        "une plage lun-ven ou une date AAAA-MM-JJ)"
    )


def _date(token: str) -> dt.date | None:
    """``2027-06-19`` or ``19/06/2027`` as a date; None if the token is not shaped like a date."""
    try:
        if _DATE_RE.match(token):
            return dt.date.fromisoformat(token)
        m = _FRENCH_DATE_RE.match(token)
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        raise WindowSyntaxError(f"date impossible « {token} »") from None
    return None


def parse_days(text: str) -> tuple[frozenset[int], frozenset[dt.date]]:
    """Read ``sat``, ``mon-fri``, ``tue,sat``, ``lundi-vendredi``, ``mar., sam`` or dates
    (``2027-06-19``, ``19/06/2027``) into (weekdays, dates)."""
    weekdays: set[int] = set()
    dates: set[dt.date] = set()
    for token in text.split(","):
        token = token.strip()
        if not token:
            raise WindowSyntaxError(f"liste de jours vide dans « {text} »")
        date = _date(token)
        if date is not None:
            dates.add(date)
            continue
        ends = _DASH_RE.split(token)
        if len(ends) > 2:
            raise WindowSyntaxError(f"plage de jours illisible « {token} » (attendu lun-ven)")
        if len(ends) == 2 and not all(e.strip() for e in ends):
            raise WindowSyntaxError(f"plage de jours incomplète « {token} » (attendu lun-ven)")
        first, last = (_weekday(t) for t in (ends[0], ends[-1]))
        day = first
        while True:
            weekdays.add(day)
            if day == last:
                break
            day = (day + 1) % 7
    return frozenset(weekdays), frozenset(dates)


@dataclass(frozen=True)
class Window:
    """An opening window: on the given weekdays or dates, from ``start_min`` to ``end_min``.

    ``school_holidays``: True, only during the school holidays; False, only outside them;
    None, regardless of them.
    """

    weekdays: frozenset[int]
    dates: frozenset[dt.date]
    start_min: int
    end_min: int
    school_holidays: bool | None = None

    def applies_on(self, day: dt.date, *, school_holiday: bool | None = None) -> bool:
        """Whether the window is open on ``day``; a qualified window needs ``school_holiday``
        (None: unknown, so it does not apply)."""
        if self.school_holidays is not None and self.school_holidays is not school_holiday:
            return False
        return day.weekday() in self.weekdays or day in self.dates

    def __str__(self) -> str:
        qualifier = {True: "school-holidays ", False: "term-time ", None: ""}[self.school_holidays]
        days = [DAY_NAMES[d] for d in sorted(self.weekdays)] + [
            d.isoformat() for d in sorted(self.dates)
        ]
        if self.school_holidays is not None and self.weekdays == ALL_WEEKDAYS and not self.dates:
            days = []
        clock = f"{format_clock(self.start_min)}-{format_clock(self.end_min)}"
        return f"{qualifier}{','.join(days)} {clock}" if days else f"{qualifier}{clock}"


FRENCH_DAY_NAMES = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")


def _french_weekdays(weekdays: frozenset[int]) -> list[str]:
    """Runs of three days or more as ``lun-ven``, others one by one."""
    if weekdays == ALL_WEEKDAYS:
        return ["tous les jours"]
    out, days = [], sorted(weekdays)
    while days:
        run = [days.pop(0)]
        while days and days[0] == run[-1] + 1:
            run.append(days.pop(0))
        names = [FRENCH_DAY_NAMES[d] for d in run]
        out += [f"{names[0]}-{names[-1]}"] if len(run) >= 3 else names
    return out


def french_window(window: Window) -> str:
    """``mar, sam 07:30-12:30``, ``19/06/2027 14:00-22:00`` or ``vacances scolaires : lun-ven 14:00-18:00``."""
    days = _french_weekdays(window.weekdays) + [
        d.strftime("%d/%m/%Y") for d in sorted(window.dates)
    ]
    prefix = {True: "vacances scolaires : ", False: "hors vacances scolaires : ", None: ""}[
        window.school_holidays
    ]
    return (
        f"{prefix}{', '.join(days)} {format_clock(window.start_min)}-{format_clock(window.end_min)}"
    )


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _is_days(text: str) -> bool:
    try:
        parse_days(text)
    except WindowSyntaxError:
        return False
    return True


def _parse_window(chunk: str) -> Window:
    """``[QUALIFIER] DAYS HH:MM-HH:MM``; with a qualifier DAYS may be left out (every day)."""
    school_holidays = None
    # Glue the pieces people space out: "mar, sam" and "09:30 - 12:00" are one word each.
    rest = re.sub(r"\s*,\s*", ",", _DASH_RE.sub("-", chunk))
    m = _QUALIFIER_RE.match(rest)
    if m:
        school_holidays = m.group("holidays") is not None
        rest = rest[m.end() :].strip()
    parts = rest.split()
    if school_holidays is not None and len(parts) == 1:
        parts = ["mon-sun", parts[0]]
    if len(parts) >= 3 and all(_is_days(p) for p in parts[:-1]):
        raise WindowSyntaxError(
            f"créneau « {chunk} » : séparer les jours par une virgule (mar, sam) ou un tiret (lun-ven)"
        )
    if len(parts) == 3 and school_holidays is None and not _is_days(parts[0]):
        raise WindowSyntaxError(
            f"créneau « {chunk} » : mot « {parts[0]} » inconnu avant les jours (attendu vacances ou hors-vacances)"
        )
    if len(parts) != 2:
        raise WindowSyntaxError(
            f"créneau illisible « {chunk} » (attendu [vacances|hors-vacances] JOURS HH:MM-HH:MM)"
        )
    weekdays, dates = parse_days(parts[0])
    start, end = parse_clock_range(parts[1])
    return Window(weekdays, dates, start, end, school_holidays)


def parse_windows(text: str) -> tuple[Window, ...]:
    """Read ``[QUALIFIER] DAYS HH:MM-HH:MM`` windows separated by ``;`` (see the module doc)."""
    windows = [_parse_window(chunk.strip()) for chunk in text.split(";") if chunk.strip()]
    if not windows:
        raise WindowSyntaxError("aucun créneau d'ouverture")
    return tuple(windows)


def depends_on_school_holidays(windows: tuple[Window, ...]) -> bool:
    """Whether any window is qualified by the school holidays."""
    return any(w.school_holidays is not None for w in windows)


def windows_on(
    windows: tuple[Window, ...],
    day: dt.date,
    *,
    school_holiday: bool | None = None,
) -> list[tuple[int, int]]:
    """Opening intervals (minutes) on ``day``, sorted and merged where they overlap.

    ``school_holiday`` says whether ``day`` is in the school holidays; left None, the windows
    qualified by them are left out (callers with a calendar use `dynamobile.calendars.opening`).
    """
    spans = sorted(
        (w.start_min, w.end_min)
        for w in windows
        if w.applies_on(day, school_holiday=school_holiday)
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged

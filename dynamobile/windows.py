"""Opening windows such as ``tue,sat 07:30-12:30; 2027-06-19 14:00-22:00``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FRENCH_DAYS = {"lun": 0, "mar": 1, "mer": 2, "jeu": 3, "ven": 4, "sam": 5, "dim": 6}
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class WindowSyntaxError(ValueError):
    """A window, day list or time range could not be read (message in French)."""


def parse_clock(text: str) -> int:
    """Return minutes since midnight for ``HH:MM`` (24:00 allowed as end of day)."""
    m = _TIME_RE.match(text.strip())
    if not m:
        raise WindowSyntaxError(f"heure illisible « {text.strip()} » (attendu HH:MM)")
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise WindowSyntaxError(f"heure impossible « {text.strip()} »")
    return hours * 60 + minutes


def parse_clock_range(text: str) -> tuple[int, int]:
    """Return (start, end) minutes for ``HH:MM-HH:MM``; the end must come after the start."""
    parts = text.strip().split("-")
    if len(parts) != 2:
        raise WindowSyntaxError(f"plage horaire illisible « {text.strip()} » (attendu HH:MM-HH:MM)")
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if end <= start:
        raise WindowSyntaxError(f"plage horaire « {text.strip()} » : la fin n'est pas après le début")
    return start, end


def _weekday(token: str) -> int:
    token = token.strip().lower()
    if token in DAY_NAMES:
        return DAY_NAMES.index(token)
    if token in _FRENCH_DAYS:
        return _FRENCH_DAYS[token]
    raise WindowSyntaxError(
        f"jour inconnu « {token} » (attendu mon, tue, wed, thu, fri, sat, sun ou une date AAAA-MM-JJ)"
    )


def parse_days(text: str) -> tuple[frozenset[int], frozenset[dt.date]]:
    """Read ``sat``, ``mon-fri``, ``tue,sat`` or ISO dates into (weekdays, dates)."""
    weekdays: set[int] = set()
    dates: set[dt.date] = set()
    for token in text.split(","):
        token = token.strip().lower()
        if not token:
            raise WindowSyntaxError(f"liste de jours vide dans « {text} »")
        if _DATE_RE.match(token):
            try:
                dates.add(dt.date.fromisoformat(token))
            except ValueError:
                raise WindowSyntaxError(f"date impossible « {token} »") from None
        elif "-" in token:
            first, last = (_weekday(t) for t in token.split("-", 1))
            day = first
            while True:
                weekdays.add(day)
                if day == last:
                    break
                day = (day + 1) % 7
        else:
            weekdays.add(_weekday(token))
    return frozenset(weekdays), frozenset(dates)


@dataclass(frozen=True)
class Window:
    """An opening window: on the given weekdays or dates, from ``start_min`` to ``end_min``."""

    weekdays: frozenset[int]
    dates: frozenset[dt.date]
    start_min: int
    end_min: int

    def applies_on(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays or day in self.dates

    def __str__(self) -> str:
        days = [DAY_NAMES[d] for d in sorted(self.weekdays)] + [d.isoformat() for d in sorted(self.dates)]
        return f"{','.join(days)} {format_clock(self.start_min)}-{format_clock(self.end_min)}"


FRENCH_DAY_NAMES = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")


def french_window(window: Window) -> str:
    """``mar, sam 07:30-12:30`` or ``19/06/2027 14:00-22:00``."""
    days = [FRENCH_DAY_NAMES[d] for d in sorted(window.weekdays)] + [d.strftime("%d/%m/%Y") for d in sorted(window.dates)]
    return f"{', '.join(days)} {format_clock(window.start_min)}-{format_clock(window.end_min)}"


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_windows(text: str) -> tuple[Window, ...]:
    """Read ``DAYS HH:MM-HH:MM`` windows separated by ``;``."""
    windows = []
    for chunk in text.split(";"):
        chunk = chunk.strip()
        if not chunk:
            continue
        parts = chunk.split()
        if len(parts) != 2:
            raise WindowSyntaxError(f"créneau illisible « {chunk} » (attendu JOURS HH:MM-HH:MM)")
        weekdays, dates = parse_days(parts[0])
        start, end = parse_clock_range(parts[1])
        windows.append(Window(weekdays, dates, start, end))
    if not windows:
        raise WindowSyntaxError("aucun créneau d'ouverture")
    return tuple(windows)


def windows_on(windows: tuple[Window, ...], day: dt.date) -> list[tuple[int, int]]:
    """Opening intervals (minutes) on ``day``, sorted and merged where they overlap."""
    spans = sorted((w.start_min, w.end_min) for w in windows if w.applies_on(day))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged

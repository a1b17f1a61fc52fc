"""What a new plan changes in the published one: visits added, removed, moved (another day,
vehicle, or a start at least `MOVED_MIN` minutes away). Pure: sets of visits in, changes out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from dynamobile.french import day_short_fr
from dynamobile.timeutil import PARIS

MOVED_MIN = 15


class Visit(NamedTuple):
    """A visit of ``site`` on ``date`` by ``vehicle``, open from ``start`` (aware)."""

    site: str
    date: dt.date
    vehicle: str
    start: dt.datetime


@dataclass(frozen=True)
class Change:
    """``kind`` is "added" (``after`` only), "removed" (``before`` only) or "moved" (both)."""

    kind: str
    name: str
    before: Visit | None
    after: Visit | None

    @property
    def sign(self) -> str:
        return {"added": "+", "removed": "−", "moved": "↔"}[self.kind]

    @property
    def text(self) -> str:
        """« + Place Monge sam. 28/11 fourgon 10:00 », « ↔ … 10:00 → dim. 29/11 vélo 11:00 »."""
        shown = [_when(v) for v in (self.before, self.after) if v is not None]
        return f"{self.sign} {self.name} " + " → ".join(shown)

    @property
    def sort_key(self) -> tuple:
        first = self.after or self.before
        assert first is not None
        return (first.date, first.start, self.name, self.kind)


def _when(visit: Visit) -> str:
    return f"{day_short_fr(visit.date)} {visit.vehicle} {visit.start.astimezone(PARIS):%H:%M}"


def _close(a: Visit, b: Visit, moved_min: int) -> bool:
    return abs((a.start - b.start).total_seconds()) < moved_min * 60


def diff_visits(
    published: Iterable[Visit],
    planned: Iterable[Visit],
    *,
    names: Mapping[str, str] | None = None,
    moved_min: int = MOVED_MIN,
) -> list[Change]:
    """The changes from ``published`` to ``planned``, by day then time.

    Per site, a visit kept on its day and vehicle within ``moved_min`` minutes is no change;
    the others pair up as moves (same day first, then in date order); what is left is added or
    removed."""
    names = names or {}
    before: dict[str, list[Visit]] = {}
    after: dict[str, list[Visit]] = {}
    for visit in sorted(set(published)):
        before.setdefault(visit.site, []).append(visit)
    for visit in sorted(set(planned)):
        after.setdefault(visit.site, []).append(visit)
    changes = []
    for site in sorted(before.keys() | after.keys()):
        old, new = before.get(site, []), after.get(site, [])
        for visit in list(old):
            same = next(
                (
                    n
                    for n in new
                    if (n.date, n.vehicle) == (visit.date, visit.vehicle)
                    and _close(n, visit, moved_min)
                ),
                None,
            )
            if same is not None:
                old.remove(visit)
                new.remove(same)
        pairs = []
        for visit in list(old):
            same_day = next((n for n in new if n.date == visit.date), None)
            if same_day is not None:
                pairs.append((visit, same_day))
                old.remove(visit)
                new.remove(same_day)
        pairs += list(zip(old, new))
        name = names.get(site, site)
        changes += [Change("moved", name, a, b) for a, b in pairs]
        changes += [Change("removed", name, a, None) for a in old[len(new) :]]
        changes += [Change("added", name, None, b) for b in new[len(old) :]]
    return sorted(changes, key=lambda c: c.sort_key)

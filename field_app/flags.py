"""Records « à vérifier »: encounters whose times do not fit their stop, each with the reason in
French, computed from the rows (nothing is stored, so a corrected stop or record clears its flag).

Three checks, after issue 12: the stop's first check-in is far from its planned opening (a phone
clock, or a check-in at the wrong stop); the record is dated more than a day from its stop's day;
the record's time is outside the span from the stop's first check-in to its last check-out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dynamobile.french import date_fr

from .models import Interaction, Stop, StopEvent, Tour
from .web import hm, paris

CHECKIN_HOURS = 3  # a first check-in further than this from the planned opening is flagged
DAYS_APART = 1  # a record dated more than this many days from its stop's day is flagged
# A +1 tapped just after the check-out is usual; only a record clearly outside the span is flagged.
SPAN_SLACK = dt.timedelta(minutes=15)

CHECKIN_FAR, OTHER_DAY, OUTSIDE_SPAN = "arrivee", "jour", "horaires"


@dataclass(frozen=True)
class Flag:
    code: str  # CHECKIN_FAR | OTHER_DAY | OUTSIDE_SPAN
    reason: str  # French, shown as is


@dataclass(frozen=True)
class StopSpan:
    """The first check-in and last check-out at a stop, whoever made them."""

    checkin: dt.datetime | None
    checkout: dt.datetime | None


def duration_fr(delta: dt.timedelta) -> str:
    """« 4 h 10 », « 25 min », « 3 jours »: a duration as a coordinator reads it."""
    minutes = round(abs(delta).total_seconds() / 60)
    if minutes >= 2 * 24 * 60:
        return f"{minutes // (24 * 60)} jours"
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def stop_spans(session: Session, stop_ids: Iterable[int]) -> dict[int, StopSpan]:
    """The check-in/check-out span of each stop that has one."""
    ids = sorted(set(stop_ids))
    checkins: dict[int, dt.datetime] = {}
    checkouts: dict[int, dt.datetime] = {}
    if ids:
        for event in session.scalars(select(StopEvent).where(StopEvent.stop_id.in_(ids))):
            if event.kind == "checkin":
                current = checkins.get(event.stop_id)
                checkins[event.stop_id] = event.at if current is None else min(current, event.at)
            else:
                current = checkouts.get(event.stop_id)
                checkouts[event.stop_id] = event.at if current is None else max(current, event.at)
    return {
        stop_id: StopSpan(checkins.get(stop_id), checkouts.get(stop_id))
        for stop_id in set(checkins) | set(checkouts)
    }


def checkin_flag(stop: Stop, span: StopSpan | None) -> Flag | None:
    if span is None or span.checkin is None:
        return None
    gap = span.checkin - stop.start
    if abs(gap) <= dt.timedelta(hours=CHECKIN_HOURS):
        return None
    side = "après" if gap > dt.timedelta() else "avant"
    return Flag(
        CHECKIN_FAR,
        f"arrivée pointée à {hm(span.checkin)} le {paris(span.checkin):%d/%m}, "
        f"{duration_fr(gap)} {side} l'ouverture prévue ({hm(stop.start)} le {paris(stop.start):%d/%m})",
    )


def day_flag(interaction: Interaction, tour: Tour) -> Flag | None:
    day = paris(interaction.at).date()
    days = (day - tour.date).days
    if abs(days) <= DAYS_APART:
        return None
    side = "après" if days > 0 else "avant"
    return Flag(
        OTHER_DAY,
        f"datée du {date_fr(day)}, {abs(days)} jours {side} l'arrêt du {date_fr(tour.date)}",
    )


def span_flag(interaction: Interaction, span: StopSpan | None) -> Flag | None:
    if span is None:
        return None
    at = interaction.at
    if span.checkin is not None and at < span.checkin - SPAN_SLACK:
        return Flag(
            OUTSIDE_SPAN,
            f"notée à {hm(at)} le {paris(at):%d/%m}, {duration_fr(span.checkin - at)} avant "
            f"l'arrivée pointée ({hm(span.checkin)} le {paris(span.checkin):%d/%m})",
        )
    if span.checkout is not None and at > span.checkout + SPAN_SLACK:
        return Flag(
            OUTSIDE_SPAN,
            f"notée à {hm(at)} le {paris(at):%d/%m}, {duration_fr(at - span.checkout)} après "
            f"le départ pointé ({hm(span.checkout)} le {paris(span.checkout):%d/%m})",
        )
    return None


def flag_rows(session: Session, rows: Sequence) -> dict[str, list[Flag]]:
    """The flags of (Interaction, Stop, Tour, User) rows, by record uuid (rows without: absent)."""
    spans = stop_spans(session, (row[1].id for row in rows))
    out: dict[str, list[Flag]] = {}
    for interaction, stop, tour, _user in rows:
        span = spans.get(stop.id)
        found = [
            flag
            for flag in (
                checkin_flag(stop, span),
                day_flag(interaction, tour),
                span_flag(interaction, span),
            )
            if flag is not None
        ]
        if found:
            out[interaction.record_uuid] = found
    return out

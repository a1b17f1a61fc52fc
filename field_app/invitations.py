"""Invitation cards that measure the mission (issue 12 item 7).

A coordinator generates a series of cards for a tour and prints them; at a stop an agent hands a
resident a card and records its code (a sync record of kind ``invitation``, offline first like
every record), or « sans code » for a card without one; when the person comes to La Dynamo,
reception enters the code. The dashboard counts cards handed out and redeemed, and the delay
between the two. A code identifies a card, never a person: no personal data is kept.

Codes are 6 characters drawn with `secrets` from an alphabet without 0, O, 1 and I (32
symbols: about 10⁹ codes), so they are read aloud and typed without doubt; typed codes are read
case-insensitively, spaces and dashes ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dynamobile.errors import InputError
from dynamobile.french import date_fr

from .models import InvitationCard, Stop, Tour, User
from .web import PARIS, paris

# The sync record kind: ``data`` is ``{"code": "ABC234"}`` or ``{"code": null}`` (« sans code »).
KIND = "invitation"
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6
MAX_SERIES = 300  # cards per generated series
ALPHABET_HINT = "6 caractères, lettres et chiffres sans 0, O, 1 ni I"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(raw: object) -> str:
    """The canonical form of a typed code (upper case, no spaces or dashes); InputError if it
    cannot be a code."""
    if not isinstance(raw, str) or len(raw) > 40:
        raise InputError(f"code : {ALPHABET_HINT}")
    code = "".join(raw.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        raise InputError(f"code : « {code[:12]} » n'est pas un code d'invitation ({ALPHABET_HINT})")
    return code


def parse_data(data: dict) -> dict:
    """A hand-out record's normal ``data``: the code, or None for a card « sans code »."""
    code = data.get("code")
    return {"code": None if code is None or code == "" else normalise(code)}


# --- coordinators: series ------------------------------------------------------------------------


def generate_series(session: Session, tour: Tour, count: int, user: User) -> int:
    """Create ``count`` cards with new unique codes for ``tour``; returns the series number."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_SERIES:
        raise InputError(f"nombre de cartes : entre 1 et {MAX_SERIES}")
    last = session.scalar(
        select(func.max(InvitationCard.series)).where(InvitationCard.tour_id == tour.id)
    )
    series = (last or 0) + 1
    codes: set[str] = set()
    while len(codes) < count:
        wanted = {new_code() for _ in range(count - len(codes))} - codes
        taken = set(
            session.scalars(select(InvitationCard.code).where(InvitationCard.code.in_(wanted)))
        )
        codes |= wanted - taken
    session.add_all(
        InvitationCard(code=code, tour_id=tour.id, series=series, created_by=user.id)
        for code in sorted(codes)
    )
    session.flush()
    return series


@dataclass(frozen=True)
class Series:
    number: int
    cards: int
    given: int
    redeemed: int


def series_of(session: Session, tour_id: int) -> list[Series]:
    rows = session.execute(
        select(
            InvitationCard.series,
            func.count(),
            func.count(InvitationCard.handed_out_at),
            func.count(InvitationCard.redeemed_at),
        )
        .where(InvitationCard.tour_id == tour_id, InvitationCard.code.is_not(None))
        .group_by(InvitationCard.series)
        .order_by(InvitationCard.series)
    ).all()
    return [Series(*row) for row in rows]


def cards_of_series(session: Session, tour_id: int, series: int) -> list[InvitationCard]:
    return list(
        session.scalars(
            select(InvitationCard)
            .where(
                InvitationCard.tour_id == tour_id,
                InvitationCard.series == series,
                InvitationCard.code.is_not(None),
            )
            .order_by(InvitationCard.id)
        )
    )


# --- agents: hand-out (inside the sync record's savepoint) ----------------------------------------


def hand_out(
    session: Session, user: User, stop: Stop, record_uuid: str, at: dt.datetime, code: str | None
) -> tuple[str, int, str] | None:
    """Record that a card was handed out at ``stop``; returns a refusal (status, code, French
    message) or None. Runs in `records`' savepoint, before the ledger row is added."""
    if code is None:
        session.add(
            InvitationCard(
                code=None,
                tour_id=stop.tour_id,
                series=0,
                stop_id=stop.id,
                handed_out_at=at,
                handed_out_by=user.id,
                handout_record=record_uuid,
            )
        )
        session.flush()
        return None
    card = session.scalars(select(InvitationCard).where(InvitationCard.code == code)).first()
    if card is None:
        return ("invalid", 422, f"code : carte d'invitation {code} inconnue, vérifiez la saisie")
    marked = session.execute(
        update(InvitationCard)
        .where(InvitationCard.id == card.id, InvitationCard.handed_out_at.is_(None))
        .values(
            stop_id=stop.id, handed_out_at=at, handed_out_by=user.id, handout_record=record_uuid
        )
        .execution_options(synchronize_session="fetch")
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        return ("conflict", 409, f"code : la carte {code} a déjà été remise")
    return None


# --- reception ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redemption:
    ok: bool
    message: str


# A submission id is what /accueil's page draws for each code typed (a UUID): sent again with
# the same id after an answer was lost, the code is « déjà enregistrée », not « déjà utilisée ».
SUBMISSION_PATTERN = re.compile(r"^[0-9A-Za-z-]{8,64}$")


def submission_mark(submission: object) -> int | None:
    """The microseconds (0…999 999) that mark a redemption as made by ``submission``; None
    without a readable id.

    No column holds the id: the redemption time carries it in its microseconds (the time is
    shown to the minute), compared with the same user. Another submission of the same account
    on the same card matches one time in a million; another account never does."""
    if not isinstance(submission, str) or not SUBMISSION_PATTERN.match(submission):
        return None
    return int.from_bytes(hashlib.sha256(submission.encode()).digest()[:4], "big") % 1_000_000


def _already(card: InvitationCard, code: str, user: User, mark: int | None) -> Redemption:
    redeemed_at = card.redeemed_at
    if redeemed_at is None:  # not possible after a failed update; said plainly all the same
        return Redemption(False, f"Invitation {code} déjà utilisée.")
    if mark is not None and card.redeemed_by == user.id and redeemed_at.microsecond == mark:
        return Redemption(
            True,
            f"Invitation {code} déjà enregistrée le {_when(redeemed_at)} (même saisie) : "
            "rien à refaire.",
        )
    return Redemption(False, f"Invitation {code} déjà utilisée le {_when(redeemed_at)}.")


def redeem(
    session: Session,
    user: User,
    raw: object,
    *,
    now: dt.datetime | None = None,
    submission: object = None,
) -> Redemption:
    """Reception enters a code: the card is redeemed once; a French answer either way. The same
    ``submission`` sent again (its answer was lost) is answered as a success, « déjà
    enregistrée »; any other redemption of a used card is « déjà utilisée »."""
    try:
        code = normalise(raw)
    except InputError:
        return Redemption(
            False,
            f"Ce n'est pas un code d'invitation : un code a {ALPHABET_HINT}. Vérifiez la carte.",
        )
    card = session.scalars(select(InvitationCard).where(InvitationCard.code == code)).first()
    if card is None:
        return Redemption(False, f"Code {code} inconnu : vérifiez la saisie.")
    mark = submission_mark(submission)
    if card.redeemed_at is not None:
        return _already(card, code, user, mark)
    now = now or dt.datetime.now(dt.UTC)
    if mark is not None:
        now = now.replace(microsecond=mark)
    marked = session.execute(
        update(InvitationCard)
        .where(InvitationCard.id == card.id, InvitationCard.redeemed_at.is_(None))
        .values(redeemed_at=now, redeemed_by=user.id)
        .execution_options(synchronize_session="fetch")
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(card)  # redeemed meanwhile: by someone else, or by this very submission
        return _already(card, code, user, mark)
    stop = session.get(Stop, card.stop_id) if card.stop_id is not None else None
    tour = stop.tour if stop is not None else session.get(Tour, card.tour_id)
    where = f"site {stop.name}" if stop is not None else "remise pas encore transmise"
    day = date_fr(tour.date) if tour is not None else "?"
    return Redemption(True, f"Bienvenue ! Invitation de la tournée du {day} ({where}) enregistrée.")


def _when(value: dt.datetime) -> str:
    local = paris(value)
    return f"{local:%d/%m/%Y} à {local:%H:%M}"


# --- dashboard ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    label: str
    given: int
    without_code: int
    redeemed: int
    median_delay_s: float | None

    @property
    def median_delay(self) -> str:
        return format_delay(self.median_delay_s)


@dataclass
class InvitationStats:
    total: Group
    by_site: list[Group] = field(default_factory=list)
    by_quartier: list[Group] = field(default_factory=list)
    by_vehicle: list[Group] = field(default_factory=list)
    by_week: list[Group] = field(default_factory=list)


def format_delay(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    hours = seconds / 3600
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.1f} jours".replace(".", ",")


def _group(label: str, cards: list[InvitationCard]) -> Group:
    delays = [
        (c.redeemed_at - c.handed_out_at).total_seconds()
        for c in cards
        if c.redeemed_at is not None and c.handed_out_at is not None
    ]
    return Group(
        label=label,
        given=len(cards),
        without_code=sum(c.code is None for c in cards),
        redeemed=len(delays),
        median_delay_s=statistics.median(delays) if delays else None,
    )


def _groups(
    rows: Iterable[tuple[InvitationCard, Stop, Tour]],
    key: Callable[[InvitationCard, Stop, Tour], str],
) -> list[Group]:
    buckets: dict[str, list[InvitationCard]] = defaultdict(list)
    for card, stop, tour in rows:
        buckets[key(card, stop, tour)].append(card)
    return [_group(label, cards) for label, cards in buckets.items()]


def _week(card: InvitationCard, _stop: Stop, _tour: Tour) -> str:
    assert card.handed_out_at is not None
    year, week, _ = paris(card.handed_out_at).isocalendar()
    return f"{year}-S{week:02d}"


def stats(session: Session, first: dt.date, last: dt.date) -> InvitationStats:
    """Cards handed out between two Paris dates, and which of them came to La Dynamo (whenever)."""
    start = dt.datetime.combine(first, dt.time(), PARIS)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), PARIS)
    rows: list[tuple[InvitationCard, Stop, Tour]] = [
        (row[0], row[1], row[2])
        for row in session.execute(
            select(InvitationCard, Stop, Tour)
            .join(Stop, InvitationCard.stop_id == Stop.id)
            .join(Tour, Stop.tour_id == Tour.id)
            .where(InvitationCard.handed_out_at >= start, InvitationCard.handed_out_at < end)
            .order_by(InvitationCard.handed_out_at, InvitationCard.id)
        ).all()
    ]

    def by_count(groups: list[Group]) -> list[Group]:
        return sorted(groups, key=lambda g: (-g.given, g.label))

    return InvitationStats(
        total=_group("Total", [card for card, _, _ in rows]),
        by_site=by_count(_groups(rows, lambda c, s, t: s.name)),
        by_quartier=by_count(_groups(rows, lambda c, s, t: s.quartier or "(non renseigné)")),
        by_vehicle=by_count(_groups(rows, lambda c, s, t: t.vehicle_name or t.vehicle)),
        by_week=sorted(_groups(rows, _week), key=lambda g: g.label),
    )

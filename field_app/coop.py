"""La Coop de la médiation numérique's collective CRA: one per stop with activity.

A `CollectiveCra` holds what the Coop's collective-CRA form asks, in the Coop's codes (see
`vocab`), built from the stop's interactions and what a coordinator added to the stop, plus
Dynamobile's own extras. The Coop has no import of activities: the export is an entry sheet a
conseiller numérique types in, and maps field for field to a write API if the Coop opens one.
Reference (github.com/inclusion-numerique/coop-mediation-numerique, ``apps/web/src/features/
activites/use-cases/cra/``): ``collectif/validation/CraCollectifValidation.ts``,
``collectif/validation/ParticipantsAnonymesCraCollectifValidation.ts``,
``validation/CraValidation.ts``, ``validation/CraDureeValidation.ts``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dynamobile.errors import InputError

from . import reports, vocab
from .models import Interaction, Stop, Tour, age_column

# validation/CraDureeValidation.ts: at most 23 hours and 59 minutes.
MAX_DUREE_MIN = 23 * 60 + 59
TYPE = "collectif"


@dataclass(frozen=True)
class CollectiveCra:
    """One stop's collective CRA. Counts are of people; ``*_non_communique`` make up each total."""

    stop: Stop
    tour: Tour
    started: dt.datetime
    duree_min: int
    materiel: tuple[str, ...]
    thematiques: tuple[str, ...]
    niveau: str | None
    total: int
    deja_accompagnes: int
    genres: dict[str, int]
    tranches_age: dict[str, int]
    statuts: dict[str, int]
    invitations: tuple[str, ...]
    agents: tuple[str, ...]
    outside_coop: tuple[str, ...] = ()  # labels of first-form topics the Coop has no thématique for
    v1_unsplit: dict[str, int] | None = None  # first-form bands counted « non communiqué », if any

    type: str = TYPE
    type_lieu: str = vocab.TYPE_LIEU_STOP

    @property
    def date(self) -> dt.date:
        return self.tour.date

    @property
    def titre_atelier(self) -> str:
        quartier = f" ({self.stop.quartier})" if self.stop.quartier else ""
        return f"Dynamobile – {self.stop.name}{quartier}"

    @property
    def missing(self) -> list[str]:
        """What the Coop would refuse, in French (empty: ready to enter)."""
        return [] if self.thematiques else ["aucune thématique"]

    @property
    def v1_rows(self) -> bool:
        return self.v1_unsplit is not None


def _ordered(codes: Collection[str | None], table: dict) -> tuple[str, ...]:
    return tuple(code for code in table if code in codes)


def _codes(value: str) -> list[str]:
    return value.split() if value else []


def _thematiques(
    interactions: list[Interaction], added: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The Coop thématiques of a stop (its interactions' and those a coordinator ``added``) and the
    labels of topics without one."""
    coop, outside = set(_codes(added)), set()
    for interaction in interactions:
        for code in _codes(interaction.topics):
            term = vocab.TOPICS.get(code)
            if term and term.coop:
                coop.add(term.coop)
            else:
                outside.add(vocab.label(vocab.TOPICS, code))
    return _ordered(coop, vocab.THEMATIQUES), tuple(sorted(outside))


def _materiel(interactions: list[Interaction]) -> tuple[str, ...]:
    codes = {
        vocab.EQUIPMENT[c].coop if c in vocab.EQUIPMENT else "autre"
        for i in interactions
        for c in _codes(i.equipment)
    }
    if codes - {vocab.MATERIEL_NONE}:
        codes.discard(vocab.MATERIEL_NONE)
    return _ordered(codes or {vocab.MATERIEL_NONE}, vocab.MATERIEL)


def _ages(interactions: list[Interaction]) -> tuple[dict[str, int], dict[str, int] | None]:
    tranches = dict.fromkeys(vocab.TRANCHES_AGE, 0)
    unsplit: dict[str, int] | None = None
    for interaction in interactions:
        if interaction.age_scheme == vocab.SCHEME_COOP:
            for code in vocab.TRANCHES_AGE:
                tranches[code] += getattr(interaction, age_column(code))
            continue
        unsplit = (
            unsplit
            if unsplit is not None
            else {c: 0 for c, t in vocab.V1_AGE_BANDS.items() if not t.coop}
        )
        for code, term in vocab.V1_AGE_BANDS.items():
            n = getattr(interaction, age_column(code))
            tranches[term.coop or vocab.NON_COMMUNIQUE] += n
            if not term.coop:
                unsplit[code] += n
        tranches[vocab.NON_COMMUNIQUE] += interaction.age_unknown
    return tranches, unsplit


def _subcounts(
    interactions: list[Interaction], prefix: str, codes: tuple[str, ...], total: int
) -> dict[str, int]:
    counts = {code: sum(getattr(i, f"{prefix}_{code}") for i in interactions) for code in codes}
    counts[vocab.NON_COMMUNIQUE] = total - sum(counts.values())
    return counts


def _duree(times: reports.StopTimes | None, stop: Stop) -> int:
    """Minutes on site (check-in to check-out, else the planned opening), within the Coop's limits."""
    planned = round((stop.end - stop.start).total_seconds() / 60)
    minutes = times.duration_min if times else planned
    if not 1 <= minutes <= MAX_DUREE_MIN:
        minutes = planned
    return min(max(minutes, 1), MAX_DUREE_MIN)


def build(stop: Stop, tour: Tour, rows: list, times: reports.StopTimes | None) -> CollectiveCra:
    """The CRA of one stop from its (Interaction, Stop, Tour, User) rows."""
    interactions = [row[0] for row in rows]
    total = sum(i.people for i in interactions)
    tranches, unsplit = _ages(interactions)
    thematiques, outside = _thematiques(interactions, stop.cra_thematiques)
    return CollectiveCra(
        stop=stop,
        tour=tour,
        started=times.checkin if times and times.checkin else stop.start,
        duree_min=_duree(times, stop),
        materiel=_materiel(interactions),
        thematiques=thematiques,
        niveau=stop.cra_niveau or None,
        total=total,
        deja_accompagnes=sum(i.people for i in interactions if i.visit == "returning"),
        genres=_subcounts(interactions, "genre", vocab.GENRE_CODES, total),
        tranches_age=tranches,
        statuts=_subcounts(interactions, "statut", vocab.STATUT_CODES, total),
        invitations=_ordered(
            {c for i in interactions for c in _codes(i.invitations)}, vocab.INVITATIONS
        ),
        agents=tuple(sorted({row[3].name for row in rows})),
        outside_coop=outside,
        v1_unsplit=unsplit,
    )


def collective_cras(
    session: Session,
    first: dt.date | None = None,
    last: dt.date | None = None,
    *,
    tour_id: int | None = None,
) -> list[CollectiveCra]:
    """The CRA of every stop with activity (optionally between two Paris dates, or of one tour)."""
    by_stop: dict[int, list] = defaultdict(list)
    for row in reports.interaction_rows(session, first, last, tour_id=tour_id):
        by_stop[row[1].id].append(row)
    if not by_stop:
        return []
    dates = [group[0][2].date for group in by_stop.values()]
    times = {t.stop.id: t for t in reports.stop_times(session, min(dates), max(dates))}
    cras = [
        build(group[0][1], group[0][2], group, times.get(stop_id))
        for stop_id, group in by_stop.items()
    ]
    return sorted(cras, key=lambda c: (c.date, c.started, c.stop.id))


def complete_stop(session: Session, stop: Stop, *, thematiques: list[str], niveau: str) -> None:
    """Set what a coordinator adds to a stop's CRA (raises InputError with a French message)."""
    unknown = sorted(set(thematiques) - set(vocab.THEMATIQUES))
    if unknown:
        raise InputError(f"thématique(s) inconnue(s) : {', '.join(unknown)}")
    if niveau and niveau not in vocab.NIVEAUX:
        raise InputError(f"niveau inconnu : {niveau}")
    logged = session.scalars(select(Interaction).where(Interaction.stop_id == stop.id)).all()
    from_records, _ = _thematiques(list(logged), "")
    if not vocab.administrative_allowed({*from_records, *thematiques}):
        raise InputError(vocab.ADMINISTRATIVE_RULE)
    stop.cra_thematiques = " ".join(_ordered(set(thematiques), vocab.THEMATIQUES))
    stop.cra_niveau = niveau
    session.flush()

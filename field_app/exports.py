"""CSV exports: every interaction, the entry sheet of the Coop's collective CRA, the « Bilan »
per agent or site, and the invitation cards.

All are UTF-8 with a byte-order mark and ``;`` separators, which is what spreadsheet software
set to French expects. Every cell goes through `spreadsheet_safe`: text from agents and plans
(notes, names, addresses) must never be run as a formula by the spreadsheet that opens the file.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from dynamobile.errors import InputError

from . import coop, reports, summaries, vocab
from .models import InvitationCard, Stop, Tour, User, age_column
from .web import paris

FORMATS = ("csv", "coop", "cra")
ALIASES = {"cra": "coop"}  # the former name of the Coop entry sheet, kept with a warning
FILE_NAMES = {"csv": "interactions", "coop": "cra-collectif-coop"}


@dataclass(frozen=True)
class ExportResult:
    rows: int
    left_out: tuple[str, ...] = ()  # stops not written, each described in French


def _labels(codes: str, table: dict) -> str:
    return "; ".join(vocab.label(table, code) for code in codes.split()) if codes else ""


# OWASP "CSV injection": a cell starting with one of these may be read as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SOURCE_TALLY = "comptage (+1)"  # a bare "+1" would be read as the number 1, or get an apostrophe


def spreadsheet_safe(value):
    """A text cell that could start a formula, prefixed with an apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer` whose every cell goes through `spreadsheet_safe`."""

    def __init__(self, out: TextIO):
        self._writer = csv.writer(out, delimiter=";", lineterminator="\r\n")

    def writerow(self, row) -> None:
        self._writer.writerow([spreadsheet_safe(cell) for cell in row])


def _writer(out: TextIO) -> SafeWriter:
    out.write("\ufeff")
    return SafeWriter(out)


def write_interactions_csv(
    session: Session, out: TextIO, *, first: dt.date | None = None, last: dt.date | None = None
) -> int:
    """One row per interaction (form or +1), in the bands of the form that made it; returns the
    number of rows."""
    writer = _writer(out)
    v1_bands = [f"{term.label} (ancien formulaire)" for term in vocab.V1_AGE_BANDS.values()]
    bands = list(vocab.TRANCHES_AGE.values())
    writer.writerow(
        [
            "uuid",
            "date",
            "heure",
            "source",
            "tournee",
            "vehicule",
            "lieu",
            "site",
            "adresse",
            "quartier",
            "commune",
            "agent",
            "formulaire",
            *bands,
            *v1_bands,
            "total",
            *(f"genre {vocab.GENRES[c]}" for c in vocab.GENRE_CODES),
            *(f"statut {vocab.STATUTS_SOCIAUX[c]}" for c in vocab.STATUT_CODES),
            "thematiques",
            "materiel",
            "invitations",
            "visite",
            "note",
        ]
    )
    n = 0
    for interaction, stop, tour, user in reports.interaction_rows(session, first, last):
        at = paris(interaction.at)
        writer.writerow(
            [
                interaction.record_uuid,
                at.date().isoformat(),
                at.strftime("%H:%M:%S"),
                "formulaire" if interaction.source == "form" else SOURCE_TALLY,
                tour.date.isoformat(),
                tour.vehicle,
                stop.name,
                stop.site,
                stop.address,
                stop.quartier,
                stop.commune,
                user.name,
                "coop" if interaction.age_scheme == vocab.SCHEME_COOP else "ancien",
                *(getattr(interaction, age_column(code)) for code in vocab.TRANCHES_AGE),
                *(getattr(interaction, age_column(code)) for code in vocab.V1_AGE_BANDS),
                interaction.people,
                *(getattr(interaction, f"genre_{code}") for code in vocab.GENRE_CODES),
                *(getattr(interaction, f"statut_{code}") for code in vocab.STATUT_CODES),
                _labels(interaction.topics, vocab.TOPICS),
                _labels(interaction.equipment, vocab.EQUIPMENT),
                "; ".join(vocab.INVITATIONS.get(c, c) for c in interaction.invitations.split()),
                vocab.VISITS.get(interaction.visit, interaction.visit),
                interaction.note,
            ]
        )
        n += 1
    return n


# The Coop's collective-CRA block, in the order of the issue and the Coop's form; label columns
# follow their code columns. Then Dynamobile's extras.
COOP_COLUMNS = (
    "type",
    "type_libelle",
    "date",
    "duree",
    "type_lieu",
    "type_lieu_libelle",
    "lieu_commune",
    "lieu_code_postal",
    "lieu_code_insee",
    "materiel",
    "materiel_libelles",
    "thematiques",
    "thematiques_libelles",
    "titre_atelier",
    "niveau",
    "niveau_libelle",
    "participants_total",
    "deja_accompagnes",
    *(f"genre_{code}" for code in vocab.GENRES),
    *(f"tranche_age_{code}" for code in vocab.TRANCHES_AGE),
    *(f"statut_social_{code}" for code in vocab.STATUTS_SOCIAUX),
)
V1_UNSPLIT = tuple(code for code, term in vocab.V1_AGE_BANDS.items() if not term.coop)
EXTRA_COLUMNS = (
    "heure_debut",
    "lieu",
    "adresse",
    "quartier",
    "invitations",
    "agents",
    "thematiques_hors_coop",
    "ancien_formulaire",
    *(f"ancien_{code}" for code in V1_UNSPLIT),
    "remarque",
)


def _remark(cra: coop.CollectiveCra) -> str:
    if not cra.v1_rows:
        return ""
    bands = " / ".join(vocab.V1_AGE_BANDS[code].label for code in V1_UNSPLIT)
    unsplit = sum((cra.v1_unsplit or {}).values())
    return (
        f"Ancien formulaire (tranches 0–11, 12–17, 18–25, 26–59, 60+) : {unsplit} personne(s) en {bands} "
        "ne se répartissent pas dans les tranches de la Coop et sont comptées « Non communiqué »."
    )


def coop_row(cra: coop.CollectiveCra) -> list:
    """One collective CRA as a row of `COOP_COLUMNS` then `EXTRA_COLUMNS`."""
    unsplit = cra.v1_unsplit or {}
    return [
        cra.type,
        vocab.TYPES_ACTIVITE[cra.type],
        cra.date.isoformat(),
        cra.duree_min,
        cra.type_lieu,
        vocab.TYPES_LIEU[cra.type_lieu],
        cra.stop.commune,
        cra.stop.postcode,
        cra.stop.insee,
        ", ".join(cra.materiel),
        ", ".join(vocab.MATERIEL[c] for c in cra.materiel),
        ", ".join(cra.thematiques),
        ", ".join(vocab.THEMATIQUES[c] for c in cra.thematiques),
        cra.titre_atelier,
        cra.niveau or "",
        vocab.NIVEAUX.get(cra.niveau or "", ""),
        cra.total,
        cra.deja_accompagnes,
        *(cra.genres[code] for code in vocab.GENRES),
        *(cra.tranches_age[code] for code in vocab.TRANCHES_AGE),
        *(cra.statuts[code] for code in vocab.STATUTS_SOCIAUX),
        paris(cra.started).strftime("%H:%M"),
        cra.stop.name,
        cra.stop.address,
        cra.stop.quartier,
        ", ".join(vocab.INVITATIONS[c] for c in cra.invitations),
        ", ".join(cra.agents),
        ", ".join(cra.outside_coop),
        "oui" if cra.v1_rows else "non",
        *(unsplit.get(code, 0) for code in V1_UNSPLIT),
        _remark(cra),
    ]


def describe(cra: coop.CollectiveCra) -> str:
    return f"{cra.date:%d/%m/%Y} {cra.stop.name} ({', '.join(cra.missing)})"


def write_coop_csv(
    session: Session, out: TextIO, *, first: dt.date | None = None, last: dt.date | None = None
) -> ExportResult:
    """One collective CRA per stop with activity; stops the Coop would refuse are left out and named."""
    cras = coop.collective_cras(session, first, last)
    writer = _writer(out)
    writer.writerow([*COOP_COLUMNS, *EXTRA_COLUMNS])
    ready = [cra for cra in cras if not cra.missing]
    for cra in ready:
        writer.writerow(coop_row(cra))
    return ExportResult(len(ready), tuple(describe(cra) for cra in cras if cra.missing))


def write_export(
    session: Session,
    out: TextIO,
    *,
    fmt: str,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> ExportResult:
    fmt = ALIASES.get(fmt, fmt)
    if fmt == "csv":
        return ExportResult(write_interactions_csv(session, out, first=first, last=last))
    if fmt == "coop":
        return write_coop_csv(session, out, first=first, last=last)
    raise InputError(f"format inconnu « {fmt} » (attendu : {', '.join(FORMATS)})")


def write_summaries_csv(out: TextIO, result: summaries.Summaries, *, by: str) -> int:
    """The « Bilan » per agent or per site (``by``), then a total row; returns the number of rows."""
    writer = _writer(out)
    head = ["agent"] if by == summaries.AGENT else ["site", "lieu"]
    writer.writerow(
        [
            *head,
            "enregistrements",
            "personnes",
            *(label for _code, label in result.age_columns),
            "invitations_remises",
            "invitations_venues",
            "arrets_pointes",
            "temps_median_sur_place_min",
        ]
    )
    for s in [*result.rows, result.total]:
        key = [s.label] if by == summaries.AGENT else [s.key, s.label]
        writer.writerow(
            [
                *key,
                s.records,
                s.people,
                *(s.ages[code] for code, _label in result.age_columns),
                s.invitations_given,
                s.invitations_redeemed,
                s.stops_checked_in,
                "" if s.median_minutes is None else s.median_minutes,
            ]
        )
    return len(result.rows)


INVITATION_COLUMNS = (
    "tournee",
    "vehicule",
    "serie",
    "code",
    "imprimee_le",
    "remise_le",
    "remise_heure",
    "lieu",
    "site",
    "quartier",
    "remise_par",
    "venue_le",
    "delai_jours",
)


def _day(value: dt.datetime | None) -> str:
    return "" if value is None else paris(value).date().isoformat()


def write_invitations_csv(
    session: Session, out: TextIO, *, first: dt.date | None = None, last: dt.date | None = None
) -> int:
    """One row per invitation card of the tours between two dates (all without): printed, handed
    out (where, by whom), redeemed, and the delay in days; « sans code » cards have no code and
    no series. Returns the number of rows."""
    query = (
        select(InvitationCard, Tour, Stop, User)
        .join(Tour, InvitationCard.tour_id == Tour.id)
        .outerjoin(Stop, InvitationCard.stop_id == Stop.id)
        .outerjoin(User, InvitationCard.handed_out_by == User.id)
        .order_by(Tour.date, Tour.vehicle, InvitationCard.series, InvitationCard.id)
    )
    if first is not None and last is not None:
        query = query.where(Tour.date >= first, Tour.date <= last)
    writer = _writer(out)
    writer.writerow(INVITATION_COLUMNS)
    n = 0
    for card, tour, stop, user in session.execute(query):
        delay = ""
        if card.redeemed_at is not None and card.handed_out_at is not None:
            days = (card.redeemed_at - card.handed_out_at).total_seconds() / 86400
            delay = f"{days:.1f}".replace(".", ",")
        writer.writerow(
            [
                tour.date.isoformat(),
                tour.vehicle_name or tour.vehicle,
                card.series or "",
                card.code or "sans code",
                "" if card.code is None else _day(card.created_at),
                _day(card.handed_out_at),
                "" if card.handed_out_at is None else paris(card.handed_out_at).strftime("%H:%M"),
                stop.name if stop else "",
                stop.site if stop else "",
                stop.quartier if stop else "",
                user.name if user else "",
                _day(card.redeemed_at),
                delay,
            ]
        )
        n += 1
    return n

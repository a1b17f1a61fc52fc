"""CSV exports: every interaction, and the CRA (French digital-inclusion activity report).

Both are UTF-8 with a byte-order mark and ``;`` separators, which is what spreadsheet software
set to French expects.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from typing import TextIO

from sqlalchemy.orm import Session

from dynamobile.errors import InputError

from . import reports, vocab
from .web import paris

FORMATS = ("csv", "cra")


def _labels(codes: str, labels: dict) -> str:
    return "; ".join(labels.get(code, code) for code in codes.split()) if codes else ""


def _writer(out: TextIO):
    out.write("\ufeff")
    return csv.writer(out, delimiter=";", lineterminator="\r\n")


def write_interactions_csv(session: Session, out: TextIO, *, first: dt.date | None = None,
                           last: dt.date | None = None) -> int:
    """One row per interaction (form or +1); returns the number of rows."""
    writer = _writer(out)
    bands = [label for _, label in vocab.AGE_BANDS]
    writer.writerow(["uuid", "date", "heure", "source", "tournee", "vehicule", "lieu", "site", "adresse", "quartier",
                     "agent", *bands, "age non precise", "total", "thematiques", "materiel", "invitations",
                     "visite", "note"])
    n = 0
    for interaction, stop, tour, user in reports.interaction_rows(session, first, last):
        at = paris(interaction.at)
        writer.writerow([
            interaction.record_uuid, at.date().isoformat(), at.strftime("%H:%M:%S"),
            "formulaire" if interaction.source == "form" else "+1", tour.date.isoformat(), tour.vehicle,
            stop.name, stop.site, stop.address, stop.quartier, user.name,
            *(getattr(interaction, f"age_{code}") for code in vocab.AGE_BAND_CODES), interaction.age_unknown,
            interaction.people, _labels(interaction.topics, vocab.TOPICS),
            _labels(interaction.equipment, vocab.EQUIPMENT), _labels(interaction.invitations, vocab.INVITATIONS),
            vocab.VISITS.get(interaction.visit, interaction.visit), interaction.note,
        ])
        n += 1
    return n


CRA_ACTIVITY = "Atelier collectif – médiation numérique mobile (Dynamobile)"


def write_cra_csv(session: Session, out: TextIO, *, first: dt.date | None = None, last: dt.date | None = None) -> int:
    """One CRA row per stop with activity: type, date, duration, place, equipment, topics, ages."""
    rows = reports.interaction_rows(session, first, last)
    by_stop: dict[int, list] = defaultdict(list)
    for row in rows:
        by_stop[row[1].id].append(row)
    if by_stop:
        dates = [row[2].date for row in rows]
        times = {t.stop.id: t for t in reports.stop_times(session, min(dates), max(dates))}
    else:
        times = {}
    writer = _writer(out)
    bands = [f"tranche {label}" for _, label in vocab.AGE_BANDS]
    writer.writerow(["type_activite", "date", "heure_debut", "duree_min", "lieu", "adresse", "quartier",
                     "materiel", "thematiques", "participants", *bands, "tranche non precisee",
                     "premieres_visites", "invitations", "agents"])
    n = 0
    for stop_id, group in sorted(by_stop.items(), key=lambda item: (item[1][0][2].date, item[1][0][1].start)):
        stop, tour = group[0][1], group[0][2]
        interactions = [row[0] for row in group]
        stop_time = times.get(stop_id)
        started = stop_time.checkin if stop_time and stop_time.checkin else stop.start
        duration = stop_time.duration_min if stop_time else round((stop.end - stop.start).total_seconds() / 60)
        equipment = sorted({vocab.CRA_EQUIPMENT.get(c, "Autre matériel") for i in interactions for c in i.equipment.split()})
        topics = sorted({vocab.CRA_TOPICS.get(c, "Autre") for i in interactions for c in i.topics.split()})
        invitations = sorted({vocab.INVITATIONS.get(c, c) for i in interactions for c in i.invitations.split()})
        writer.writerow([
            CRA_ACTIVITY, tour.date.isoformat(), paris(started).strftime("%H:%M"), duration, stop.name, stop.address,
            stop.quartier, "; ".join(equipment) or "Pas de matériel", "; ".join(topics),
            sum(i.people for i in interactions),
            *(sum(getattr(i, f"age_{code}") for i in interactions) for code in vocab.AGE_BAND_CODES),
            sum(i.age_unknown for i in interactions),
            sum(i.people for i in interactions if i.visit == "first"), "; ".join(invitations),
            "; ".join(sorted({row[3].name for row in group})),
        ])
        n += 1
    return n


def write_export(session: Session, out: TextIO, *, fmt: str, first: dt.date | None = None,
                 last: dt.date | None = None) -> int:
    if fmt == "csv":
        return write_interactions_csv(session, out, first=first, last=last)
    if fmt == "cra":
        return write_cra_csv(session, out, first=first, last=last)
    raise InputError(f"format inconnu « {fmt} » (attendu : {', '.join(FORMATS)})")

"""« Rencontres »: coordinators browse what agents recorded (period, agent, site), read the
notes, correct or delete a wrong record and export the filtered list as CSV.

A correction or a deletion is a record like an agent's (`records.apply_record` with
``replaces``): the original stays in the ledger, marked superseded, and counts read the current
version only.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid as uuidlib
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from dynamobile.errors import InputError

from . import exports, records, reports, vocab
from .auth import coordinator_required
from .db import get_session
from .models import Interaction, Record, Stop, Tour, User
from .web import paris, parse_period, today_paris

bp = Blueprint("records_page", __name__, url_prefix="/coord/rencontres")

MAX_SHOWN = 500  # rows on the page; the CSV has them all
FILTERS = ("du", "au", "agent", "site")


@dataclass(frozen=True)
class Filters:
    first: dt.date
    last: dt.date
    agent: str  # user name, "" for all
    site: str  # site id, "" for all

    def query(self) -> dict[str, str]:
        out = {"du": self.first.isoformat(), "au": self.last.isoformat()}
        if self.agent:
            out["agent"] = self.agent
        if self.site:
            out["site"] = self.site
        return out


def _filters(args) -> Filters:
    first, last = parse_period(args.get("du"), args.get("au"), today=today_paris())
    return Filters(first, last, (args.get("agent") or "").strip(), (args.get("site") or "").strip())


def rows(session: Session, filters: Filters) -> list:
    """(Interaction, Stop, Tour, User) of the current records in the filters, newest first."""
    found = reports.interaction_rows(session, filters.first, filters.last)
    return [
        row
        for row in reversed(found)
        if (not filters.agent or row[3].name == filters.agent)
        and (not filters.site or row[1].site == filters.site)
    ]


def _labels(codes: str, table) -> str:
    return ", ".join(vocab.label(table, code) for code in codes.split()) if codes else ""


def describe(interaction: Interaction) -> dict:
    """What the page and the CSV show of a record."""
    at = paris(interaction.at)
    return {
        "date": at.date().isoformat(),
        "heure": at.strftime("%H:%M"),
        "source": "formulaire" if interaction.source == "form" else exports.SOURCE_TALLY,
        "people": interaction.people,
        "topics": _labels(interaction.topics, vocab.TOPICS),
        "equipment": _labels(interaction.equipment, vocab.EQUIPMENT),
        "invitations": ", ".join(
            vocab.INVITATIONS.get(c, c) for c in interaction.invitations.split()
        ),
        "visit": vocab.VISITS.get(interaction.visit, interaction.visit),
        "note": interaction.note,
    }


@bp.get("/")
@coordinator_required
def page():
    filters = _filters(request.args)
    db = get_session()
    found = rows(db, filters)
    corrected = set(
        db.scalars(
            select(Record.uuid).where(
                Record.uuid.in_([i.record_uuid for i, *_ in found[:MAX_SHOWN]]),
                Record.replaces.is_not(None),
            )
        )
    )
    agents = db.scalars(select(User.name).order_by(User.name)).all()
    sites = db.execute(select(Stop.site, Stop.name).distinct().order_by(Stop.name)).all()
    return render_template(
        "coord/records.html",
        filters=filters,
        shown=[(row, describe(row[0])) for row in found[:MAX_SHOWN]],
        total=len(found),
        people=sum(row[0].people for row in found),
        corrected=corrected,
        agents=agents,
        sites=sorted({site: name for site, name in sites}.items(), key=lambda s: s[1]),
        max_shown=MAX_SHOWN,
    )


@bp.get("/export.csv")
@coordinator_required
def export():
    filters = _filters(request.args)
    out = io.StringIO()
    out.write("\ufeff")
    writer = exports.SafeWriter(out)
    columns = ["uuid", "date", "heure", "source", "lieu", "site", "quartier", "agent"]
    columns += ["personnes", "thematiques", "materiel", "invitations", "visite", "note"]
    writer.writerow(columns)
    for interaction, stop, _tour, user in rows(get_session(), filters):
        d = describe(interaction)
        writer.writerow(
            [
                interaction.record_uuid,
                d["date"],
                d["heure"],
                d["source"],
                stop.name,
                stop.site,
                stop.quartier,
                user.name,
                d["people"],
                d["topics"],
                d["equipment"],
                d["invitations"],
                d["visit"],
                d["note"],
            ]
        )
    return Response(
        out.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="dynamobile-rencontres-{today_paris()}.csv"'
        },
    )


def _current(session: Session, uid: str) -> tuple[Record, Interaction, Stop, Tour]:
    record = session.get(Record, uid)
    if record is None or record.superseded_by is not None:
        abort(404)
    interaction = session.scalars(select(Interaction).where(Interaction.record_uuid == uid)).first()
    stop = session.get(Stop, record.stop_id)
    if interaction is None or stop is None:
        abort(404)
    return record, interaction, stop, stop.tour


def _back() -> str:
    query: dict[str, Any] = {k: v for k, v in request.form.items() if k in FILTERS and v}
    return url_for("records_page.page", **query)


def _apply(session: Session, raw: dict, done: str) -> None:
    result = records.apply_record(session, g.user, raw)
    if result.code >= 300:
        session.rollback()
        raise InputError(result.message or result.status)
    session.commit()
    flash(done)


@bp.post("/<uid>/supprimer")
@coordinator_required
def delete(uid: str):
    db = get_session()
    record, _interaction, stop, _tour = _current(db, uid)
    raw = {
        "uuid": str(uuidlib.uuid4()),
        "kind": records.VOID,
        "stop_id": stop.id,
        "at": dt.datetime.now(dt.UTC).isoformat(),
        "replaces": record.uuid,
    }
    _apply(
        db, raw, f"Enregistrement supprimé ({stop.name}, {paris(record.client_at):%d/%m %H:%M})."
    )
    return redirect(_back())


@bp.get("/<uid>/corriger")
@coordinator_required
def edit(uid: str):
    db = get_session()
    record, interaction, stop, tour = _current(db, uid)
    data = json.loads(record.content)["data"]
    if record.kind != "interaction" or data.get("v") != vocab.FORM_V2:
        raise InputError(
            "seules les rencontres du formulaire actuel se corrigent ici : supprimez celle-ci"
        )
    return _edit_page(record, interaction, stop, tour, data, request.args.to_dict())


def _edit_page(record, interaction, stop, tour, data: dict, back: dict, error: str = "", code=200):
    page = render_template(
        "coord/record_edit.html",
        record=record,
        stop=stop,
        tour=tour,
        data=data,
        when=describe(interaction),
        back={k: v for k, v in back.items() if k in FILTERS and v},
        error=error,
        vocab=vocab,
    )
    return page, code


def _int(value: str | None, field: str) -> int:
    try:
        return int(value or 0)
    except ValueError:
        raise InputError(f"{field} : nombre entier attendu") from None


@bp.post("/<uid>/corriger")
@coordinator_required
def correct(uid: str):
    db = get_session()
    record, interaction, stop, tour = _current(db, uid)
    original = json.loads(record.content)["data"]
    form = request.form
    data = {
        **original,
        "ages": {
            c: _int(form.get(f"ages.{c}"), vocab.TRANCHES_AGE[c]) for c in vocab.AGE_BAND_CODES
        },
        "genres": {c: _int(form.get(f"genres.{c}"), vocab.GENRES[c]) for c in vocab.GENRE_CODES},
        "statuts": {
            c: _int(form.get(f"statuts.{c}"), vocab.STATUTS_SOCIAUX[c]) for c in vocab.STATUT_CODES
        },
        "topics": form.getlist("topics"),
        "visit": form.get("visit", "unknown"),
        "note": form.get("note", ""),
    }
    raw = {
        "uuid": str(uuidlib.uuid4()),
        "kind": "interaction",
        "stop_id": stop.id,
        "at": record.client_at.isoformat(),  # the encounter keeps its time, and its period
        "data": data,
        "replaces": record.uuid,
    }
    try:
        _apply(db, raw, f"Rencontre corrigée ({stop.name}, {paris(record.client_at):%d/%m %H:%M}).")
    except InputError as exc:  # shown above the form, the coordinator's input kept
        back = request.form.to_dict()
        return _edit_page(record, interaction, stop, tour, data, back, str(exc), 422)
    return redirect(_back())

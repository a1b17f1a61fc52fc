"""« Rencontres »: coordinators browse what agents recorded (period, agent, site, « à vérifier »),
read the notes, correct or delete a wrong record and export the filtered list as CSV; the same
filters give the « Bilan » per agent and per site (`summaries`, CSV too) and the « Carte » of sites
sized by people met. Records whose times do not fit their stop are flagged (`flags`).

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

from . import exports, flags, records, reports, summaries, vocab
from .auth import coordinator_required
from .catalogue_views import allow_tiles, map_settings
from .db import get_session
from .models import Interaction, Record, Stop, Tour, User
from .web import paris, parse_period, today_paris

bp = Blueprint("records_page", __name__, url_prefix="/coord/rencontres")
# The « Carte » tab uses the catalogue's Leaflet and, if configured, its map tiles (and their CSP).
bp.context_processor(map_settings)
bp.after_request(allow_tiles)

MAX_SHOWN = 500  # rows on the page; the CSV has them all
FILTERS = ("du", "au", "agent", "site", "verifier")


@dataclass(frozen=True)
class Filters:
    first: dt.date
    last: dt.date
    agent: str  # user name, "" for all
    site: str  # site id, "" for all
    flagged: bool = False  # only the records « à vérifier » (the list and its CSV)

    def query(self, *, flagged: bool = True) -> dict[str, str]:
        out = {"du": self.first.isoformat(), "au": self.last.isoformat()}
        if self.agent:
            out["agent"] = self.agent
        if self.site:
            out["site"] = self.site
        if self.flagged and flagged:
            out["verifier"] = "1"
        return out


def _filters(args) -> Filters:
    first, last = parse_period(args.get("du"), args.get("au"), today=today_paris())
    return Filters(
        first,
        last,
        (args.get("agent") or "").strip(),
        (args.get("site") or "").strip(),
        args.get("verifier") == "1",
    )


def rows(session: Session, filters: Filters) -> list:
    """(Interaction, Stop, Tour, User) of the current records in the period, agent and site,
    newest first (``flagged`` is applied by `browse`)."""
    found = reports.interaction_rows(session, filters.first, filters.last)
    return [
        row
        for row in reversed(found)
        if (not filters.agent or row[3].name == filters.agent)
        and (not filters.site or row[1].site == filters.site)
    ]


def browse(session: Session, filters: Filters) -> tuple[list, dict[str, list[flags.Flag]]]:
    """The rows of the list and its CSV, and the flags of those « à vérifier »."""
    found = rows(session, filters)
    flagged = flags.flag_rows(session, found)
    if filters.flagged:
        found = [row for row in found if row[0].record_uuid in flagged]
    return found, flagged


def _choices(session: Session) -> dict[str, Any]:
    """The filter form's agents and sites."""
    agents = session.scalars(select(User.name).order_by(User.name)).all()
    sites = session.execute(select(Stop.site, Stop.name).distinct().order_by(Stop.name)).all()
    return {
        "agents": agents,
        "sites": sorted({site: name for site, name in sites}.items(), key=lambda s: s[1]),
    }


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
    found, flagged = browse(db, filters)
    corrected = set(
        db.scalars(
            select(Record.uuid).where(
                Record.uuid.in_([i.record_uuid for i, *_ in found[:MAX_SHOWN]]),
                Record.replaces.is_not(None),
            )
        )
    )
    return render_template(
        "coord/records.html",
        tab="liste",
        filters=filters,
        shown=[(row, describe(row[0])) for row in found[:MAX_SHOWN]],
        total=len(found),
        people=sum(row[0].people for row in found),
        corrected=corrected,
        flagged=flagged,
        checkin_hours=flags.CHECKIN_HOURS,
        slack_min=round(flags.SPAN_SLACK.total_seconds() / 60),
        max_shown=MAX_SHOWN,
        **_choices(db),
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
    writer.writerow([*columns, "a_verifier"])
    found, flagged = browse(get_session(), filters)
    for interaction, stop, _tour, user in found:
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
                " ; ".join(flag.reason for flag in flagged.get(interaction.record_uuid, [])),
            ]
        )
    return _csv(out.getvalue(), "rencontres")


def _csv(text: str, name: str) -> Response:
    return Response(
        text,
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="dynamobile-{name}-{today_paris()}.csv"'
        },
    )


def _by(args) -> str:
    by = args.get("par", summaries.AGENT)
    if by not in (summaries.AGENT, summaries.SITE):
        raise InputError(f"par : « {by} » inconnu (attendu : agent ou lieu)")
    return by


def _summaries(session: Session, filters: Filters, by: str) -> summaries.Summaries:
    return summaries.summarise(
        session,
        rows(session, filters),
        by=by,
        first=filters.first,
        last=filters.last,
        agent=filters.agent,
        site=filters.site,
    )


@bp.get("/bilan")
@coordinator_required
def summary_page():
    filters = _filters(request.args)
    db = get_session()
    return render_template(
        "coord/records_summary.html",
        tab="bilan",
        filters=filters,
        tables=[
            (by, title, _summaries(db, filters, by))
            for by, title in ((summaries.AGENT, "Par agent"), (summaries.SITE, "Par lieu"))
        ],
        **_choices(db),
    )


@bp.get("/bilan.csv")
@coordinator_required
def summary_export():
    filters = _filters(request.args)
    by = _by(request.args)
    out = io.StringIO()
    exports.write_summaries_csv(out, _summaries(get_session(), filters, by), by=by)
    return _csv(out.getvalue(), f"bilan-par-{by}")


@bp.get("/carte")
@coordinator_required
def map_page():
    filters = _filters(request.args)
    db = get_session()
    points = summaries.site_points(rows(db, filters))
    return render_template(
        "coord/records_map.html",
        tab="carte",
        filters=filters,
        points=points,
        points_json=[point.to_json() for point in points],
        **_choices(db),
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
    if record.kind != "interaction":
        raise InputError("un comptage +1 ne se corrige pas : supprimez-le")
    return _edit_page(record, interaction, stop, tour, data, request.args.to_dict())


@dataclass(frozen=True)
class EditForm:
    """The fields of the correction page for a record of one form version: a record is corrected
    in its own form's codes (the first form's bands and topics stay valid for its records)."""

    version: int
    ages: tuple[tuple[str, str], ...]  # (code, French label)
    topics: tuple[tuple[str, str], ...]


def edit_form(data: dict) -> EditForm:
    if data.get("v") == vocab.FORM_V2:
        return EditForm(vocab.FORM_V2, vocab.AGE_BANDS, tuple(vocab.THEMATIQUES.items()))
    return EditForm(
        vocab.FORM_V1,
        tuple((code, term.label) for code, term in vocab.V1_AGE_BANDS.items()),
        tuple(
            (code, term.label)
            for code, term in vocab.TOPICS.items()
            if code in vocab.V1_TOPIC_CODES
        ),
    )


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
        form=edit_form(data),
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
    if record.kind != "interaction":
        abort(404)
    form = request.form
    fields = edit_form(original)
    data = {
        **original,
        "ages": {code: _int(form.get(f"ages.{code}"), label) for code, label in fields.ages},
        "topics": form.getlist("topics"),
        "visit": form.get("visit", "unknown"),
        "note": form.get("note", ""),
    }
    if fields.version == vocab.FORM_V2:
        data["genres"] = {
            c: _int(form.get(f"genres.{c}"), vocab.GENRES[c]) for c in vocab.GENRE_CODES
        }
        data["statuts"] = {
            c: _int(form.get(f"statuts.{c}"), vocab.STATUTS_SOCIAUX[c]) for c in vocab.STATUT_CODES
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

"""JSON endpoints of the offline page: session check and record sync (see docs/field_app.md)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, g, jsonify, request
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from dynamobile.errors import InputError

from . import records, stop_parking, stop_totals
from .auth import login_required
from .db import get_session
from .models import Stop, TourAgent
from .web import hm

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/session")
@login_required
def session_info():
    """Who is logged in, and a fresh CSRF token for the page's next POSTs."""
    response = jsonify(user=g.user.name, role=g.user.role, csrf_token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


def _json_body() -> dict:
    # Not request.get_json: a deeply nested body raises RecursionError there, which is a 500.
    body = records.load_json(request.get_data()) if request.is_json else None
    if not isinstance(body, dict):
        raise InputError("corps JSON attendu")
    return body


@bp.post("/sync")
@login_required
def sync():
    """Apply a batch of records; always answers per record (see `records.apply_batch`)."""
    body = _json_body()
    db = get_session()
    results = records.apply_batch(
        db, g.user, body.get("records"), max_records=current_app.config["SYNC_BATCH_MAX"]
    )
    db.commit()
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    return jsonify(results=[r.to_dict() for r in results], counts=counts)


@bp.put("/records/<uid>")
@login_required
def put_record(uid: str):
    """Apply one record; the HTTP status is the record's (201, 200, 409, 422, 403, 404)."""
    body = _json_body()
    if body.get("uuid", uid) != uid:
        abort(400, description="l'uuid du corps ne correspond pas à l'adresse")
    body["uuid"] = uid
    db = get_session()
    result = records.apply_record(db, g.user, body)
    db.commit()
    return jsonify(result.to_dict()), result.code


MAX_STOPS = 200


def _stop_ids_arg() -> set[int]:
    """``?ids=1,2``: stop ids, out-of-range ones dropped; InputError (400) if unreadable."""
    try:
        ids = {int(part) for part in request.args.get("ids", "").split(",") if part.strip()}
    except ValueError:
        raise InputError("ids : identifiants d'arrêts séparés par des virgules") from None
    ids = {i for i in ids if 1 <= i <= records.MAX_ID}
    if len(ids) > MAX_STOPS:
        raise InputError(f"ids : {MAX_STOPS} arrêts au plus")
    return ids


@bp.get("/stops")
@login_required
def stops_state():
    """The current state of the stops a phone shows (``?ids=1,2``): it tells its agent what a
    coordinator changed or cancelled while it was offline, and where to park (``parking``:
    street, walk in metres, direction and the card's sentence; null when there is no walk to
    tell). Stops the user may not see, and
    stops deleted since, are left out (the phone reads a missing stop as removed)."""
    ids = _stop_ids_arg()
    query = select(Stop).where(Stop.id.in_(ids))
    if g.user.role != "coordinator":
        query = query.join(TourAgent, TourAgent.tour_id == Stop.tour_id).where(
            TourAgent.user_id == g.user.id
        )
    db = get_session()
    stops = db.scalars(query).all() if ids else []
    parkings = stop_parking.stop_parkings(db, stops)
    response = jsonify(
        stops=[
            {
                "id": stop.id,
                "name": stop.name,
                "cancelled": stop.cancelled,
                "in_plan": stop.in_plan,
                "hours": f"{hm(stop.start)}–{hm(stop.end)}",
                "parking": parkings[stop.id].to_dict() if stop.id in parkings else None,
            }
            for stop in stops
        ]
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/team-totals")
@login_required
def team_totals():
    """The whole team's totals at the stops a phone shows (``?ids=1,2``): people met and
    invitation cards handed out, beside the phone's own; ``at`` is when they were counted."""
    db = get_session()
    ids = stop_totals.visible_stop_ids(db, g.user, _stop_ids_arg())
    response = jsonify(
        at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        stops=[totals.to_dict() for totals in stop_totals.team_totals(db, ids)],
    )
    response.headers["Cache-Control"] = "no-store"
    return response

"""Invitation cards' pages: a coordinator generates and prints a tour's series; reception (any
staff account) enters a card's code at ``/accueil`` (see `field_app.invitations`)."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from dynamobile.errors import InputError

from . import invitations
from .auth import coordinator_required, login_required
from .db import get_session
from .models import Tour
from .web import service_worker_response

bp = Blueprint("invitations", __name__)


def _tour(tour_id: int) -> Tour:
    tour = get_session().get(Tour, tour_id)
    if tour is None:
        abort(404)
    return tour


@bp.post("/coord/tournees/<int:tour_id>/invitations")
@coordinator_required
def generate(tour_id: int):
    tour = _tour(tour_id)
    try:
        count = int(request.form.get("count", ""))
    except ValueError:
        raise InputError(
            f"nombre de cartes : un nombre entre 1 et {invitations.MAX_SERIES}"
        ) from None
    db = get_session()
    series = invitations.generate_series(db, tour, count, g.user)
    db.commit()
    flash(f"Série {series} : {count} cartes d'invitation créées.")
    return redirect(url_for("coordinator.tour", tour_id=tour.id) + "#invitations")


@bp.get("/coord/tournees/<int:tour_id>/invitations/<int:series>/imprimer")
@coordinator_required
def print_series(tour_id: int, series: int):
    tour = _tour(tour_id)
    cards = invitations.cards_of_series(get_session(), tour.id, series)
    if not cards:
        abort(404)
    return render_template(
        "coord/invitations_print.html",
        tour=tour,
        series=series,
        cards=cards,
        footer=current_app.config.get("INVITATION_FOOTER") or "",
    )


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


# A code typed while reception was offline is sent later with the time it was typed
# (``entered_at``): the card's visit is dated then, within this limit; otherwise now.
OFFLINE_LIMIT = dt.timedelta(days=3)


def _entered_at(raw: str | None, now: dt.datetime) -> dt.datetime:
    """When reception typed the code: ``raw`` (ISO 8601 with its offset) if it is plausible."""
    if not raw:
        return now
    try:
        at = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return now
    if at.tzinfo is None:
        return now
    try:
        at = at.astimezone(dt.UTC)
    except (ValueError, OverflowError):  # year 1 before UTC, for instance
        return now
    return at if now - OFFLINE_LIMIT <= at <= now else now


@bp.route("/accueil", methods=["GET", "POST"])
@login_required
def reception():
    """One field: the card's code. The answer goes to a live region (JSON for the page's script,
    the page again without it). The script sends each code with ``entered_at``, when it was
    typed, and ``submission``, an id drawn for it: codes typed offline go when the network is
    back, and a code sent again after a lost answer is recognised (« déjà enregistrée »)."""
    result = None
    if request.method == "POST":
        db = get_session()
        now = _entered_at(request.form.get("entered_at"), dt.datetime.now(dt.UTC))
        result = invitations.redeem(
            db,
            g.user,
            request.form.get("code", ""),
            now=now,
            submission=request.form.get("submission"),
        )
        db.commit()
        if _wants_json():
            response = jsonify(ok=result.ok, message=result.message)
            response.headers["Cache-Control"] = "no-store"
            return response
    return render_template("accueil.html", result=result)


# /accueil works offline after a reload too: its own service worker, whose scope is the page
# alone (``/accueil``, wider than the script's folder, hence ``Service-Worker-Allowed``).
RECEPTION_ASSETS = ("accueil.js", "field.css", "invitations.css")


@bp.get("/accueil/sw.js")
def reception_worker():
    home = url_for("invitations.reception")
    response = service_worker_response(prefix="accueil-", home=home, assets=RECEPTION_ASSETS)
    response.headers["Service-Worker-Allowed"] = home
    return response


@bp.get("/accueil/manifest.webmanifest")
def reception_manifest():
    response = make_response(render_template("accueil.webmanifest"))
    response.headers["Content-Type"] = "application/manifest+json"
    return response

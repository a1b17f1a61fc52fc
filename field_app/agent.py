"""The agent's mobile page (works offline) and its service worker."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, g, make_response, redirect, render_template, url_for
from sqlalchemy import select

from . import publishing, stop_parking, vocab
from .auth import login_required
from .db import get_session
from .models import Tour
from .web import service_worker_response, today_paris

bp = Blueprint("agent", __name__, url_prefix="/agent")

UPCOMING_DAYS = 7


@bp.get("/")
@login_required
def home():
    today = today_paris()
    tours = publishing.tours_for_user(
        get_session(), g.user, first=today, last=today + dt.timedelta(days=UPCOMING_DAYS)
    )
    # A coordinator opening this page sees every tour; the page is meant for agents.
    parkings = stop_parking.stop_parkings(
        get_session(), (stop for tour in tours for stop in tour.stops if stop.in_plan)
    )
    response = make_response(
        render_template(
            "agent/home.html",
            today=today,
            today_tours=[t for t in tours if t.date == today],
            later_tours=[t for t in tours if t.date > today],
            parkings=parkings,
            vocab=vocab,
        )
    )
    response.headers["Cache-Control"] = "no-cache, private"
    return response


AGENT_ASSETS = ("agent.js", "agent_extra.js", "field.css")


@bp.get("/sw.js")
def service_worker():
    return service_worker_response(
        prefix="dynamobile-", home=url_for("agent.home"), assets=AGENT_ASSETS
    )


@bp.get("/manifest.webmanifest")
def manifest():
    response = make_response(render_template("agent/manifest.webmanifest"))
    response.headers["Content-Type"] = "application/manifest+json"
    return response


@login_required
def tour_link(vehicle: str, date: str):
    """``/tours/<vehicle>/<date>``, the link printed on route sheets: open that tour."""
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        abort(404)
    db = get_session()
    tour = db.scalars(select(Tour).where(Tour.vehicle == vehicle, Tour.date == day)).first()
    if tour is None:
        abort(404)
    if g.user.role == "coordinator":
        return redirect(url_for("coordinator.tour", tour_id=tour.id))
    if not publishing.can_access_tour(db, g.user, tour.id):
        abort(403)
    return redirect(url_for("agent.home") + f"#tour-{tour.id}")

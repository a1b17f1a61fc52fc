"""The coordinator's pages: dashboard, publishing, assignments, stop edits, exports."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from dynamobile.errors import InputError

from . import (
    accounts,
    charts,
    coop,
    exports,
    invitations,
    plan_downloads,
    publishing,
    reports,
    vocab,
)
from .auth import coordinator_required
from .db import get_session
from .models import Stop, Tour
from .web import PARIS, paris, parse_period, today_paris

bp = Blueprint("coordinator", __name__, url_prefix="/coord")


def _period() -> tuple[dt.date, dt.date]:
    """The ``du``/``au`` query dates, by default the last 12 weeks up to today (see `parse_period`)."""
    return parse_period(request.args.get("du"), request.args.get("au"), today=today_paris())


@bp.get("/")
@coordinator_required
def dashboard():
    first, last = _period()
    db = get_session()
    board = reports.dashboard(db, first, last)
    chart_list = [
        ("Personnes rencontrées par semaine", charts.columns(board.by_week, title="par semaine")),
        ("Par quartier", charts.hbar(board.by_quartier, title="par quartier")),
        ("Par lieu (12 premiers)", charts.hbar(board.by_site, title="par lieu")),
        ("Par tranche d'âge", charts.hbar(board.by_age, title="par âge")),
        ("Par genre (si indiqué)", charts.hbar(board.by_genre, title="par genre")),
        ("Par statut social (si indiqué)", charts.hbar(board.by_statut, title="par statut social")),
        ("Thématiques (rencontres)", charts.hbar(board.topics, title="thématiques")),
        ("Matériel utilisé (rencontres)", charts.hbar(board.equipment, title="matériel")),
        ("Invitations remises (rencontres)", charts.hbar(board.invitations, title="invitations")),
    ]
    times = reports.stop_times(db, first, min(last, today_paris()))
    to_complete = [cra for cra in coop.collective_cras(db, first, last) if cra.missing]
    return render_template(
        "coord/dashboard.html",
        board=board,
        invitations=invitations.stats(db, first, last),
        charts=chart_list,
        times=times[::-1][:60],
        to_complete=to_complete,
    )


@bp.get("/tournees")
@coordinator_required
def tours():
    db = get_session()
    today = today_paris()
    rows = publishing.tours_for_user(
        db, g.user, first=today - dt.timedelta(days=7), last=today + dt.timedelta(days=90)
    )
    return render_template(
        "coord/tours.html",
        tours=rows,
        agents=accounts.agents(db),
        downloads=plan_downloads.download_groups(rows),
        formats=plan_downloads.LABELS,
    )


@bp.get("/plans/<int:plan_id>/telecharger/<fmt>")
@coordinator_required
def download_plan(plan_id: int, fmt: str):
    """A published plan's route sheets, GPX, ICS, GeoJSON or all in a zip; ``jour`` keeps one day."""
    if fmt not in plan_downloads.FORMATS:
        abort(404)
    day = None
    if request.args.get("jour"):
        try:
            day = dt.date.fromisoformat(request.args["jour"])
        except ValueError:
            raise InputError("jour : date AAAA-MM-JJ attendue") from None
    plan = plan_downloads.published_plan(get_session(), plan_id, day=day)
    if plan is None:
        abort(404)
    base_url = plan_downloads.public_base_url(
        current_app.config.get("PUBLIC_URL"), request.url_root
    )
    download = plan_downloads.render(plan, fmt, base_url=base_url)
    return Response(
        download.data,
        content_type=download.content_type,
        headers={"Content-Disposition": f'attachment; filename="{download.filename}"'},
    )


@bp.post("/plans")
@coordinator_required
def upload_plan():
    upload = request.files.get("plan")
    if upload is None or not upload.filename:
        raise InputError("choisissez un fichier plan.json")
    plan = publishing.parse_plan(upload.read(), source=upload.filename)
    db = get_session()
    summary = publishing.import_plan(db, plan)
    db.commit()
    flash(summary.message())
    return redirect(url_for("coordinator.tours"))


def _tour(tour_id: int) -> Tour:
    tour = get_session().get(Tour, tour_id)
    if tour is None:
        abort(404)
    return tour


@bp.post("/tournees/<int:tour_id>/agents")
@coordinator_required
def assign(tour_id: int):
    tour = _tour(tour_id)
    try:
        ids = [int(v) for v in request.form.getlist("agents")]
    except ValueError:
        raise InputError("agent invalide") from None
    db = get_session()
    publishing.assign_agents(db, tour, ids)
    db.commit()
    flash(f"Équipe de la tournée {tour.vehicle_name} du {tour.date:%d/%m} enregistrée.")
    return redirect(url_for("coordinator.tours"))


@bp.get("/tournees/<int:tour_id>")
@coordinator_required
def tour(tour_id: int):
    tour_ = _tour(tour_id)
    cras = {cra.stop.id: cra for cra in coop.collective_cras(get_session(), tour_id=tour_id)}
    series = invitations.series_of(get_session(), tour_id)
    return render_template(
        "coord/tour.html",
        tour=tour_,
        cras=cras,
        vocab=vocab,
        series=series,
        max_series=invitations.MAX_SERIES,
    )


@bp.post("/arrets/<int:stop_id>/cra")
@coordinator_required
def complete_cra(stop_id: int):
    db = get_session()
    stop = db.get(Stop, stop_id)
    if stop is None:
        abort(404)
    coop.complete_stop(
        db,
        stop,
        thematiques=request.form.getlist("thematiques"),
        niveau=request.form.get("niveau", ""),
    )
    db.commit()
    flash(f"CRA de l'arrêt « {stop.name} » complété.")
    return redirect(url_for("coordinator.tour", tour_id=stop.tour_id) + f"#arret-{stop.id}")


def _time_on(day: dt.date, value: str, field: str) -> dt.datetime:
    try:
        clock = dt.time.fromisoformat(value)
    except ValueError:
        raise InputError(f"{field} : heure HH:MM attendue") from None
    return dt.datetime.combine(day, clock, PARIS)


@bp.post("/arrets/<int:stop_id>")
@coordinator_required
def edit_stop(stop_id: int):
    db = get_session()
    stop = db.get(Stop, stop_id)
    if stop is None:
        abort(404)
    day = paris(stop.start).date()
    start = _time_on(day, request.form.get("start", ""), "début")
    end = _time_on(day, request.form.get("end", ""), "fin")
    publishing.edit_stop(
        db, stop, start=start, end=end, cancelled=request.form.get("cancelled") == "1"
    )
    db.commit()
    flash(f"Arrêt « {stop.name} » mis à jour.")
    return redirect(url_for("coordinator.tour", tour_id=stop.tour_id))


@bp.get("/export/<fmt>.csv")
@coordinator_required
def export(fmt: str):
    if fmt not in exports.FORMATS:
        abort(404)
    if fmt in exports.ALIASES:  # the former address of the Coop sheet
        query: dict[str, Any] = request.args.to_dict()
        return redirect(url_for("coordinator.export", fmt=exports.ALIASES[fmt], **query))
    first, last = _period() if request.args.get("du") or request.args.get("au") else (None, None)
    buffer = io.StringIO()
    exports.write_export(get_session(), buffer, fmt=fmt, first=first, last=last)
    name = exports.FILE_NAMES[fmt]
    return Response(
        buffer.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="dynamobile-{name}-{today_paris()}.csv"'
        },
    )


@bp.get("/invitations.csv")
@coordinator_required
def export_invitations():
    """Every invitation card of the tours of the period (``du``/``au``; all without)."""
    first, last = _period() if request.args.get("du") or request.args.get("au") else (None, None)
    buffer = io.StringIO()
    exports.write_invitations_csv(get_session(), buffer, first=first, last=last)
    return Response(
        buffer.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="dynamobile-invitations-{today_paris()}.csv"'
        },
    )

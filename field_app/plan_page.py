"""The coordinator's « Planifier » page: start a planning job, follow it, review its plan (tours,
sites not visited, changes against the published tours, map), lock and exclude, re-plan, publish."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from dynamobile.errors import InputError

from . import plan_edit, plan_jobs, plan_review, publishing
from .api import _json_body
from .auth import coordinator_required
from .db import get_session
from .models import PlanJob
from .plan_api import QUEUE_DOWN, enqueue, job_or_404, organisation_id
from .web import today_paris

bp = Blueprint("plan_page", __name__, url_prefix="/coord/planifier")


def _render(job: PlanJob | None):
    return render_template(
        "coord/plan.html",
        job=plan_jobs.status(job) if job else None,
        review=plan_review.review(get_session(), job) if job else None,
        first_day=today_paris() + dt.timedelta(days=1),
        days_range=plan_jobs.DAYS_RANGE,
        seconds_range=plan_jobs.SECONDS_RANGE,
    )


@bp.get("/")
@coordinator_required
def page():
    latest = (
        get_session()
        .scalars(
            select(PlanJob)
            .where(PlanJob.organisation_id == organisation_id())
            .order_by(PlanJob.id.desc())
            .limit(1)
        )
        .first()
    )
    return _render(latest)


@bp.get("/<int:job_id>")
@coordinator_required
def job_page(job_id: int):
    """The page of one job: its progress, then the review of its plan."""
    return _render(job_or_404(job_id))


@bp.post("/<int:job_id>/replanifier")
@coordinator_required
def replan(job_id: int):
    """A new job with the same parameters, the ticked locks and the ticked exclusions."""
    job = job_or_404(job_id)
    body = plan_review.replan_body(
        job.params, request.form.getlist("lock"), request.form.getlist("exclude")
    )
    try:
        params = plan_jobs.parse_params(body)
    except plan_jobs.JobParamsError as exc:
        flash("Nouveau calcul impossible : " + "; ".join(exc.fields.values()))
        return redirect(url_for("plan_page.job_page", job_id=job.id))
    db = get_session()
    new = plan_jobs.create_job(
        db, organisation_id=organisation_id(), user_id=g.user.id, params=params
    )
    db.commit()
    if not enqueue(new):
        flash(QUEUE_DOWN)
    return redirect(url_for("plan_page.job_page", job_id=new.id))


@bp.post("/<int:job_id>/horaire")
@coordinator_required
def edit_time(job_id: int):
    """Move a stop's opening: {"tour": i, "stop": j, "start": "HH:MM", "save": bool} →
    {"problems": [French], "saved": bool}; saved into the job's plan only with no problem."""
    job = job_or_404(job_id)
    if job.plan_json is None or job.state in ("queued", "running", "cancelling"):
        abort(404)
    try:
        body = _json_body()
        start = plan_edit.parse_clock(body.get("start"))
        tour, stop = body.get("tour"), body.get("stop")
        if not isinstance(tour, int) or not isinstance(stop, int):
            raise InputError("arrêt attendu (tour, stop)")
        plan = publishing.parse_plan(job.plan_json, source=f"calcul n°{job.id}")
        db = get_session()
        scenario = plan_jobs.scenario_for(
            db, organisation_id(), suggestions=bool(job.params.get("suggestions"))
        )
        result = plan_edit.try_edit(plan, scenario, tour, stop, start)
    except InputError as exc:
        return jsonify(error=str(exc).replace("\n", " ; "), kind="input"), 400
    saved = bool(body.get("save")) and not result.problems
    if saved:
        job.plan_json = plan_edit.plan_json(result.plan)
        db.commit()
    return jsonify(problems=list(result.problems), saved=saved)


@bp.post("/<int:job_id>/publier")
@coordinator_required
def publish(job_id: int):
    """Publish the job's plan to the agents (the same publishing as an uploaded plan.json)."""
    job = job_or_404(job_id)
    if job.plan_json is None:
        abort(404)
    plan = publishing.parse_plan(job.plan_json, source=f"calcul n°{job.id}")
    db = get_session()
    summary = publishing.import_plan(db, plan)
    db.commit()
    flash(summary.message())
    return redirect(url_for("coordinator.tours"))

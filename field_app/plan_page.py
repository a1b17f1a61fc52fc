"""The coordinator's « Planifier » page: start a planning job, follow it, publish its plan."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from . import plan_jobs, publishing
from .auth import coordinator_required
from .db import get_session
from .models import PlanJob
from .plan_api import job_or_404, organisation_id
from .web import today_paris

bp = Blueprint("plan_page", __name__, url_prefix="/coord/planifier")


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
    return render_template(
        "coord/plan.html",
        job=plan_jobs.status(latest) if latest else None,
        first_day=today_paris() + dt.timedelta(days=1),
        days_range=plan_jobs.DAYS_RANGE,
        seconds_range=plan_jobs.SECONDS_RANGE,
    )


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

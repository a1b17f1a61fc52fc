"""JSON API of planning jobs (coordinators; session + ``X-CSRFToken`` as the rest of /api)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, g, jsonify, request, url_for

from . import plan_jobs
from .api import _json_body
from .auth import coordinator_required
from .db import get_session
from .job_queue import queue_of
from .models import PlanJob
from .scenario_store import default_organisation

log = logging.getLogger(__name__)

bp = Blueprint("plan_api", __name__, url_prefix="/api/plan-jobs")

QUEUE_DOWN = "File d'attente des calculs injoignable : réessayez dans un moment."


def organisation_id() -> int:
    """The organisation the logged-in coordinator plans for (one today)."""
    return default_organisation(get_session()).id


def job_or_404(job_id: int) -> PlanJob:
    job = get_session().get(PlanJob, job_id)
    if job is None or job.organisation_id != organisation_id():
        abort(404)
    return job


def enqueue(job: PlanJob) -> bool:
    """Hand the committed job to the queue; a queue that cannot be reached fails the job."""
    try:
        queue_of(current_app).enqueue(job.id, job.task_id)
    except Exception:
        log.exception("plan job %s could not be queued", job.id)
        job.state, job.message = "failed", QUEUE_DOWN
        get_session().commit()
        return False
    return True


def _enqueue(job: PlanJob):
    if not enqueue(job):
        return jsonify(error=QUEUE_DOWN, kind="queue"), 503
    response = jsonify(id=job.id, state=job.state)
    response.headers["Location"] = url_for("plan_api.show", job_id=job.id)
    return response, 202


@bp.post("")
@coordinator_required
def create():
    """Start a job: {"from": "AAAA-MM-JJ", "days": N, "seconds": S, optionally "fairness",
    "suggestions", "locks": [{"site", "date", "vehicle"}], "exclude": [site ids]} → 202 {"id"}."""
    body = _json_body()
    try:
        params = plan_jobs.parse_params(body)
    except plan_jobs.JobParamsError as exc:
        return jsonify(error=str(exc).replace("\n", " ; "), kind="input", fields=exc.fields), 400
    db = get_session()
    job = plan_jobs.create_job(
        db, organisation_id=organisation_id(), user_id=g.user.id, params=params
    )
    db.commit()
    return _enqueue(job)


@bp.get("/<int:job_id>")
@coordinator_required
def show(job_id: int):
    response = jsonify(plan_jobs.status(job_or_404(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:job_id>/plan")
@coordinator_required
def plan(job_id: int):
    """The job's plan.json (404 until there is one); ``?download=1`` as a file."""
    job = job_or_404(job_id)
    if job.plan_json is None:
        abort(404)
    response = Response(job.plan_json, content_type="application/json; charset=utf-8")
    if request.args.get("download"):
        first = job.params.get("from", "")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="plan-{first}-{job.params.get("days", 1)}j-calcul-{job.id}.json"'
        )
    return response


@bp.delete("/<int:job_id>")
@coordinator_required
def cancel(job_id: int):
    """Cancel: a queued job at once, a running one within a second or two (best plan kept)."""
    job = job_or_404(job_id)
    db = get_session()
    plan_jobs.cancel_job(db, job)
    db.commit()
    return jsonify(plan_jobs.status(job))


@bp.post("/<int:job_id>/retry")
@coordinator_required
def retry(job_id: int):
    """Queue a failed or cancelled job again → 202 {"id"}."""
    job = job_or_404(job_id)
    db = get_session()
    plan_jobs.retry_job(db, job)
    db.commit()
    return _enqueue(job)

"""Running one planning job in a worker: claim the row, plan, write progress, store the plan.

Every database access is a short transaction of its own: a session left open during the solve
would hold SQLite's write lock (transactions begin IMMEDIATE) for minutes.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select, text, update

from dynamobile.errors import DynamobileError
from dynamobile.plan import plan_to_dict

from . import plan_jobs
from .db import new_session
from .models import ACTIVE_STATES, PlanJob, utcnow

log = logging.getLogger(__name__)

WRITE_EVERY_S = 0.5  # progress rows written at most twice a second
CHECK_EVERY_S = 0.5  # cancellation read at most twice a second
INTERNAL_ERROR = (
    "Erreur interne du calcul. Réessayez ; si le problème continue, prévenez la coordination."
)
STAGE_LABELS = {
    "streets": "Chargement des rues",
    "matrices": "Calcul des temps de trajet",
    "optimisation": "Optimisation des tournées",
    "done": "Mise en forme du plan",
}


def _claim(app: Flask, job_id: int) -> tuple[str, PlanJob | None]:
    """Mark the job running if it is queued and its organisation runs no other job.

    Returns ("run", job), ("wait", None) when another job of the organisation runs, or
    ("skip", None) when the row is gone or no longer queued (cancelled, already run).
    """
    with new_session(app) as session:
        job = session.get(PlanJob, job_id)
        if job is None:
            return "skip", None
        if session.get_bind().dialect.name == "postgresql":
            # One claim per organisation at a time (SQLite: BEGIN IMMEDIATE already serialises).
            session.execute(
                text("SELECT pg_advisory_xact_lock(4242, :org)"), {"org": job.organisation_id}
            )
            session.refresh(job)
        if job.state != "queued":
            return "skip", None
        others = session.scalars(
            select(PlanJob).where(
                PlanJob.organisation_id == job.organisation_id,
                PlanJob.state.in_(ACTIVE_STATES),
                PlanJob.id != job.id,
            )
        ).all()
        now = utcnow()
        for other in others:
            if plan_jobs.is_orphan(other, now):
                plan_jobs.fail_orphan(other)
        if any(other.state in ACTIVE_STATES for other in others):
            session.commit()
            return "wait", None
        job.state, job.started_at, job.heartbeat_at = "running", now, now
        job.worker, job.message = plan_jobs.WORKER_ID, "Calcul démarré."
        session.commit()
        return "run", job


class ProgressWriter:
    """The Monitor's two callbacks, writing to the job's row at most every `WRITE_EVERY_S`."""

    def __init__(self, app: Flask, job_id: int, *, clock: Callable[[], float] = time.monotonic):
        self._app, self._job_id, self._clock = app, job_id, clock
        self._last_write = self._last_check = float("-inf")
        self._stage = ""
        self._pending = None
        self.progress = None  # the latest Progress received
        self.cancel_requested = False

    def on_progress(self, progress) -> None:
        self.progress = progress
        now = self._clock()
        if progress.stage == self._stage and now - self._last_write < WRITE_EVERY_S:
            self._pending = progress
            return
        self._stage, self._last_write, self._pending = progress.stage, now, None
        self._write(progress)

    def flush(self) -> None:
        if self._pending is not None:
            self._write(self._pending)
            self._pending = None

    def _write(self, progress) -> None:
        values = {
            "stage": progress.stage,
            "elapsed_s": round(progress.elapsed_s, 1),
            "remaining_s": None if progress.remaining_s is None else round(progress.remaining_s, 1),
            "message": _message(progress),
        }
        if progress.remaining_s is not None:
            total = progress.elapsed_s + progress.remaining_s
            values["progress"] = min(1.0, progress.elapsed_s / total) if total > 0 else 1.0
        if progress.visits is not None:
            values["visits"] = progress.visits
        if progress.visits_wanted is not None:
            values["visits_wanted"] = progress.visits_wanted
        if progress.priority_share is not None:
            values["priority_share"] = round(progress.priority_share, 4)
        with new_session(self._app) as session:
            # Only while it runs: a cancel request written meanwhile keeps its state and message.
            session.execute(
                update(PlanJob)
                .where(PlanJob.id == self._job_id, PlanJob.state == "running")
                .values(**values, heartbeat_at=utcnow())
            )
            session.commit()

    def should_stop(self) -> bool:
        now = self._clock()
        if not self.cancel_requested and now - self._last_check >= CHECK_EVERY_S:
            self._last_check = now
            with new_session(self._app) as session:
                state = session.scalar(select(PlanJob.state).where(PlanJob.id == self._job_id))
            self.cancel_requested = state == "cancelling"
        return self.cancel_requested


def _message(progress) -> str:
    label = STAGE_LABELS.get(progress.stage, progress.stage)
    if progress.visits is not None and progress.visits_wanted:
        return f"{label} : meilleur plan à {progress.visits} visite(s) sur {progress.visits_wanted}"
    if progress.visits is not None:
        return f"{label} : meilleur plan à {progress.visits} visite(s)"
    return f"{label}…"


def _heartbeat(app: Flask, job_id: int, stop: threading.Event) -> None:
    """Say the worker is alive every HEARTBEAT_S, also during long stages with no progress."""
    while not stop.wait(plan_jobs.HEARTBEAT_S):
        try:
            with new_session(app) as session:
                session.execute(
                    update(PlanJob)
                    .where(PlanJob.id == job_id, PlanJob.state.in_(ACTIVE_STATES))
                    .values(heartbeat_at=utcnow())
                )
                session.commit()
        except Exception:  # a missed beat is not worth stopping the solve
            log.warning("heartbeat of plan job %s failed", job_id, exc_info=True)


def _finish(app: Flask, job_id: int, **values) -> None:
    with new_session(app) as session:
        session.execute(
            update(PlanJob).where(PlanJob.id == job_id).values(**values, finished_at=utcnow())
        )
        session.commit()


def _plan(app: Flask, job: PlanJob, writer: ProgressWriter):
    from routing.planner import plan_period
    from routing.problem import SolveParams
    from routing.progress import Monitor

    params = plan_jobs.JobParams.from_dict(job.params)
    with app.app_context(), new_session(app) as session:
        scenario = plan_jobs.scenario_for(
            session, job.organisation_id, suggestions=params.suggestions
        )
    monitor = Monitor(on_progress=writer.on_progress, should_stop=writer.should_stop)
    plan = plan_period(
        scenario,
        params.first_day,
        params.days,
        params=SolveParams(time_limit_s=float(params.seconds)),
        fair_days=params.fairness,
        monitor=monitor,
        locks=params.locks,
        exclude=params.exclude,
    )
    return plan, monitor.stopped


def run_job(app: Flask, job_id: int, *, wait: Callable[[int], None]) -> str:
    """Run the job if it can start now (else ``wait(job_id)`` queues it again); returns its end state."""
    claim, job = _claim(app, job_id)
    if job is None:
        if claim == "wait":
            wait(job_id)
            return "queued"
        return "skipped"
    from routing.progress import Cancelled

    writer = ProgressWriter(app, job_id)
    beating = threading.Event()
    end: dict[str, object]
    threading.Thread(target=_heartbeat, args=(app, job_id, beating), daemon=True).start()
    try:
        plan, stopped = _plan(app, job, writer)
    except Cancelled:
        end = {
            "state": "cancelled",
            "message": "Calcul annulé avant la première solution : aucun plan.",
        }
    except DynamobileError as exc:
        end = {"state": "failed", "message": str(exc).replace("\n", " ; ")[:500]}
    except Exception:
        log.exception("plan job %s failed", job_id)
        end = {"state": "failed", "message": INTERNAL_ERROR}
    else:
        writer.flush()
        stopped = stopped or writer.cancel_requested
        visits = sum(len(tour.stops) for tour in plan.tours)
        wanted = writer.progress.visits_wanted if writer.progress else None
        summary = f"{visits} visite(s)" + (f" sur {wanted} souhaitée(s)" if wanted else "")
        end = {
            "state": "cancelled" if stopped else "done",
            "message": ("Calcul annulé : meilleur plan gardé, " if stopped else "Plan prêt : ")
            + f"{summary}, {len(plan.tours)} tournée(s).",
            "plan_json": json.dumps(plan_to_dict(plan), ensure_ascii=False),
            "visits": visits,
            "progress": 1.0,
            "remaining_s": 0.0,
        }
        if not stopped:
            end["stage"] = "done"
    finally:
        beating.set()
    _finish(app, job_id, **end)
    return str(end["state"])

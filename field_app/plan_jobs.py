"""Planning jobs, the service: parameters, creation, cancellation, retry, status, orphans.

A job is a `PlanJob` row; the queue (`field_app.job_queue`) only carries its id, and the run
itself is `field_app.plan_runner`. The row's state is the truth: a task whose row is no longer
``queued`` does nothing, so a task delivered twice, or after a cancel, is harmless.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from dynamobile.errors import InputError
from dynamobile.model import Scenario
from routing.locks import Lock

from .models import ACTIVE_STATES, PlanJob, utcnow

DAYS_RANGE = (1, 31)
SECONDS_RANGE = (5, 3600)
MAX_CHOICES = 2000  # locks, and excluded sites, per job
ID_MAX = 80  # a site's or a vehicle's id (the stops' and tours' columns)
# A running job whose worker has not written its heartbeat for this long is taken for dead
# (the worker writes it every `HEARTBEAT_S`, whatever the solver is doing).
HEARTBEAT_S = 10.0
STALE_S = 60.0
# Who this process is: a restarted server may get the same pid (containers), not the same boot.
BOOT = uuid.uuid4().hex[:8]
HOST = socket.gethostname()
WORKER_ID = f"{HOST}:{os.getpid()}:{BOOT}"

ORPHAN_MESSAGE = "Le calcul s'est interrompu (serveur ou processus de calcul arrêté) : relancez-le avec « Réessayer »."
STATE_LABELS = {
    "queued": "en attente",
    "running": "en cours",
    "cancelling": "annulation en cours",
    "done": "terminé",
    "failed": "échoué",
    "cancelled": "annulé",
}


class JobParamsError(InputError):
    """Bad job parameters; ``fields`` maps each wrong field to its French message."""

    def __init__(self, fields: dict[str, str]):
        super().__init__([f"{name} : {message}" for name, message in fields.items()])
        self.fields = fields


@dataclass(frozen=True)
class JobParams:
    """What to plan: ``days`` days from ``first_day``, ``seconds`` of optimisation."""

    first_day: dt.date
    days: int
    seconds: int
    fairness: int | None = None  # fair_days of `routing.planner.plan_period`
    suggestions: bool = False  # plan with the priorities and durations the agents' records suggest
    locks: tuple[Lock, ...] = ()  # visits that must stay (site, day, vehicle)
    exclude: tuple[str, ...] = ()  # sites left out of this run

    @property
    def dates(self) -> list[dt.date]:
        return [self.first_day + dt.timedelta(days=k) for k in range(self.days)]

    def to_dict(self) -> dict:
        return {
            "from": self.first_day.isoformat(),
            "days": self.days,
            "seconds": self.seconds,
            "fairness": self.fairness,
            "suggestions": self.suggestions,
            "locks": [
                {"site": lock.site, "date": lock.date.isoformat(), "vehicle": lock.vehicle}
                for lock in self.locks
            ],
            "exclude": list(self.exclude),
        }

    @classmethod
    def from_dict(cls, data: dict) -> JobParams:
        return cls(
            dt.date.fromisoformat(data["from"]),
            data["days"],
            data["seconds"],
            data.get("fairness"),
            bool(data.get("suggestions", False)),
            tuple(
                Lock(lock["site"], dt.date.fromisoformat(lock["date"]), lock["vehicle"])
                for lock in data.get("locks", ())
            ),
            tuple(data.get("exclude", ())),
        )


def _int_in(raw, low: int, high: int, what: str) -> tuple[int | None, str | None]:
    if isinstance(raw, bool) or raw is None or raw == "":
        return None, f"{what} attendu (entier de {low} à {high})"
    try:
        value = int(raw) if not isinstance(raw, float) or raw.is_integer() else None
    except (TypeError, ValueError):
        value = None
    if value is None:
        return None, f"nombre entier attendu (de {low} à {high})"
    if not low <= value <= high:
        return None, f"entre {low} et {high}"
    return value, None


def parse_params(body: dict) -> JobParams:
    """Job parameters from the API's JSON (or a form); raises JobParamsError naming each field."""
    fields: dict[str, str] = {}
    first_day = None
    raw_day = body.get("from")
    if not raw_day:
        fields["from"] = "premier jour attendu (AAAA-MM-JJ)"
    else:
        try:
            first_day = dt.date.fromisoformat(str(raw_day))
        except ValueError:
            fields["from"] = f"date invalide « {str(raw_day)[:40]} » (AAAA-MM-JJ attendu)"
    days, problem = _int_in(body.get("days"), *DAYS_RANGE, "nombre de jours")
    if problem:
        fields["days"] = problem
    seconds, problem = _int_in(body.get("seconds"), *SECONDS_RANGE, "temps de calcul en secondes")
    if problem:
        fields["seconds"] = problem
    fairness = None
    if body.get("fairness") not in (None, ""):
        fairness, problem = _int_in(body.get("fairness"), 1, 31, "équité en jours")
        if problem:
            fields["fairness"] = problem
    suggestions = body.get("suggestions", False)
    if isinstance(suggestions, str):  # a form's checkbox
        suggestions = {
            "1": True,
            "on": True,
            "true": True,
            "oui": True,
            "0": False,
            "": False,
            "off": False,
            "false": False,
            "non": False,
        }.get(suggestions.lower(), suggestions)
    if not isinstance(suggestions, bool):
        fields["suggestions"] = "vrai ou faux attendu"
    exclude, problem = _exclude(body.get("exclude"))
    if problem:
        fields["exclude"] = problem
    period = [first_day + dt.timedelta(days=k) for k in range(days)] if first_day and days else None
    locks, problem = _locks(body.get("locks"), period, set(exclude))
    if problem:
        fields["locks"] = problem
    if fields or first_day is None or days is None or seconds is None:
        raise JobParamsError(fields)
    return JobParams(first_day, days, seconds, fairness, bool(suggestions), locks, exclude)


def _an_id(raw) -> str | None:
    """A site's or vehicle's id as sent, or None if it is not one."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > ID_MAX:
        return None
    return raw.strip()


def _exclude(raw) -> tuple[tuple[str, ...], str | None]:
    """The excluded sites' ids: a list of ids, each once."""
    if raw in (None, ""):
        return (), None
    if not isinstance(raw, list) or len(raw) > MAX_CHOICES:
        return (), f"liste d'identifiants de lieux attendue (au plus {MAX_CHOICES})"
    ids = [_an_id(item) for item in raw]
    for n, (item, site) in enumerate(zip(raw, ids), start=1):
        if site is None:
            return (), f"lieu n°{n} : identifiant attendu, pas « {str(item)[:40]} »"
    return tuple(dict.fromkeys(i for i in ids if i)), None


def _locks(
    raw, period: list[dt.date] | None, excluded: set[str]
) -> tuple[tuple[Lock, ...], str | None]:
    """The locks: a list of {"site", "date", "vehicle"}, inside the period, each site at most once
    a day, none on an excluded site; the first problem found, in French."""
    if raw in (None, ""):
        return (), None
    if not isinstance(raw, list) or len(raw) > MAX_CHOICES:
        return (), f"liste de verrous {{site, date, vehicle}} attendue (au plus {MAX_CHOICES})"
    locks: list[Lock] = []
    for n, item in enumerate(raw, start=1):
        where = f"verrou n°{n}"
        if not isinstance(item, dict):
            return (), f"{where} : objet {{site, date, vehicle}} attendu"
        site, vehicle = _an_id(item.get("site")), _an_id(item.get("vehicle"))
        if site is None:
            return (), f"{where} : identifiant du lieu attendu (site)"
        if vehicle is None:
            return (), f"{where} : identifiant du véhicule attendu (vehicle)"
        try:
            day = dt.date.fromisoformat(str(item.get("date")))
        except ValueError:
            return (
                (),
                f"{where} : date invalide « {str(item.get('date'))[:40]} » (AAAA-MM-JJ attendu)",
            )
        lock = Lock(site, day, vehicle)
        if period is not None and day not in period:
            return (), (
                f"{lock.label()} : jour hors de la période "
                f"(du {period[0]:%d/%m/%Y} au {period[-1]:%d/%m/%Y})"
            )
        if site in excluded:
            return (), f"{lock.label()} : ce lieu est aussi exclu du calcul"
        if any(other.site == site and other.date == day for other in locks):
            return (), f"{lock.label()} : ce lieu est déjà verrouillé ce jour-là"
        locks.append(lock)
    return tuple(locks), None


def scenario_for(
    session: Session,
    organisation_id: int,
    *,
    suggestions: bool = False,
    today: dt.date | None = None,
) -> Scenario:
    """The scenario an organisation plans with: its sites, fleet and depot in the database (the
    Lieux, Véhicules and Dépôt pages); with ``suggestions``, the priorities and service times
    its agents' records suggest. ``PLAN_SCENARIO`` (a TOML file) replaces the database, for
    scripts and demonstrations only."""
    from . import scenario_store
    from . import suggestions as suggested

    if current_app.config.get("PLAN_SCENARIO"):
        from dynamobile.scenario import load_scenario

        scenario = load_scenario(current_app.config["PLAN_SCENARIO"])
    else:
        scenario = scenario_store.scenario_from_db(
            session, organisation_id, base=Path(current_app.instance_path)
        )
    if suggestions:
        found = suggested.site_suggestions(session, organisation_id, today=today or dt.date.today())
        scenario = suggested.apply_suggestions(scenario, found)
    return scenario


def new_task_id() -> str:
    return uuid.uuid4().hex


def create_job(
    session: Session, *, organisation_id: int, user_id: int | None, params: JobParams
) -> PlanJob:
    """A new queued job (the caller commits, then hands ``job.id``/``job.task_id`` to the queue)."""
    job = PlanJob(
        organisation_id=organisation_id,
        created_by=user_id,
        params=params.to_dict(),
        state="queued",
        progress=0.0,
        stage="",
        message="En attente d'un processus de calcul.",
        worker="",
        task_id=new_task_id(),
    )
    session.add(job)
    session.flush()
    return job


def cancel_job(session: Session, job: PlanJob) -> None:
    """Cancel: a queued job at once, a running one asks its worker (it keeps its best plan)."""
    if job.state == "queued":
        job.state, job.finished_at, job.message = "cancelled", utcnow(), "Calcul annulé."
    elif job.state == "running":
        job.state, job.message = "cancelling", "Annulation demandée…"
    elif job.state != "cancelling":
        raise InputError(f"ce calcul est déjà {STATE_LABELS[job.state]}")
    session.flush()


def retry_job(session: Session, job: PlanJob) -> None:
    """Queue a failed or cancelled job again, from scratch (a new task id)."""
    if job.state not in ("failed", "cancelled"):
        raise InputError(
            f"seul un calcul échoué ou annulé peut être relancé (celui-ci est {STATE_LABELS[job.state]})"
        )
    job.state, job.progress, job.stage = "queued", 0.0, ""
    job.message = "En attente d'un processus de calcul."
    job.elapsed_s = job.remaining_s = job.visits = job.visits_wanted = job.priority_share = None
    job.started_at = job.finished_at = job.heartbeat_at = None
    job.worker, job.plan_json, job.task_id = "", None, new_task_id()
    session.flush()


def status(job: PlanJob) -> dict:
    """The API's view of a job."""
    return {
        "id": job.id,
        "state": job.state,
        "progress": round(job.progress, 3),
        "stage": job.stage,
        "message": job.message,
        "elapsed_s": job.elapsed_s,
        "remaining_s": job.remaining_s,
        "visits": job.visits,
        "visits_wanted": job.visits_wanted,
        "priority_share": job.priority_share,
        "params": job.params,
        "has_plan": job.plan_json is not None,
    }


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_orphan(job: PlanJob, now: dt.datetime) -> bool:
    """Whether a running job's worker is gone: known dead on this machine, or silent too long."""
    host, _, rest = job.worker.partition(":")
    pid, _, boot = rest.partition(":")
    if host == HOST and pid.isdigit():
        if int(pid) == os.getpid():
            return boot != BOOT  # this pid's previous life
        if not _pid_alive(int(pid)):
            return True
    return job.heartbeat_at is None or (now - job.heartbeat_at).total_seconds() > STALE_S


def fail_orphan(job: PlanJob) -> None:
    job.state, job.finished_at, job.message = "failed", utcnow(), ORPHAN_MESSAGE


def fail_orphans(session: Session) -> int:
    """Mark failed every running job whose worker died (at a worker's start); returns how many."""
    now = utcnow()
    orphans = [
        job
        for job in session.scalars(select(PlanJob).where(PlanJob.state.in_(ACTIVE_STATES)))
        if is_orphan(job, now)
    ]
    for job in orphans:
        fail_orphan(job)
    session.flush()
    return len(orphans)

"""The queue of planning jobs (Huey): its storage, its one task, its consumers.

SQLite storage in the instance folder by default (nothing to install or run: the consumer is
threads of ``dynamobile serve``), Redis when ``REDIS_URL`` is set, so that ``dynamobile worker``
processes on other machines can take the jobs. The queue only carries job ids; the database
row (`field_app.plan_jobs`) says what to do and survives everything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from huey import RedisHuey, SqliteHuey
from huey.api import Huey, TaskWrapper
from huey.consumer import Consumer

from . import plan_jobs, plan_runner
from .db import new_session

log = logging.getLogger(__name__)

QUEUE_NAME = "dynamobile-plan-jobs"
WAIT_S = 2.0  # a job whose organisation is busy is offered again after this delay
POLL_MAX_S = 1.0  # an idle consumer looks at the queue at least this often


@dataclass(frozen=True)
class PlanQueue:
    huey: Huey
    task: TaskWrapper

    def enqueue(self, job_id: int, task_id: str) -> None:
        self.task.schedule(args=(job_id,), delay=0, id=task_id)


def make_huey(app: Flask) -> Huey:
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        return RedisHuey(QUEUE_NAME, url=redis_url, results=False)
    path = app.config.get("PLAN_QUEUE_PATH") or str(Path(app.instance_path) / "plan_queue.sqlite")
    return SqliteHuey(QUEUE_NAME, filename=path, results=False)


def init_app(app: Flask) -> None:
    huey = make_huey(app)

    def plan_job(job_id: int) -> None:
        plan_runner.run_job(app, job_id, wait=lambda jid: task.schedule(args=(jid,), delay=WAIT_S))

    task = huey.task(name="plan_job")(plan_job)
    app.extensions["plan_queue"] = PlanQueue(huey, task)


def queue_of(app: Flask) -> PlanQueue:
    return app.extensions["plan_queue"]


class _ThreadConsumer(Consumer):
    """A consumer living inside another program (waitress, tests): it leaves the signal
    handlers to its host."""

    def _set_signal_handlers(self) -> None:
        pass


def _fail_orphans(app: Flask) -> None:
    with new_session(app) as session:
        failed = plan_jobs.fail_orphans(session)
        session.commit()
    if failed:
        log.warning("%d plan job(s) found running with their worker gone: marked failed", failed)


def _consumer_options(workers: int) -> dict:
    return {"workers": workers, "worker_type": "thread", "periodic": False, "max_delay": POLL_MAX_S}


def start_consumer(app: Flask, *, workers: int = 1) -> Consumer:
    """Start consumer threads in this process (``dynamobile serve``); stop them with ``.stop()``."""
    _fail_orphans(app)
    consumer = _ThreadConsumer(queue_of(app).huey, **_consumer_options(workers))
    consumer.start()
    return consumer


def run_worker(app: Flask, *, workers: int = 1) -> None:
    """Run a consumer until SIGINT/SIGTERM (``dynamobile worker``)."""
    _fail_orphans(app)
    queue_of(app).huey.create_consumer(**_consumer_options(workers)).run()

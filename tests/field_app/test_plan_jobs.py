"""Planning jobs: real Huey (SQLite storage), real database, real solver on the demo scenario."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from dynamobile.scenario import load_scenario
from field_app import accounts, job_queue, plan_jobs, plan_runner, scenario_store
from field_app.db import new_session
from field_app.models import PlanJob, Tour

from .conftest import PASSWORD, AuthActions

ROOT = Path(__file__).resolve().parents[2]
DEMO_DAY = "2026-11-28"  # a Saturday the demo scenario works
DEMO = ROOT / "dynamobile/scenarios/chambery_centre/scenario.toml"


def import_demo(app) -> None:
    """The demo scenario into the app's database, as `dynamobile scenario import` puts it."""
    with new_session(app) as session:
        organisation = scenario_store.default_organisation(session)
        scenario_store.import_scenario(session, organisation.id, load_scenario(DEMO))
        session.commit()


@pytest.fixture(autouse=True)
def demo_in_database(request):
    """Jobs plan the database's scenario: the demo's sites, fleet and depot (in the ``app``
    fixture's database; tests that make their own app import it themselves)."""
    if "app" in request.fixturenames:
        import_demo(request.getfixturevalue("app"))


@pytest.fixture
def coord(client):
    auth = AuthActions(client)
    auth.login("coord")
    return auth


@pytest.fixture
def consumers():
    """Start consumer threads on an app; every one is stopped after the test."""
    started = []

    def start(app, workers: int = 1):
        consumer = job_queue.start_consumer(app, workers=workers)
        started.append(consumer)
        return consumer

    yield start
    for consumer in started:
        consumer.stop(graceful=True)


def post_job(client, auth, **body):
    body = {"from": DEMO_DAY, "days": 1, "seconds": 5, **body}
    return client.post("/api/plan-jobs", json=body, headers={"X-CSRFToken": auth.api_token()})


def job_row(app, job_id: int) -> PlanJob:
    with new_session(app) as session:
        return session.get(PlanJob, job_id)


def wait_for(app, job_id: int, states: tuple[str, ...], timeout_s: float = 90.0) -> PlanJob:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = job_row(app, job_id)
        if job.state in states:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {job.state} ({job.message}) after {timeout_s} s")


def test_api_runs_a_job_in_a_consumer_thread_and_the_plan_publishes(app, client, coord, consumers):
    consumers(app)
    response = post_job(client, coord)
    assert response.status_code == 202, response.get_data(as_text=True)
    job_id = response.get_json()["id"]
    assert response.headers["Location"].endswith(f"/api/plan-jobs/{job_id}")

    seen = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status = client.get(f"/api/plan-jobs/{job_id}").get_json()
        seen.append(status)
        if status["state"] in ("done", "failed", "cancelled"):
            break
        time.sleep(0.2)
    assert status["state"] == "done", status["message"]
    assert set(status) >= {
        "state",
        "progress",
        "stage",
        "message",
        "elapsed_s",
        "remaining_s",
        "visits",
        "visits_wanted",
    }
    assert status["progress"] == 1.0 and status["visits"] > 0
    assert status["message"].startswith("Plan prêt")
    assert any(s["state"] == "running" and s["stage"] for s in seen)
    assert all(0.0 <= s["progress"] <= 1.0 for s in seen)

    plan = client.get(f"/api/plan-jobs/{job_id}/plan")
    assert plan.status_code == 200
    data = json.loads(plan.get_data(as_text=True))
    assert data["dates"] == [DEMO_DAY]
    assert sum(len(t["stops"]) for t in data["tours"]) == status["visits"]
    download = client.get(f"/api/plan-jobs/{job_id}/plan?download=1")
    assert "attachment" in download.headers["Content-Disposition"]

    page = client.get("/coord/planifier/").get_data(as_text=True)
    assert "Planifier" in page and f'data-job-id="{job_id}"' in page
    token = coord.api_token()
    published = client.post(f"/coord/planifier/{job_id}/publier", data={"csrf_token": token})
    assert published.status_code == 302
    with new_session(app) as session:
        dates = {t.date for t in session.scalars(select(Tour))}
    assert dt.date.fromisoformat(DEMO_DAY) in dates


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"from": "28/11/2026"}, "from", "AAAA-MM-JJ"),
        ({"from": ""}, "from", "premier jour"),
        ({"days": 0}, "days", "entre 1 et 31"),
        ({"days": 32}, "days", "entre 1 et 31"),
        ({"days": "sept"}, "days", "entier"),
        ({"seconds": 4}, "seconds", "entre 5 et 3600"),
        ({"seconds": 3601}, "seconds", "entre 5 et 3600"),
        ({"seconds": None}, "seconds", "temps de calcul"),
    ],
)
def test_bad_parameters_get_a_french_message_per_field(app, client, coord, body, field, words):
    response = post_job(client, coord, **body)
    assert response.status_code == 400
    answer = response.get_json()
    assert list(answer["fields"]) == [field]
    assert words in answer["fields"][field]
    with new_session(app) as session:
        assert session.scalars(select(PlanJob)).all() == []


def test_bad_body_and_missing_token(client, coord):
    assert (
        client.post(
            "/api/plan-jobs", json=[1], headers={"X-CSRFToken": coord.api_token()}
        ).status_code
        == 400
    )
    no_token = client.post("/api/plan-jobs", json={"from": DEMO_DAY, "days": 1, "seconds": 5})
    assert no_token.status_code == 400 and no_token.get_json()["kind"] == "csrf"


def test_agents_get_403_and_strangers_401(app, client):
    job_id = _queued_job(app)
    anonymous = app.test_client()
    assert anonymous.get(f"/api/plan-jobs/{job_id}").status_code == 401
    agent = AuthActions(client)
    agent.login("alice")
    token = agent.api_token()
    assert post_job(client, agent).status_code == 403
    assert client.get(f"/api/plan-jobs/{job_id}").status_code == 403
    assert client.get(f"/api/plan-jobs/{job_id}/plan").status_code == 403
    assert (
        client.delete(f"/api/plan-jobs/{job_id}", headers={"X-CSRFToken": token}).status_code == 403
    )
    assert client.get("/coord/planifier/").status_code == 403


def _queued_job(app, seconds: int = 5, days: int = 1) -> int:
    params = plan_jobs.JobParams(dt.date.fromisoformat(DEMO_DAY), days, seconds)
    with new_session(app) as session:
        job = plan_jobs.create_job(session, organisation_id=1, user_id=None, params=params)
        session.commit()
        job_queue.queue_of(app).enqueue(job.id, job.task_id)
        return job.id


def test_cancel_a_running_job_keeps_its_best_plan(app, client, coord, consumers):
    consumers(app)
    job_id = post_job(client, coord, days=7, seconds=120).get_json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(f"/api/plan-jobs/{job_id}").get_json()
        if status["stage"] == "optimisation" and status["visits"]:
            break
        time.sleep(0.2)
    assert status["stage"] == "optimisation", status
    cancelled_at = time.monotonic()
    answer = client.delete(f"/api/plan-jobs/{job_id}", headers={"X-CSRFToken": coord.api_token()})
    assert answer.status_code == 200 and answer.get_json()["state"] == "cancelling"
    job = wait_for(app, job_id, ("cancelled", "done", "failed"), timeout_s=10)
    assert job.state == "cancelled", job.message
    assert time.monotonic() - cancelled_at < 3  # the issue asks 2 s; measured about 0.6 s
    assert job.plan_json is not None and "meilleur plan gardé" in job.message
    assert client.get(f"/api/plan-jobs/{job_id}/plan").status_code == 200


def test_cancel_a_queued_job_at_once_and_retry_it(app, client, coord, consumers):
    response = post_job(client, coord)
    job_id = response.get_json()["id"]
    token = coord.api_token()
    answer = client.delete(f"/api/plan-jobs/{job_id}", headers={"X-CSRFToken": token})
    assert answer.get_json()["state"] == "cancelled"
    assert client.get(f"/api/plan-jobs/{job_id}/plan").status_code == 404
    again = client.delete(f"/api/plan-jobs/{job_id}", headers={"X-CSRFToken": token})
    assert again.status_code == 400 and "déjà annulé" in again.get_json()["error"]

    consumers(app)  # its task comes out of the queue and does nothing
    time.sleep(2)
    assert job_row(app, job_id).state == "cancelled"

    retried = client.post(f"/api/plan-jobs/{job_id}/retry", headers={"X-CSRFToken": token})
    assert retried.status_code == 202
    assert wait_for(app, job_id, ("done", "failed")).state == "done"


def test_a_job_left_running_is_failed_at_startup_and_can_be_retried(app, client, coord, consumers):
    job_id = _queued_job(app)
    with new_session(app) as session:  # its worker died mid-solve: a pid that no longer runs
        job = session.get(PlanJob, job_id)
        job.state, job.worker = "running", f"{plan_jobs.HOST}:999999999:deadbeef"
        job.heartbeat_at = job.started_at = plan_jobs.utcnow()
        session.commit()
    job_queue.queue_of(app).huey.flush()  # the worker had taken its task

    consumers(app)
    job = job_row(app, job_id)
    assert job.state == "failed" and "Réessayer" in job.message
    assert client.get(f"/api/plan-jobs/{job_id}").get_json()["message"] == plan_jobs.ORPHAN_MESSAGE

    token = coord.api_token()
    assert (
        client.post(f"/api/plan-jobs/{job_id}/retry", headers={"X-CSRFToken": token}).status_code
        == 202
    )
    assert wait_for(app, job_id, ("done", "failed")).state == "done"


def test_a_queued_job_runs_after_a_restart(app, make_app, consumers):
    job_id = _queued_job(app)  # queued while no worker runs (the server is down)
    time.sleep(0.5)
    assert job_row(app, job_id).state == "queued"

    restarted = make_app()  # same database, same instance folder: same queue file
    consumers(restarted)
    assert wait_for(restarted, job_id, ("done", "failed")).state == "done"


def test_one_job_per_organisation_at_a_time(app, consumers):
    first, second = _queued_job(app, seconds=2), _queued_job(app, seconds=2)
    consumers(app, workers=2)
    overlap = False
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with new_session(app) as session:
            states = [session.get(PlanJob, i).state for i in (first, second)]
        overlap |= states.count("running") > 1
        if all(s in ("done", "failed") for s in states):
            break
        time.sleep(0.05)
    assert states == ["done", "done"]
    assert not overlap
    one, two = sorted((job_row(app, first), job_row(app, second)), key=lambda j: j.started_at)
    assert two.started_at >= one.finished_at  # either order, never together


def test_a_scenario_error_fails_the_job_with_its_french_text(app, consumers, tmp_path):
    app.config["PLAN_SCENARIO"] = str(tmp_path / "absent.toml")
    job_id = _queued_job(app)
    consumers(app)
    job = wait_for(app, job_id, ("done", "failed"))
    assert job.state == "failed" and "absent.toml" in job.message


def test_a_database_without_a_fleet_fails_the_job_saying_what_is_missing(app, consumers):
    with new_session(app) as session:
        for vehicle in scenario_store.active_vehicles(session, 1):
            vehicle.archived = True
        session.commit()
    job_id = _queued_job(app)
    consumers(app)
    job = wait_for(app, job_id, ("done", "failed"))
    assert job.state == "failed" and "aucun véhicule actif" in job.message


def test_the_job_plans_the_database_catalogue(app, consumers):
    """The job plans the database's catalogue, not a file: an archived site is not in the plan."""
    with new_session(app) as session:
        monge = next(s for s in scenario_store.active_sites(session, 1) if s.code == "monge")
        monge.archived = True  # out of the catalogue: never in the plan
        session.commit()
    job_id = _queued_job(app)
    consumers(app)
    job = wait_for(app, job_id, ("done", "failed"))
    assert job.state == "done", job.message
    plan = json.loads(job.plan_json)
    planned = {s["site"] for t in plan["tours"] for s in t["stops"]}
    listed = {u["site"] for u in plan["unassigned"]}
    assert "monge" not in planned | listed and planned


def test_suggestions_are_a_job_parameter(client, coord):
    response = post_job(client, coord, suggestions=True)
    assert response.status_code == 202
    assert client.get(f"/api/plan-jobs/{response.get_json()['id']}").get_json()["params"][
        "suggestions"
    ]
    bad = post_job(client, coord, suggestions="peut-être")
    assert bad.status_code == 400 and "suggestions" in bad.get_data(as_text=True)


def test_an_unexpected_error_is_logged_not_shown(app, consumers, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(plan_runner, "_plan", broken)
    job_id = _queued_job(app)
    consumers(app)
    job = wait_for(app, job_id, ("done", "failed"))
    assert job.state == "failed" and job.message == plan_runner.INTERNAL_ERROR
    assert "secret internals" not in job.message
    assert "secret internals" in caplog.text


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_progress_is_written_at_most_twice_a_second(app):
    from routing.progress import Progress

    job_id = _queued_job(app)
    with new_session(app) as session:
        session.get(PlanJob, job_id).state = "running"
        session.commit()
    writes = []
    clock = FakeClock()
    writer = plan_runner.ProgressWriter(app, job_id, clock=clock)
    writer._write = writes.append
    for step in range(20):  # 20 reports in 1 s of optimisation
        clock.now = step * 0.05
        writer.on_progress(
            Progress("optimisation", step * 0.05, 10.0, visits=step, visits_wanted=30)
        )
    assert len(writes) == 2
    writer.on_progress(Progress("done", 1.0, 0.0))  # a new stage is written at once
    assert len(writes) == 3

    del writer._write
    writer.on_progress(Progress("optimisation", 2.0, 2.0, visits=12, visits_wanted=30))
    job = job_row(app, job_id)
    assert (job.progress, job.visits, job.visits_wanted, job.stage) == (0.5, 12, 30, "optimisation")
    assert "12 visite(s) sur 30" in job.message
    assert writer.should_stop() is False
    with new_session(app) as session:
        session.get(PlanJob, job_id).state = "cancelling"
        session.commit()
    assert writer.should_stop() is False  # read at most every 0.5 s
    clock.now += 0.5
    assert writer.should_stop() is True


STORAGES = ["sqlite"] + (["redis"] if os.environ.get("REDIS_TEST_URL") else [])


@pytest.mark.parametrize("storage", STORAGES)
def test_dynamobile_worker_runs_the_jobs_the_web_app_queues(
    storage, make_app, tmp_path, db_url, monkeypatch
):
    """``dynamobile worker`` in its own process, the web app queueing (SQLite storage, or Redis)."""
    config = {"REDIS_URL": os.environ["REDIS_TEST_URL"]} if storage == "redis" else {}
    web = make_app(**config)
    job_queue.queue_of(web).huey.flush()  # a shared Redis may hold another run's tasks
    with new_session(web) as session:
        accounts.create_user(session, "coord", PASSWORD, "coordinator")
        session.commit()
    import_demo(web)
    client = web.test_client()
    coord = AuthActions(client)
    coord.login("coord")
    job_id = post_job(client, coord).get_json()["id"]

    env = dict(
        os.environ,
        DATABASE_URL=db_url,
        SECRET_KEY="test-secret",
        DYNAMOBILE_INSTANCE_PATH=web.instance_path,
        PYTHONPATH=str(ROOT),
    )
    env.pop("REDIS_URL", None)
    env.update({"REDIS_URL": config["REDIS_URL"]} if config else {})
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "dynamobile.cli", "worker"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    try:
        job = wait_for(web, job_id, ("done", "failed"), timeout_s=60)
        assert job.state == "done", job.message
        assert job.worker.split(":")[1] == str(worker.pid)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
        log.close()
        print((tmp_path / "worker.log").read_text())  # shown when the test fails
    assert worker.returncode == 0

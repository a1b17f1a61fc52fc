"""Benchmark of the coordinator's planning studio (issue 11, not a test): prints figures.

1. The Lieux page (``GET /coord/lieux``) with ``--sites`` generated sites around Chambéry
   (`season.generate_season`) and 8 weeks of visits with the agents' records behind the
   suggestions: p50/p95 over ``--requests`` requests through Flask's test client and through a
   real ``dynamobile serve`` (waitress), on SQLite and on ``--database-url`` (PostgreSQL) if given.
2. A planning job's overhead: the demo scenario, one day, ``--seconds``: the solve alone
   (`routing.planner.plan_period`, streets included) against ``POST /api/plan-jobs`` → ``done``
   through a consumer thread; median of ``--runs``.
3. ``--coordinators`` coordinators start a job at the same moment: every job queues, they run
   one at a time (one per organisation) and all finish; total time.

    python bench/bench_studio.py                      # SQLite only
    python bench/bench_studio.py --database-url postgresql://…/dynamobile_bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from season import generate_season  # noqa: E402

from dynamobile.plan import PLAN_VERSION, Depot, Plan, Stop, Tour  # noqa: E402
from dynamobile.scenario import load_scenario  # noqa: E402
from field_app import accounts, create_app, job_queue, publishing, scenario_store  # noqa: E402
from field_app.db import new_session  # noqa: E402
from field_app.models import Interaction, PlanJob, Record, StopEvent  # noqa: E402
from field_app.models import Stop as StopRow  # noqa: E402
from field_app.web import today_paris  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
PASSWORD = "bench-password"
OSM = ROOT.parent / "shared" / "data" / "osm" / "chambery_centre_2016.osm"
DEMO = ROOT / "dynamobile" / "scenarios" / "chambery_centre" / "scenario.toml"
DEMO_DAY = "2026-11-28"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def make_app(db_url: str, **config):
    return create_app({"DATABASE_URL": db_url, "SECRET_KEY": "bench", **config})


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _at(day: dt.date, minutes: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), PARIS)


def _past_tours(sites: list, rng: random.Random, weeks: int = 8) -> Plan:
    """Two tours a day, five stops each, on every weekday of the last ``weeks`` weeks."""
    today = today_paris()
    tours = []
    for back in range(1, weeks * 7 + 1):
        day = today - dt.timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for vehicle in ("fourgon", "velo"):
            stops = []
            for i, site in enumerate(rng.sample(sites, 5)):
                start = 9 * 60 + i * 100
                stops.append(
                    Stop(
                        site=site.code,
                        name=site.name,
                        kind="forecourt",
                        lat=site.lat,
                        lon=site.lon,
                        arrive=_at(day, start - 30),
                        setup_start=_at(day, start - 20),
                        start=_at(day, start),
                        end=_at(day, start + 60),
                        leave=_at(day, start + 75),
                        drive_s=600,
                        distance_m=2000,
                    )
                )
            tours.append(
                Tour(
                    vehicle=vehicle,
                    vehicle_kind="van",
                    profile="drive",
                    date=day,
                    start=_at(day, 8 * 60),
                    end=_at(day, 18 * 60),
                    stops=tuple(stops),
                    breaks=(),
                    distance_m=10000,
                    drive_s=3000,
                    return_drive_s=600,
                    return_distance_m=2000,
                )
            )
    return Plan(
        version=PLAN_VERSION,
        scenario="bench",
        dates=tuple(sorted({t.date for t in tours})),
        depot=Depot("Dépôt", 45.5676, 5.9269),
        tours=tuple(tours),
        unassigned=(),
    )


def seed_sites(db_url: str, workdir: Path, sites: int) -> None:
    """``sites`` generated sites, a coordinator, 8 weeks of visits with check-ins and encounters."""
    accounts.HASH_METHOD = "pbkdf2:sha256:1000"  # logins are not what is measured
    toml = generate_season(workdir / "season", sites=sites, vehicles=2, seed=1, osm_file=OSM)
    app = make_app(db_url)
    rng = random.Random(1)
    with new_session(app) as session:
        organisation = scenario_store.default_organisation(session)
        scenario_store.import_scenario(session, organisation.id, load_scenario(toml))
        accounts.create_user(session, "coord", PASSWORD, "coordinator")
        agent = accounts.create_user(session, "agent", PASSWORD, "agent")
        rows = scenario_store.active_sites(session, organisation.id)
        publishing.import_plan(session, _past_tours(rows, rng))
        rows_after: list = []  # the ledger rows first: nothing links them for the unit of work
        for stop in session.scalars(select(StopRow)):
            events = [("checkin", stop.start), ("checkout", stop.end)]
            for kind, at in events:
                key = str(uuid.uuid4())
                session.add(_record(key, kind, agent.id, stop.id, at))
                rows_after.append(
                    StopEvent(record_uuid=key, stop_id=stop.id, user_id=agent.id, kind=kind, at=at)
                )
            for _ in range(rng.randint(0, 4)):
                key = str(uuid.uuid4())
                session.add(_record(key, "interaction", agent.id, stop.id, stop.start))
                rows_after.append(
                    Interaction(
                        record_uuid=key,
                        stop_id=stop.id,
                        user_id=agent.id,
                        at=stop.start,
                        source="form",
                        age_scheme="coop",
                        age_vingt_cinq_trente_neuf=rng.randint(1, 3),
                    )
                )
        session.flush()
        session.add_all(rows_after)
        session.commit()
    app.extensions["field_db"].kw["bind"].dispose()


def _record(key: str, kind: str, user_id: int, stop_id: int, at: dt.datetime) -> Record:
    return Record(
        uuid=key,
        kind=kind,
        user_id=user_id,
        stop_id=stop_id,
        content="{}",
        content_sha256="",
        client_at=at,
    )


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the login page"
    return match.group(1)


def time_test_client(db_url: str, count: int) -> list[float]:
    app = make_app(db_url)
    client = app.test_client()
    client.post(
        "/login",
        data={
            "name": "coord",
            "password": PASSWORD,
            "csrf_token": _token(client.get("/login").get_data(as_text=True)),
        },
    )
    assert client.get("/coord/lieux").status_code == 200
    times = []
    for _ in range(count):
        started = time.perf_counter()
        answer = client.get("/coord/lieux")
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200
    app.extensions["field_db"].kw["bind"].dispose()
    return times


def gc_figures(db_url: str, count: int) -> dict:
    """CPU time per request and Python's full (generation 2) collections during ``count`` Lieux
    requests in this process, as it starts and after ``gc.freeze()``."""
    import gc

    app = make_app(db_url)
    client = app.test_client()
    client.post(
        "/login",
        data={
            "name": "coord",
            "password": PASSWORD,
            "csrf_token": _token(client.get("/login").get_data(as_text=True)),
        },
    )
    client.get("/coord/lieux")
    passes: list[float] = []
    began = [0.0]

    def watch(phase: str, info: dict) -> None:
        if info["generation"] == 2:
            if phase == "start":
                began[0] = time.perf_counter()
            else:
                passes.append(time.perf_counter() - began[0])

    figures = {}
    gc.callbacks.append(watch)
    try:
        for label in ("as started", "after gc.freeze()"):
            if label != "as started":
                gc.freeze()
            passes.clear()
            cpu = []
            for _ in range(count):
                started = time.process_time()
                client.get("/coord/lieux")
                cpu.append((time.process_time() - started) * 1000)
            figures[label] = {
                "cpu_p50": percentile(cpu, 0.5),
                "cpu_p95": percentile(cpu, 0.95),
                "full_collections": len(passes),
                "full_collection_ms": 1000 * statistics.mean(passes) if passes else 0.0,
                "objects": len(gc.get_objects()),
            }
    finally:
        gc.callbacks.remove(watch)
        gc.unfreeze()
        app.extensions["field_db"].kw["bind"].dispose()
    return figures


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def time_served(db_url: str, count: int, workdir: Path) -> list[float]:
    """The same requests to ``dynamobile serve`` (waitress, no planning worker) in its own process."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=db_url, SECRET_KEY="bench", PYTHONPATH=str(ROOT))
    with open(workdir / "server.log", "w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dynamobile.cli.field",
                "serve",
                "--port",
                str(port),
                "--no-worker",
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(400):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            http = requests.Session()
            token = _token(http.get(f"{base}/login").text)
            http.post(
                f"{base}/login", data={"name": "coord", "password": PASSWORD, "csrf_token": token}
            )
            assert http.get(f"{base}/coord/lieux").status_code == 200
            times = []
            for _ in range(count):
                started = time.perf_counter()
                answer = http.get(f"{base}/coord/lieux")
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200
            return times
        finally:
            server.terminate()
            server.wait(10)


# -- planning jobs ------------------------------------------------------------------------------


def seed_demo(db_url: str, coordinators: int) -> None:
    accounts.HASH_METHOD = "pbkdf2:sha256:1000"
    app = make_app(db_url)
    with new_session(app) as session:
        organisation = scenario_store.default_organisation(session)
        scenario_store.import_scenario(session, organisation.id, load_scenario(DEMO))
        for i in range(1, coordinators + 1):
            accounts.create_user(session, f"coord-{i}", PASSWORD, "coordinator")
        session.commit()
    app.extensions["field_db"].kw["bind"].dispose()


def solve_alone(db_url: str, seconds: float) -> float:
    """What a job runs, called directly: the database's scenario, its streets, the solve."""
    from routing.planner import load_networks, plan_period
    from routing.problem import SolveParams

    app = make_app(db_url)
    with new_session(app) as session:
        scenario = scenario_store.scenario_from_db(
            session, scenario_store.default_organisation(session).id
        )
    started = time.perf_counter()
    networks = load_networks(scenario)
    plan_period(
        scenario,
        dt.date.fromisoformat(DEMO_DAY),
        1,
        params=SolveParams(time_limit_s=seconds),
        networks=networks,
    )
    elapsed = time.perf_counter() - started
    app.extensions["field_db"].kw["bind"].dispose()
    return elapsed


def _coordinator(app, name: str):
    client = app.test_client()
    client.post(
        "/login",
        data={
            "name": name,
            "password": PASSWORD,
            "csrf_token": _token(client.get("/login").get_data(as_text=True)),
        },
    )
    token = client.get("/api/session").get_json()["csrf_token"]
    return client, token


def run_jobs(app, names: list[str], seconds: float) -> tuple[list[float], float, int, list[str]]:
    """Each coordinator of ``names`` posts a job at the same moment; wait until all are over.
    Returns each job's time from its POST to ``done``, the total, the most jobs seen running
    at once and the final states."""
    clients = [_coordinator(app, name) for name in names]
    ids: list[int] = [0] * len(names)
    posted: list[float] = [0.0] * len(names)
    barrier = threading.Barrier(len(names))

    def post(i: int) -> None:
        client, token = clients[i]
        barrier.wait()
        posted[i] = time.perf_counter()
        answer = client.post(
            "/api/plan-jobs",
            json={"from": DEMO_DAY, "days": 1, "seconds": seconds},
            headers={"X-CSRFToken": token},
        )
        assert answer.status_code == 202, answer.get_data(as_text=True)
        ids[i] = answer.get_json()["id"]

    started = time.perf_counter()
    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(names))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    finished: dict[int, float] = {}
    most_running = 0
    client = clients[0][0]
    while len(finished) < len(ids):
        running = 0
        for i, job_id in enumerate(ids):
            if i in finished:
                continue
            state = client.get(f"/api/plan-jobs/{job_id}").get_json()["state"]
            running += state in ("running", "cancelling")
            if state in ("done", "failed", "cancelled"):
                finished[i] = time.perf_counter()
        most_running = max(most_running, running)
        time.sleep(0.05)
    total = time.perf_counter() - started
    with new_session(app) as session:
        states = [session.get(PlanJob, job_id).state for job_id in ids]
    return [finished[i] - posted[i] for i in range(len(ids))], total, most_running, states


def job_figures(db_url: str, seconds: float, runs: int, coordinators: int, workers: int) -> dict:
    seed_demo(db_url, coordinators)
    alone = [solve_alone(db_url, seconds) for _ in range(runs)]
    app = make_app(db_url)
    consumer = job_queue.start_consumer(app, workers=workers)
    try:
        through = [run_jobs(app, ["coord-1"], seconds)[0][0] for _ in range(runs)]
        each, total, most_running, states = run_jobs(
            app, [f"coord-{i}" for i in range(1, coordinators + 1)], seconds
        )
    finally:
        consumer.stop(graceful=True)
        app.extensions["field_db"].kw["bind"].dispose()
    return {
        "alone": alone,
        "through": through,
        "overhead_s": statistics.median(through) - statistics.median(alone),
        "concurrent_total_s": total,
        "concurrent_each_s": each,
        "most_running": most_running,
        "states": states,
    }


# -- main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--requests", type=int, default=100, help="requests per Lieux measure")
    parser.add_argument("--seconds", type=float, default=5, help="time budget of each solve")
    parser.add_argument("--runs", type=int, default=3, help="solves alone and jobs (median)")
    parser.add_argument("--coordinators", type=int, default=5)
    parser.add_argument(
        "--workers", type=int, default=2, help="consumer threads (the lock still runs one)"
    )
    parser.add_argument(
        "--database-url", help="PostgreSQL too (its schema is dropped and recreated)"
    )
    parser.add_argument("--skip-jobs", action="store_true", help="the Lieux page only")
    parser.add_argument(
        "--gc", action="store_true", help="also: the garbage collector's share (SQLite, in process)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="dynamobile-bench-studio-"))
    os.environ.setdefault("DYNAMOBILE_INSTANCE_PATH", str(workdir / "instance"))
    databases = {"SQLite": f"sqlite:///{workdir / 'sites.sqlite'}"}
    if args.database_url:
        databases["PostgreSQL"] = args.database_url
    figures: dict = {"lieux": {}}
    print(f"Lieux page, {args.sites} sites, {args.requests} requests each (target p95 < 300 ms)")
    print("| database | via | p50 ms | p95 ms | max ms |")
    print("| --- | --- | --- | --- | --- |")
    for name, url in databases.items():
        if name == "PostgreSQL":
            reset_postgres(url)
        seed_sites(url, workdir, args.sites)
        for via, measure in (
            ("test client", lambda u=url: time_test_client(u, args.requests)),
            ("dynamobile serve", lambda u=url: time_served(u, args.requests, workdir)),
        ):
            times = [t * 1000 for t in measure()]
            row = {"p50": percentile(times, 0.5), "p95": percentile(times, 0.95), "max": max(times)}
            figures["lieux"][f"{name} / {via}"] = row
            print(f"| {name} | {via} | {row['p50']:.0f} | {row['p95']:.0f} | {row['max']:.0f} |")

    if args.gc:
        figures["gc"] = gc_figures(databases["SQLite"], args.requests)
        print()
        print(f"Lieux page in this process, SQLite, {args.requests} requests")
        print("| | CPU p50 ms | CPU p95 ms | full collections | ms each | objects tracked |")
        print("| --- | --- | --- | --- | --- | --- |")
        for label, row in figures["gc"].items():
            print(
                f"| {label} | {row['cpu_p50']:.0f} | {row['cpu_p95']:.0f} | "
                f"{row['full_collections']} | {row['full_collection_ms']:.0f} | {row['objects']} |"
            )

    if not args.skip_jobs:
        jobs = job_figures(
            f"sqlite:///{workdir / 'jobs.sqlite'}",
            args.seconds,
            args.runs,
            args.coordinators,
            args.workers,
        )
        figures["jobs"] = jobs
        print()
        print(
            f"Planning job, demo scenario, {DEMO_DAY}, {args.seconds:g} s (SQLite, Huey SQLite queue)"
        )
        print("| measure | seconds |")
        print("| --- | --- |")
        print(
            f"| solve alone (streets + plan_period), median of {args.runs} | {statistics.median(jobs['alone']):.2f} |"
        )
        print(
            f"| POST → done through a job, median of {args.runs} | {statistics.median(jobs['through']):.2f} |"
        )
        print(f"| job overhead (target < 1 s) | {jobs['overhead_s']:.2f} |")
        print(
            f"| {args.coordinators} coordinators at once, {args.workers} consumer threads: all done, "
            f"total | {jobs['concurrent_total_s']:.2f} |"
        )
        print(
            f"  states: {', '.join(jobs['states'])}; most jobs running at once: {jobs['most_running']}; "
            f"each job POST → end: {', '.join(f'{s:.1f}' for s in sorted(jobs['concurrent_each_s']))} s"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    ok = all(row["p95"] < 300 for row in figures["lieux"].values())
    if "jobs" in figures:
        ok = ok and figures["jobs"]["overhead_s"] < 1 and set(figures["jobs"]["states"]) == {"done"}
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

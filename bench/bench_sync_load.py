"""Load benchmark of the field app's sync endpoint (not a test).

Seeds a database with N agents, each assigned one tour of today, starts ``dynamobile serve``
(waitress) on it — or targets ``--url``, a server already running on the same ``--database-url``
— then N simulated agents post batches of records for ``--seconds``. About one batch in ten is
re-sent as is (a phone that never got the answer) and must change nothing. At the end every
record sent must be in the database exactly once; prints request latency p50/p95/p99.

    python bench/bench_sync_load.py --seconds 60 --agents 50
"""

from __future__ import annotations

import argparse
import datetime as dt
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
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dynamobile.plan import PLAN_VERSION, Depot, Plan, Stop, Tour  # noqa: E402
from field_app import accounts, create_app, publishing  # noqa: E402
from field_app.db import new_session  # noqa: E402
from field_app.models import Interaction, Record, StopEvent  # noqa: E402
from field_app.models import Tour as TourRow  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
PASSWORD = "bench-password"
TOPICS = ["demarches", "fablab", "vr", "microfolie", "emploi", "smartphone", "autre"]
BANDS = ["0_11", "12_17", "18_25", "26_59", "60_plus"]


def seed(db_url: str, agents: int) -> None:
    """Create agents bench-01.. and one tour of today with three stops for each."""
    accounts.HASH_METHOD = "pbkdf2:sha256:1000"  # logins are not what is measured
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "bench"})
    today = dt.datetime.now(PARIS).date()

    def at(h: int) -> dt.datetime:
        return dt.datetime.combine(today, dt.time(h), PARIS)

    tours = []
    for i in range(agents):
        stops = tuple(
            Stop(
                site=f"site-{i}-{k}",
                name=f"Lieu {i}-{k}",
                kind="place",
                lat=45.57,
                lon=5.92,
                arrive=at(9 + 3 * k),
                setup_start=at(9 + 3 * k),
                start=at(9 + 3 * k),
                end=at(11 + 3 * k),
                leave=at(11 + 3 * k),
                drive_s=600,
                distance_m=2000,
                quartier=f"Quartier {k}",
            )
            for k in range(3)
        )
        tours.append(
            Tour(
                vehicle=f"bench-{i:02d}",
                vehicle_kind="van",
                profile="drive",
                date=today,
                start=at(8),
                end=at(18),
                stops=stops,
                breaks=(),
                distance_m=1,
                drive_s=1,
                return_drive_s=1,
                return_distance_m=1,
            )
        )
    plan = Plan(PLAN_VERSION, "bench", (today,), Depot("La Dynamo", 45.57, 5.92), tuple(tours), ())
    with new_session(app) as session:
        publishing.import_plan(session, plan)
        by_vehicle = {
            t.vehicle: t for t in session.scalars(select(TourRow).where(TourRow.date == today))
        }
        for i in range(agents):
            name = f"bench-{i:02d}"
            user = accounts.find_user(session, name) or accounts.create_user(
                session, name, PASSWORD, "agent"
            )
            publishing.assign_agents(session, by_vehicle[name], [user.id])
        session.commit()
    app.extensions["field_db"].kw["bind"].dispose()


def stop_ids(db_url: str, agent: int) -> list[int]:
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "bench", "AUTO_MIGRATE": False})
    with new_session(app) as session:
        tour = session.scalars(
            select(TourRow)
            .where(TourRow.vehicle == f"bench-{agent:02d}")
            .order_by(TourRow.date.desc())
        ).first()
        ids = [s.id for s in tour.stops]
    app.extensions["field_db"].kw["bind"].dispose()
    return ids


def make_record(stop_id: int, rng: random.Random) -> dict:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    kind = rng.choices(["interaction", "tally", "checkin"], weights=[6, 3, 1])[0]
    if kind == "interaction":
        data = {
            "ages": {rng.choice(BANDS): rng.randint(1, 4)},
            "topics": rng.sample(TOPICS, rng.randint(0, 2)),
            "equipment": ["tablette"] if rng.random() < 0.5 else [],
            "visit": rng.choice(["first", "returning"]),
        }
    elif kind == "tally":
        data = {"band": rng.choice(BANDS)}
    else:
        data = {"lat": 45.57, "lon": 5.92}
    return {"uuid": str(uuid.uuid4()), "kind": kind, "stop_id": stop_id, "at": now, "data": data}


class Agent(threading.Thread):
    def __init__(
        self, index: int, base: str, stops: list[int], deadline: float, batch: int, think_s: float
    ):
        super().__init__(daemon=True)
        self.index, self.base, self.stops, self.deadline, self.batch = (
            index,
            base,
            stops,
            deadline,
            batch,
        )
        self.think_s = think_s
        self.sent: set[str] = set()
        self.latencies: list[float] = []
        self.errors = 0
        self.replays = 0
        self.bad: list[str] = []
        self.rng = random.Random(index)

    def login(self) -> str:
        page = self.http.get(self.base + "/login", timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = self.http.post(
            self.base + "/login",
            timeout=30,
            allow_redirects=False,
            data={"name": f"bench-{self.index:02d}", "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302, response.status_code
        return self.http.get(self.base + "/api/session", timeout=30).json()["csrf_token"]

    def post(self, records: list[dict], token: str) -> list[dict]:
        """Send until the server answers (like the phone: same records, same UUIDs)."""
        while True:
            started = time.perf_counter()
            try:
                response = self.http.post(
                    self.base + "/api/sync",
                    json={"records": records},
                    timeout=60,
                    headers={"X-CSRFToken": token},
                )
                if response.status_code == 200:
                    self.latencies.append(time.perf_counter() - started)
                    return response.json()["results"]
                self.errors += 1
            except requests.RequestException:
                self.errors += 1
            time.sleep(0.2)

    def run(self) -> None:
        self.http = requests.Session()
        token = self.login()
        previous: list[dict] = []
        while time.monotonic() < self.deadline:
            if self.think_s:
                time.sleep(self.rng.uniform(0.5, 1.5) * self.think_s)
            if previous and self.rng.random() < 0.1:
                results = self.post(previous, token)
                self.replays += 1
                self.bad += [r["uuid"] for r in results if r["code"] != 200]
                continue
            records = [
                make_record(self.rng.choice(self.stops), self.rng) for _ in range(self.batch)
            ]
            results = self.post(records, token)
            self.bad += [r["uuid"] for r in results if r["code"] not in (200, 201)]
            self.sent.update(r["uuid"] for r in records)
            previous = records


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--batch", type=int, default=5, help="records per request")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0,
        help="mean pause between two requests of an agent (0: send back to back)",
    )
    parser.add_argument(
        "--threads", type=int, default=8, help="waitress threads of the started server"
    )
    parser.add_argument("--url", help="target a running server instead of starting one")
    parser.add_argument("--database-url", help="the server's database (default: a new SQLite file)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="dynamobile-bench-"))
    db_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
    if args.url and not args.database_url:
        parser.error("--url needs --database-url (the records are checked in that database)")
    os.environ.setdefault("DYNAMOBILE_INSTANCE_PATH", str(workdir / "instance"))
    seed(db_url, args.agents)

    server = None
    base = args.url
    if base is None:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, DATABASE_URL=db_url, SECRET_KEY="bench", PYTHONPATH=str(ROOT))
        log = open(workdir / "server.log", "w")  # noqa: SIM115 — lives as long as the server; a pipe nobody reads would block the server
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dynamobile.cli.field",
                "serve",
                "--port",
                str(port),
                "--threads",
                str(args.threads),
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
    try:
        deadline = time.monotonic() + args.seconds
        agents = [
            Agent(i, base, stop_ids(db_url, i), deadline, args.batch, args.think_ms / 1000)
            for i in range(args.agents)
        ]
        started = time.monotonic()
        for agent in agents:
            agent.start()
        for agent in agents:
            agent.join()
        elapsed = time.monotonic() - started
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)

    sent = set().union(*(a.sent for a in agents))
    latencies = sorted(x for a in agents for x in a.latencies)
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "bench", "AUTO_MIGRATE": False})
    with new_session(app) as session:
        stored = set(session.scalars(select(Record.uuid)))
        rows = session.scalar(select(func.count()).select_from(Interaction)) + session.scalar(
            select(func.count()).select_from(StopEvent)
        )
    lost = sent - stored
    extra = stored - sent
    duplicated = rows - len(stored)
    bad = [u for a in agents for u in a.bad]

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    where = f"started here, log {workdir / 'server.log'}" if server else "external"
    print(f"server        : {base} ({where}), database {db_url.split(':')[0]}")
    print(
        f"agents        : {args.agents}, {args.batch} records per request, think {args.think_ms:.0f} ms, "
        f"{elapsed:.1f} s"
    )
    print(
        f"requests      : {len(latencies)} answered ({sum(a.replays for a in agents)} replays), "
        f"{sum(a.errors for a in agents)} errors retried"
    )
    print(f"records       : {len(sent)} sent, {len(sent) / elapsed:.0f} records/s")
    print(
        f"latency (ms)  : p50 {pct(0.50):.0f}  p95 {pct(0.95):.0f}  p99 {pct(0.99):.0f}  "
        f"max {latencies[-1] * 1000:.0f}  mean {statistics.fmean(latencies) * 1000:.0f}"
    )
    print(
        f"check         : {len(lost)} lost, {duplicated} duplicated, {len(extra)} unexpected, "
        f"{len(bad)} unexpected statuses"
    )
    ok = not lost and not duplicated and not extra and not bad
    print("RESULT        : OK" if ok else "RESULT        : FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

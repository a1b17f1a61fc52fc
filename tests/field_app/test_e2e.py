"""End-to-end: a real Chromium (Debian's) on a phone-sized viewport against waitress.

Offline logging must reach the database exactly once, also when the server dies mid-sync.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from field_app import accounts, create_app, publishing
from field_app.db import new_session
from field_app.models import Interaction, Record, StopEvent, Tour

from .conftest import PASSWORD
from .planning import make_plan

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} missing (apt-get install chromium)"
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER = Path(__file__).with_name("e2e_server.py")
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """``dynamobile``'s app under waitress in a subprocess, on a file SQLite database."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_url = f"sqlite:///{tmp / 'e2e.sqlite'}"
        self.env = dict(
            os.environ,
            DATABASE_URL=self.db_url,
            SECRET_KEY="e2e-secret",
            DYNAMOBILE_INSTANCE_PATH=str(tmp / "instance"),
            DYNAMOBILE_SYNC_BACKOFF_BASE_MS="300",
            DYNAMOBILE_SYNC_BACKOFF_MAX_MS="1500",
            PYTHONPATH=str(ROOT),
        )
        self.proc: subprocess.Popen | None = None
        self.log = tmp / "server.log"
        self.app = create_app({"DATABASE_URL": self.db_url, "SECRET_KEY": "e2e-secret"})

    def start(self, *extra: str) -> None:
        """The test server script (``e2e_server.py``: the app, optionally failing on purpose)."""
        self._launch([sys.executable, str(SERVER), "--port", str(self.port), *extra], 20)

    def serve(self, *options: str) -> None:
        """``dynamobile serve`` itself (waitress and its planning worker, unless ``--no-worker``)."""
        command = [sys.executable, "-m", "dynamobile.cli", "serve", "--port", str(self.port)]
        self._launch([*command, *options], 30)

    def _launch(self, command: list[str], timeout_s: float) -> None:
        self.proc = subprocess.Popen(
            command, env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log.open("a")
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError as err:
                if self.proc.poll() is not None:
                    raise RuntimeError(self.log.read_text()) from err
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def seed(self) -> None:
        with new_session(self.app) as session:
            accounts.create_user(session, "coord", PASSWORD, "coordinator")
            alice = accounts.create_user(session, "alice", PASSWORD, "agent")
            publishing.import_plan(session, make_plan())
            tour = session.scalars(select(Tour).where(Tour.vehicle == "van-1")).one()
            publishing.assign_agents(session, tour, [alice.id])
            session.commit()

    def rows(self, model) -> list:
        with new_session(self.app) as session:
            return list(session.scalars(select(model)))


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setattr(accounts, "HASH_METHOD", "pbkdf2:sha256:1000")
    monkeypatch.setenv("DYNAMOBILE_INSTANCE_PATH", str(tmp_path / "instance"))
    live = LiveServer(tmp_path)
    live.seed()
    yield live
    live.stop()
    live.app.extensions["field_db"].kw["bind"].dispose()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        accept_downloads=True,
        bypass_csp=True,
    )  # lets wait_for_function evaluate
    context.set_default_timeout(15_000)
    yield context
    context.close()


def login(page, server, name="alice"):
    page.goto(server.url + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/agent/" if name != "coord" else "**/coord/")


def wait_controlled(page):
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")


def pending(page) -> int:
    return int(page.text_content("#pending"))


def log_interaction(
    page,
    stop_index: int,
    ages: dict[str, int],
    topics: list[str],
    *,
    genres: dict[str, int] | None = None,
    statuts: dict[str, int] | None = None,
    equipment: list[str] = (),
    visit: str | None = None,
):
    card = page.locator("article.stop").nth(stop_index)
    card.locator("[data-act=interaction]").click()
    form = page.locator("#interaction-form")
    for group, counts in (("ages", ages), ("genres", genres or {}), ("statuts", statuts or {})):
        for code, n in counts.items():
            for _ in range(n):
                form.locator(f"button[data-step='1'][data-group={group}][data-code={code}]").click()
    for topic in topics:
        form.locator(f"input[name=topics][value={topic}] + span").click()
    for code in equipment:
        form.locator(f"input[name=equipment][value={code}] + span").click()
    if visit:
        form.locator(f"input[name=visit][value={visit}] + span").click()
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#panel", state="hidden")


def test_offline_records_reach_the_database_once(server, context):
    server.start()
    page = context.new_page()
    login(page, server)
    wait_controlled(page)
    assert page.locator("article.stop").count() == 3

    context.set_offline(True)
    page.wait_for_function("document.querySelector('#net').textContent === 'Hors ligne'")
    page.locator("article.stop").nth(0).locator("[data-act=checkin]").click()
    log_interaction(
        page,
        0,
        {"dix_huit_vingt_quatre": 2, "soixante_dix_plus": 1},
        ["aide_aux_demarches_administratives", "culture_numerique"],
    )
    log_interaction(page, 0, {"moins_de_douze": 3}, ["creer_avec_le_numerique"])
    log_interaction(page, 1, {"vingt_cinq_trente_neuf": 1}, [])
    page.locator("article.stop").nth(1).locator(
        "[data-act=tally][data-band='douze_dix_huit']"
    ).click()
    page.wait_for_function("document.querySelector('#pending').textContent === '5'")
    queued = {r["uuid"] for r in page.evaluate("window.dynamobile.queue()")}
    assert len(queued) == 5

    # Logging out is refused while records wait.
    page.click("#logout button")
    page.wait_for_function(
        "document.querySelector('#toast').textContent.includes('Déconnexion impossible')"
    )
    assert page.url.endswith("/agent/")

    # The page itself comes from the service worker's cache when offline.
    page.reload()
    assert "Les Halles" in page.content()
    page.wait_for_function("document.querySelector('#pending').textContent === '5'")

    context.set_offline(False)
    page.wait_for_function("document.querySelector('#pending').textContent === '0'", timeout=20_000)
    stored = {r.uuid for r in server.rows(Record)}
    assert stored == queued
    interactions = server.rows(Interaction)
    assert sorted(i.people for i in interactions) == [1, 1, 3, 3]
    assert len(server.rows(StopEvent)) == 1


def test_server_dies_during_sync_and_comes_back(server, context):
    server.env["DYNAMOBILE_SYNC_BATCH_SIZE"] = "2"
    server.start("--die-after-sync", "1")
    page = context.new_page()
    login(page, server)
    wait_controlled(page)

    context.set_offline(True)
    for i in range(5):
        log_interaction(
            page, i % 3, {"quarante_cinquante_neuf": i + 1}, ["insertion_professionnelle"]
        )
    page.wait_for_function("document.querySelector('#pending').textContent === '5'")
    queued = {r["uuid"] for r in page.evaluate("window.dynamobile.queue()")}

    context.set_offline(False)
    assert server.proc.wait(20) == 3  # the first batch was committed, then the server died
    assert len(server.rows(Record)) == 2
    page.wait_for_function(
        "document.querySelector('#sync-msg').textContent.includes('nouvel essai')"
    )
    assert pending(page) == 5  # nothing acknowledged, nothing dropped

    # While the server is down the page still reloads from the cache.
    page.reload()
    page.wait_for_function("document.querySelector('#pending').textContent === '5'")

    server.start()
    page.wait_for_function("document.querySelector('#pending').textContent === '0'", timeout=30_000)
    records = server.rows(Record)
    assert {r.uuid for r in records} == queued
    assert sorted(i.age_quarante_cinquante_neuf for i in server.rows(Interaction)) == [
        1,
        2,
        3,
        4,
        5,
    ]


def test_export_of_the_waiting_queue(server, context, tmp_path):
    server.start()
    page = context.new_page()
    login(page, server)
    wait_controlled(page)
    context.set_offline(True)
    page.locator("article.stop").nth(0).locator(
        "[data-act=tally][data-band='soixante_soixante_neuf']"
    ).click()
    page.wait_for_function("document.querySelector('#pending').textContent === '1'")
    with page.expect_download() as info:
        page.click("#export")
    path = tmp_path / "queue.json"
    info.value.save_as(path)
    import json

    dump = json.loads(path.read_text())
    assert dump["user"] == "alice" and dump["queue"][0]["kind"] == "tally"
    context.set_offline(False)
    page.wait_for_function("document.querySelector('#pending').textContent === '0'", timeout=20_000)


def test_coop_form_fields_and_a_first_form_record_still_queued(server, context):
    """The Coop form's counters, sub-themes and equipment rule reach the database as given; a
    record the first form queued before the upgrade syncs and is stored in its own bands."""
    server.start()
    page = context.new_page()
    login(page, server)
    wait_controlled(page)
    context.set_offline(True)
    page.wait_for_function("document.querySelector('#net').textContent === 'Hors ligne'")

    card = page.locator("article.stop").nth(0)
    card.locator("[data-act=interaction]").click()
    form = page.locator("#interaction-form")
    assert form.locator("#admin-topics").is_hidden()
    form.locator("input[name=topics][value=aide_aux_demarches_administratives] + span").click()
    assert form.locator("#admin-topics").is_visible()
    form.locator("input[name=topics][value=logement] + span").click()
    form.locator("input[name=equipment][value=aucun] + span").click()
    form.locator(
        "input[name=equipment][value=tablette] + span"
    ).click()  # unchecks « Pas de matériel »
    assert not form.locator("input[name=equipment][value=aucun]").is_checked()
    form.locator("#form-cancel").click()

    log_interaction(
        page,
        0,
        {"quarante_cinquante_neuf": 2, "soixante_soixante_neuf": 1},
        ["aide_aux_demarches_administratives", "logement"],
        genres={"feminin": 2, "masculin": 1},
        statuts={"en_emploi": 2, "retraite": 1},
        equipment=["telephone", "casque_vr"],
        visit="returning",
    )
    # More genders than people: refused on the phone, nothing queued.
    card.locator("[data-act=interaction]").click()
    form.locator("button[data-step='1'][data-group=ages][data-code=moins_de_douze]").click()
    for _ in range(2):
        form.locator("button[data-step='1'][data-group=genres][data-code=feminin]").click()
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        "document.querySelector('#toast').textContent.includes('plus de personnes')"
    )
    assert page.locator("#panel").is_visible()
    form.locator("#form-cancel").click()
    # Unticking « Aide aux démarches » drops its sub-themes.
    log_interaction(
        page,
        1,
        {"douze_dix_huit": 1},
        [
            "aide_aux_demarches_administratives",
            "famille_scolarite",
            "aide_aux_demarches_administratives",
            "scolarite_et_numerique",
        ],
    )
    page.wait_for_function("document.querySelector('#pending').textContent === '2'")
    stop_id = int(page.locator("article.stop").nth(1).get_attribute("data-stop"))
    old_uuid = page.evaluate(
        """(stopId) => new Promise((resolve, reject) => {
        const req = indexedDB.open("dynamobile-field", 1);
        req.onsuccess = () => {
          const record = { uuid: "6f1c1a52-8f0e-4b8e-9d1a-0c5e3b9d2a11", kind: "interaction", stop_id: stopId,
                           at: new Date().toISOString(), user: "alice", queued_at: Date.now(),
                           data: { ages: { "0_11": 0, "12_17": 0, "18_25": 2, "26_59": 0, "60_plus": 0 },
                                   topics: ["demarches"], equipment: ["smartphone"], invitations: [],
                                   visit: "first", note: "" } };
          const t = req.result.transaction("queue", "readwrite");
          t.objectStore("queue").add(record);
          t.oncomplete = () => resolve(record.uuid);
          t.onerror = () => reject(t.error);
        };
        req.onerror = () => reject(req.error);
      })""",
        stop_id,
    )
    context.set_offline(False)
    page.evaluate("window.dynamobile.sync()")
    page.wait_for_function("document.querySelector('#pending').textContent === '0'", timeout=20_000)
    assert page.text_content("#rejected") == "0"

    rows = {(r.stop_id, r.age_scheme): r for r in server.rows(Interaction)}
    assert len(rows) == 3
    first = next(
        r for (s, scheme), r in rows.items() if scheme == "coop" and r.age_quarante_cinquante_neuf
    )
    assert (
        first.age_quarante_cinquante_neuf,
        first.age_soixante_soixante_neuf,
        first.age_unknown,
    ) == (2, 1, 0)
    assert (
        first.genre_feminin,
        first.genre_masculin,
        first.statut_en_emploi,
        first.statut_retraite,
    ) == (2, 1, 2, 1)
    assert (
        first.topics == "aide_aux_demarches_administratives logement" and first.visit == "returning"
    )
    assert first.equipment == "casque_vr telephone"
    second = rows[(stop_id, "coop")]
    assert second.topics == "scolarite_et_numerique"
    old = rows[(stop_id, "v1")]
    assert old.record_uuid == old_uuid and (old.age_18_25, old.topics, old.equipment) == (
        2,
        "demarches",
        "smartphone",
    )


def seed_history(server, weeks: int = 6) -> None:
    """Past tours with check-ins and encounters, so the dashboard has something to show."""
    import datetime as dt
    import random
    import uuid

    from field_app import records
    from field_app.models import User

    from .planning import PARIS, make_tour

    rng = random.Random(5)
    today = dt.datetime.now(PARIS).date()
    days = [today - dt.timedelta(days=d) for d in range(3, 7 * weeks, 3)]
    sites = [["halles", "curial", "scarabee"], ["demangeat", "combes", "scarabee"]]
    plan = make_plan(tours=[make_tour("van-1", day, sites[i % 2]) for i, day in enumerate(days)])
    with new_session(server.app) as session:
        publishing.import_plan(session, plan)
        alice = session.scalars(select(User).where(User.name == "alice")).one()
        batch = []
        for tour in session.scalars(select(Tour).where(Tour.date < today)):
            publishing.assign_agents(session, tour, [alice.id])
            for stop in tour.stops:
                late = dt.timedelta(minutes=rng.randint(-10, 25))
                batch.append(
                    {
                        "uuid": str(uuid.uuid4()),
                        "kind": "checkin",
                        "stop_id": stop.id,
                        "at": (stop.start + late).isoformat(),
                        "data": {},
                    }
                )
                batch.append(
                    {
                        "uuid": str(uuid.uuid4()),
                        "kind": "checkout",
                        "stop_id": stop.id,
                        "at": (stop.end + late).isoformat(),
                        "data": {},
                    }
                )
                for k in range(rng.randint(2, 7)):
                    n = rng.randint(1, 3)
                    ages = {rng.choice(records.vocab.AGE_BAND_CODES[:-1]): n}
                    batch.append(
                        {
                            "uuid": str(uuid.uuid4()),
                            "kind": "interaction",
                            "stop_id": stop.id,
                            "at": (stop.start + dt.timedelta(minutes=10 * k + 5)).isoformat(),
                            "data": {
                                "v": 2,
                                "ages": ages,
                                "genres": {rng.choice(["feminin", "masculin"]): n},
                                "statuts": {
                                    rng.choice(records.vocab.STATUT_CODES): rng.randint(0, n)
                                },
                                "topics": rng.sample(
                                    list(records.vocab.THEMATIQUES_NON_ADMINISTRATIVES), 2
                                ),
                                "equipment": rng.sample(
                                    ["telephone", "tablette", "ordinateur", "casque_vr"], 1
                                ),
                                "invitations": rng.sample(
                                    list(records.vocab.INVITATIONS), rng.randint(0, 2)
                                ),
                                "visit": rng.choice(["first", "returning", "unknown"]),
                            },
                        }
                    )
        results = [records.apply_record(session, alice, r) for r in batch]
        assert all(r.code == 201 for r in results)
        session.commit()


def test_screenshots(server, context, tmp_path):
    """Phone view and dashboard; written to docs/img when DYNAMOBILE_SCREENSHOTS=1."""
    out = ROOT / "docs" / "img" if os.environ.get("DYNAMOBILE_SCREENSHOTS") == "1" else tmp_path
    seed_history(server)
    server.start()
    page = context.new_page()
    login(page, server)
    wait_controlled(page)
    page.locator("article.stop").nth(0).locator("[data-act=checkin]").click()
    log_interaction(
        page,
        0,
        {"dix_huit_vingt_quatre": 2, "soixante_dix_plus": 1},
        ["aide_aux_demarches_administratives"],
    )
    page.wait_for_function("document.querySelector('#toast').textContent.includes('Rencontre')")
    page.wait_for_function("document.querySelector('#pending').textContent === '0'")
    page.wait_for_selector("#toast", state="hidden")
    page.screenshot(path=str(out / "field-agent.png"))
    assert (out / "field-agent.png").stat().st_size > 10_000

    desk = context.browser.new_context(
        viewport={"width": 1200, "height": 900},
        bypass_csp=True,
        locale="fr-FR",
        timezone_id="Europe/Paris",
    )
    coord = desk.new_page()
    coord.goto(server.url + "/login")
    coord.fill("input[name=name]", "coord")
    coord.fill("input[name=password]", PASSWORD)
    coord.click("button.primary")
    coord.wait_for_url("**/coord/")
    coord.screenshot(path=str(out / "field-dashboard.png"), full_page=True)
    desk.close()
    assert (out / "field-dashboard.png").stat().st_size > 10_000

"""axe-core on every page and state of the field app, phone (360×740) and desktop (1280×900), in
Debian's Chromium (issue 15): any violation of WCAG 2.0/2.1 A or AA fails, listed with its rule,
impact, target selectors and the page/state it was seen on.

axe-core is the copy shipped in the ``axe-playwright-python`` package (test extra; axe-core is
MPL-2.0, kept out of this repository). It is loaded with a Playwright *init script*, so every
page keeps the app's strict Content-Security-Policy: no ``bypass_csp`` here, and nothing below
uses ``wait_for_function`` (which needs ``eval``).

One live ``dynamobile serve`` (with its planning worker) serves the whole run: the seeded tours
(one stop cancelled, one parked 122 m from its stand), records to check (a stop checked in hours late, an encounter of the first
form), the demo scenario's sites, vehicles and depot, and a one-day planning job started early
whose review is checked at the end.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from field_app import publishing
from field_app.db import new_session
from field_app.models import Tour

from .conftest import PASSWORD
from .planning import parked_plan
from .test_accessibility import cancel_last_stop
from .test_e2e import browser, pytestmark, server  # noqa: F401
from .test_e2e_planning import DEMO_DAY, serve

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 640}
BAD_CSV = (
    "id,name,kind,lat,lon,service_min,windows,priority\n"
    "parvis,Parvis de la Dynamo,forecourt,45.5817,5.9313,90,samedi 9h30-12h,1\n"
    "gare,Gare,forecourt,45.5710,5.9190,60,samdi 25h-26h,1\n"
)


def axe_source() -> str:
    axe_playwright = pytest.importorskip("axe_playwright_python")
    return (Path(axe_playwright.__file__).with_name("axe.min.js")).read_text(encoding="utf-8")


class Audit:
    """Runs axe on a page and keeps every violation, with where it was seen."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.checked: list[str] = []

    def __call__(self, page, state: str) -> None:
        options = json.dumps({"runOnly": {"type": "tag", "values": WCAG}})
        result = page.evaluate(f"() => axe.run(document, {options})")
        self.checked.append(state)
        # No sideways scroll on a phone (WCAG 1.4.10 reflow: down to 320 px).
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[1] <= 360 and width[0] > width[1]:
            self.problems.append(
                f"[{state}] défilement horizontal : la page fait {width[0]} px de large "
                f"pour une fenêtre de {width[1]} px"
            )
        for rule in result["violations"]:
            targets = [" ".join(map(str, node["target"])) for node in rule["nodes"]]
            summary = rule["nodes"][0].get("failureSummary", "").replace("\n", " ")
            self.problems.append(
                f"[{state}] {rule['id']} ({rule['impact']}): {rule['help']} — "
                f"{len(targets)} élément(s): {', '.join(targets[:6])}"
                f"{' …' if len(targets) > 6 else ''} | {summary[:300]}"
            )


def new_context(browser, viewport: dict, source: str, **extra):
    context = browser.new_context(
        viewport=viewport, locale="fr-FR", timezone_id="Europe/Paris", **extra
    )
    context.set_default_timeout(15_000)
    context.add_init_script(source)
    return context


def log_in(page, server, name: str) -> None:
    page.goto(server.url + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/agent/" if name != "coord" else "**/coord/")


def poll(page, expression: str, timeout: float = 15.0) -> None:
    """``wait_for_function`` without ``eval`` (the CSP stays on)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.1)


def start_job(page, server) -> int:
    token = page.get_attribute("meta[name=csrf-token]", "content")
    response = page.request.post(
        server.url + "/api/plan-jobs",
        data=json.dumps({"from": DEMO_DAY, "days": 1, "seconds": 5}),
        headers={"X-CSRFToken": token, "Content-Type": "application/json"},
    )
    assert response.status == 202, response.text()
    return response.json()["id"]


def agent_states(browser, server, source, audit) -> None:
    context = new_context(
        browser, PHONE, source, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    response = page.goto(server.url + "/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    audit(page, "connexion, téléphone")
    # axe does run and report under the CSP: an image without a text alternative is caught.
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    canary = Audit()
    canary(page, "témoin")
    assert any("image-alt" in problem for problem in canary.problems), canary.problems
    page.click("footer a")
    page.wait_for_url("**/accessibilite")
    assert "partiellement conforme" in page.text_content("main")
    audit(page, "déclaration d'accessibilité, téléphone")
    log_in(page, server, "alice")
    poll(page, "navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    assert page.locator("article.stop.cancelled").count() == 1
    assert page.locator("article.stop [data-park]:not([hidden])").count() == 1
    audit(page, "tournée de l'agent avec un arrêt annulé et un stationnement à 122 m, téléphone")

    page.locator("article.stop").nth(0).locator("[data-act=interaction]").click()
    page.wait_for_selector("#panel", state="visible")
    audit(page, "dialogue « Nouvelle rencontre » ouvert, téléphone")
    form = page.locator("#interaction-form")
    form.locator("button[data-step='1'][data-group=ages]").first.click()
    form.locator("input[name=topics] + span").first.click()
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#panel", state="hidden")
    poll(page, "document.querySelector('#pending').textContent === '0'")
    audit(page, "tournée de l'agent après une rencontre, téléphone")
    page.locator("article.stop").nth(0).locator(".mine summary").click()
    page.wait_for_selector("[data-act=edit]")
    audit(page, "« Mes rencontres du jour » ouvert (corriger, supprimer), téléphone")
    refused_record(page)
    poll(page, "!document.querySelector('#fix').hidden")
    poll(page, "!document.querySelector('article.stop [data-team]').hidden")
    audit(page, "« À corriger » (un refus et son motif), totaux de l'équipe, téléphone")
    page.locator("#fix-list [data-fix-act=edit]").first.click()
    page.wait_for_selector("#fix-list form.fix-form:not([hidden])")
    audit(page, "« À corriger », correction ouverte, téléphone")

    page.evaluate("""async () => {
        for (const key of await caches.keys()) {
          const cache = await caches.open(key);
          for (const req of await cache.keys())
            if (new URL(req.url).pathname === '/agent/') await cache.delete(req);
        }
    }""")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("h1")
    assert page.text_content("h1") == "Hors ligne"
    audit(page, "page hors ligne du service worker, téléphone")
    context.set_offline(False)
    context.close()


def refused_record(page) -> None:
    """A record the server refuses (a time before the year 1 in UTC) queued, then sent."""
    page.evaluate("""() => new Promise((resolve, reject) => {
        const req = indexedDB.open("dynamobile-field", 1);
        req.onsuccess = () => {
          const stopId = parseInt(document.querySelector("article.stop").dataset.stop, 10);
          const t = req.result.transaction("queue", "readwrite");
          t.objectStore("queue").add({ uuid: "44444444-4444-4444-8444-444444444444", kind: "tally",
            stop_id: stopId, at: "0001-01-01T00:30:00+01:00", data: { v: 2, band: "douze_dix_huit" },
            user: "alice", queued_at: Date.now() });
          t.oncomplete = () => resolve(window.dynamobile.sync());
          t.onerror = () => reject(t.error);
        };
    })""")


def coordinator_pages(browser, server, source, audit, viewport, where, job_id=None, v1_uuid=""):
    context = new_context(browser, viewport, source)
    page = context.new_page()
    page.goto(server.url + "/login")
    audit(page, f"connexion, {where}")
    log_in(page, server, "coord")
    audit(page, f"tableau de bord, {where}")
    for path, state in (
        ("/coord/tournees", "Tournées"),
        (f"/coord/tournees/{tour_id(server)}", "détail d'une tournée (arrêt annulé)"),
        ("/coord/vehicules", "Véhicules"),
        ("/coord/vehicules/nouveau", "formulaire de véhicule"),
        ("/coord/depot", "Dépôt"),
        ("/coord/planifier/", "Planifier (sans calcul, ou le dernier)"),
        ("/coord/rencontres/", "Rencontres"),
        ("/coord/rencontres/?verifier=1", "Rencontres « à vérifier » (raisons)"),
        ("/coord/rencontres/bilan", "Rencontres, bilan par agent et par lieu"),
        (f"/coord/rencontres/{v1_uuid}/corriger", "corriger une rencontre du premier formulaire"),
        ("/accueil", "Accueil (code d'invitation)"),
        (f"/coord/tournees/{tour_id(server)}/invitations/1/imprimer", "cartes d'invitation"),
    ):
        page.goto(server.url + path)
        audit(page, f"{state}, {where}")
    page.goto(server.url + "/coord/rencontres/carte")
    page.wait_for_selector("#records-map.leaflet-container")
    page.wait_for_selector("#records-map path.site-circle")
    audit(page, f"Rencontres, carte des lieux, {where}")
    page.goto(server.url + "/coord/rencontres/?verifier=1")
    assert page.locator(".flagged .badge").count() >= 1
    page.goto(server.url + "/coord/rencontres/")
    page.locator(f"a:has-text('Corriger'):not([href*='{v1_uuid}'])").first.click()
    page.wait_for_selector("input[name='genres.feminin']")  # the current form's correction
    audit(page, f"corriger une rencontre, {where}")
    if job_id is None:  # « Planifier » above was before any job; now one runs
        job_id = start_job(page, server)
        page.goto(server.url + "/coord/planifier/")
        page.wait_for_selector("#plan-job:not([hidden])")
        audit(page, f"Planifier, calcul lancé, {where}")

    page.goto(server.url + "/coord/lieux")
    page.wait_for_selector("#map.leaflet-container")
    page.wait_for_selector("#map .pin")
    audit(page, f"Lieux (avec lieux et carte), {where}")

    page.set_input_files(
        "#fichier", {"name": "lieux.csv", "mimeType": "text/csv", "buffer": BAD_CSV.encode()}
    )
    page.click("form.import button")
    page.wait_for_load_state()
    assert page.locator(".field-error, .error, [class*=err]").count() > 0, page.content()
    audit(page, f"aperçu d'import CSV avec une erreur de ligne, {where}")

    page.goto(server.url + "/coord/lieux/nouveau")
    page.wait_for_selector("#map.leaflet-container")
    audit(page, f"nouveau lieu, {where}")
    page.fill("#f-name", "Parvis")
    page.click("#site-form button[type=submit]")
    page.wait_for_selector(".field-error")
    audit(page, f"formulaire de lieu avec erreurs, {where}")
    context.close()
    return job_id


def invitation_series(server) -> None:
    """A series of invitation cards on van-1's tour, for its print page."""
    from field_app import invitations
    from field_app.db import new_session
    from field_app.models import User

    with new_session(server.app) as session:
        tour = session.scalars(select(Tour).where(Tour.vehicle == "van-1")).one()
        coord = session.scalars(select(User).where(User.name == "coord")).one()
        invitations.generate_series(session, tour, 5, coord)
        session.commit()


def records_to_check(server) -> str:
    """On van-1's second stop (planned 12:00): a check-in at 16:30 (« à vérifier ») and an
    encounter of the first form; returns the encounter's uuid."""
    import datetime as dt
    import uuid

    from field_app import records
    from field_app.db import new_session
    from field_app.models import User

    from .conftest import interaction
    from .planning import PARIS

    def at(hour: int, minute: int) -> str:
        day = dt.datetime.now(PARIS).date()
        return dt.datetime.combine(day, dt.time(hour, minute), PARIS).isoformat()

    with new_session(server.app) as session:
        alice = session.scalars(select(User).where(User.name == "alice")).one()
        tour = session.scalars(select(Tour).where(Tour.vehicle == "van-1")).one()
        stop_id = tour.stops[1].id
        checkin = {"uuid": str(uuid.uuid4()), "kind": "checkin", "stop_id": stop_id}
        v1 = interaction(stop_id, at=at(16, 40))
        for raw in ({**checkin, "at": at(16, 30), "data": {}}, v1):
            assert records.apply_record(session, alice, raw).code == 201
        session.commit()
    return v1["uuid"]


def tour_id(server) -> int:
    from field_app.db import new_session

    with new_session(server.app) as session:
        return session.scalars(select(Tour.id).where(Tour.vehicle == "van-1")).one()


def review(browser, server, source, audit, job_id) -> None:
    for viewport, where in ((DESKTOP, "bureau"), (PHONE, "téléphone")):
        context = new_context(browser, viewport, source)
        page = context.new_page()
        log_in(page, server, "coord")
        deadline = time.monotonic() + 90
        while True:
            state = page.request.get(f"{server.url}/api/plan-jobs/{job_id}").json()["state"]
            if state in ("done", "failed", "cancelled"):
                break
            assert time.monotonic() < deadline, state
            time.sleep(0.5)
        assert state == "done", state
        page.goto(f"{server.url}/coord/planifier/{job_id}")
        page.wait_for_selector("#plan-review table.timetable")
        page.wait_for_selector("#plan-map.leaflet-container")
        audit(page, f"Planifier avec la revue d'un calcul terminé, {where}")
        context.close()


def test_no_wcag_violation_on_any_page(server, browser):
    source = axe_source()
    with new_session(server.app) as session:  # van-1's first stop parked 122 m from its stand
        publishing.import_plan(session, parked_plan())
        session.commit()
    cancel_last_stop(server)
    invitation_series(server)
    v1_uuid = records_to_check(server)
    serve(server)
    audit = Audit()
    agent_states(browser, server, source, audit)  # first: the dashboard then has an encounter
    job_id = coordinator_pages(browser, server, source, audit, DESKTOP, "bureau", v1_uuid=v1_uuid)
    coordinator_pages(browser, server, source, audit, PHONE, "téléphone", job_id, v1_uuid)
    coordinator_pages(browser, server, source, audit, NARROW, "320 px", job_id, v1_uuid)
    review(browser, server, source, audit, job_id)
    assert len(audit.checked) >= 30, audit.checked
    assert not audit.problems, f"{len(audit.problems)} violation(s) WCAG A/AA :\n" + "\n".join(
        audit.problems
    )

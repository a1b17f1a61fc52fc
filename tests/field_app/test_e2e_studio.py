"""The issue's acceptance journey in a real Chromium (Debian's) against ``dynamobile serve`` (with
its in-process planning worker): from a database holding only the accounts, a coordinator sets
the depot and its street file, adds the van, imports the sites (a bad file first: the preview
shows the row's error and nothing is written), plans a week while the progress moves, publishes
and assigns an agent — no terminal — and the agent then sees a stop of the new plan on a phone.

The coordinator's pages run under the app's strict CSP (no bypass): a CSP violation would show up
as a console error, and every console error fails the test. The demo scenario
(``dynamobile/scenarios/chambery_centre``) supplies the depot, the van and the sites CSV.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import tomllib
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from field_app import accounts
from field_app.db import new_session
from field_app.models import PlanJob, Stop, Tour
from field_app.scenario_rows import ScenarioSettings, SiteRow, VehicleRow

from .conftest import PASSWORD
from .test_e2e import ROOT, LiveServer, browser, login, pytestmark  # noqa: F401

DEMO = ROOT / "dynamobile/scenarios/chambery_centre"
OSM_NAME = "chambery_centre_2016.osm"
TODAY = dt.datetime.now(ZoneInfo("Europe/Paris")).date()
# The week from today: the agent's page shows today's and the next 7 days' tours only, and the
# planner serves each demo site once a week on the earliest days it can (a week from Tuesday
# 24 November 2026 gives tours on the 24th and 25th alone, past on the 26th).
FIRST_DAY = TODAY


@pytest.fixture
def empty_server(tmp_path, monkeypatch):
    """The live server's database with the accounts only: no scenario, no tour."""
    monkeypatch.setattr(accounts, "HASH_METHOD", "pbkdf2:sha256:1000")
    monkeypatch.setenv("DYNAMOBILE_INSTANCE_PATH", str(tmp_path / "instance"))
    live = LiveServer(tmp_path)
    for name in ("DYNAMOBILE_OSM_FILE", "DYNAMOBILE_PLAN_SCENARIO"):  # the page chooses them
        live.env.pop(name, None)
    with new_session(live.app) as session:
        accounts.create_user(session, "coord", PASSWORD, "coordinator")
        accounts.create_user(session, "alice", PASSWORD, "agent")
        session.commit()
    yield live
    live.stop()
    live.app.extensions["field_db"].kw["bind"].dispose()


def watch(page, problems: list[str], expected: set[tuple[str, int]]) -> None:
    """Collect console errors (CSP violations included), page errors and failed responses,
    except the favicon's and the ``(path, status)`` answers the test provokes on purpose."""

    def allowed(url: str, status: int) -> bool:
        path = url.split("?", 1)[0]
        return "favicon.ico" in path or any(path.endswith(p) and status == s for p, s in expected)

    def console(message) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        failed = re.match(r"Failed to load resource: .* status of (\d+)", message.text)
        if not (failed and allowed(url, int(failed.group(1)))):
            problems.append(f"{message.text} ({url})")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not allowed(r.url, r.status)
            else None
        ),
    )


def poll(predicate, timeout: float, what: str):
    """``predicate()``'s first truthy value, asked every 100 ms (no in-page evaluation: CSP)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s: {what}")


def test_coordinator_goes_from_an_empty_database_to_published_tours(empty_server, browser):
    expect = pytest.importorskip("playwright.sync_api").expect
    server = empty_server
    scenario = tomllib.loads((DEMO / "scenario.toml").read_text(encoding="utf-8"))
    depot, van = scenario["depot"], scenario["vehicles"][0]
    assert van["kind"] == "van"
    server.serve()  # an empty database: no scenario imported

    desk = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="fr-FR",
        timezone_id="Europe/Paris",
    )
    desk.set_default_timeout(15_000)
    page = desk.new_page()
    problems: list[str] = []
    watch(page, problems, {("/coord/depot", 422), ("/coord/vehicules", 422)})
    login(page, server, "coord")

    # 1. Dépôt: the demo's stand-in depot, its coordinates typed, its street file chosen.
    page.click("nav >> text=Dépôt")
    page.wait_for_url("**/coord/depot")
    page.wait_for_selector("#map.leaflet-container")
    street_files = page.locator("#f-osm_file option").all_inner_texts()
    assert OSM_NAME in street_files, street_files
    page.fill("#f-lat", str(depot["lat"]))
    page.fill("#f-lon", str(depot["lon"]))
    page.locator("#f-lon").dispatch_event("change")
    expect(page.locator("#map .pin")).to_have_count(1)  # typed coordinates place the pin
    page.select_option("#f-osm_file", OSM_NAME)
    page.click("button[type=submit]")  # no name yet: a French error, nothing saved
    expect(page.locator(".error-summary")).to_contain_text("Rien n'a été enregistré")
    expect(page.locator("#depot_name-erreur")).to_have_text("nom obligatoire")
    assert server.rows(ScenarioSettings) == []
    assert page.input_value("#f-osm_file") == OSM_NAME  # the choice is kept
    page.fill("#f-depot_name", depot["name"])
    page.click("button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("Dépôt enregistré.")
    (settings,) = server.rows(ScenarioSettings)
    assert (settings.depot_name, settings.depot_lat, settings.depot_lon, settings.osm_file) == (
        depot["name"],
        depot["lat"],
        depot["lon"],
        OSM_NAME,
    )
    assert page.input_value("#f-osm_file") == OSM_NAME
    expect(page.locator("#map .pin")).to_have_count(1)
    page.wait_for_selector("#map canvas")  # the chosen file's streets drawn under the pin

    # 2. Véhicules: the demo's van through the form (a lunch outside the shift first).
    page.click("nav >> text=Véhicules")
    page.wait_for_url("**/coord/vehicules")
    page.click("text=Ajouter un véhicule")
    page.wait_for_url("**/coord/vehicules/nouveau")
    shift_start, shift_end = van["shift"].split("-")
    lunch_start, lunch_end = van["lunch"]["window"].split("-")
    page.fill("#f-name", van["name"])
    page.select_option("#f-kind", van["kind"])
    page.fill("#f-shift_start", shift_start)
    page.fill("#f-shift_end", shift_end)
    working = {"tue", "wed", "thu", "fri", "sat"}
    assert van["days"] == "tue-sat"
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        page.locator(f"input[name=days][value={day}]").set_checked(day in working)
    page.fill("#f-setup_min", str(van["setup_min"]))
    page.fill("#f-packup_min", str(van["packup_min"]))
    page.fill("#f-lunch_start", "19:00")
    page.fill("#f-lunch_end", "20:00")
    page.fill("#f-lunch_minutes", str(van["lunch"]["minutes"]))
    page.fill("#f-max_drive_min", str(van["max_drive_min"]))
    page.fill("#f-crew", ", ".join(van["crew"]))
    page.click("button[type=submit]")
    expect(page.locator(".error-summary")).to_contain_text("Rien n'a été enregistré")
    expect(page.locator("#lunch-erreur")).to_have_text(
        f"la plage 19:00-20:00 n'est pas dans les horaires {van['shift']}"
    )
    assert server.rows(VehicleRow) == []
    page.fill("#f-lunch_start", lunch_start)
    page.fill("#f-lunch_end", lunch_end)
    page.click("button[type=submit]")
    page.wait_for_url("**/coord/vehicules")
    expect(page.locator(".flash")).to_contain_text(f"Véhicule « {van['name']} » ajouté.")
    (vehicle,) = server.rows(VehicleRow)
    assert (vehicle.kind, vehicle.working_days, vehicle.setup_min, vehicle.packup_min) == (
        "van",
        "tue,wed,thu,fri,sat",
        20,
        15,
    )
    assert (vehicle.lunch_earliest_min, vehicle.lunch_latest_min, vehicle.lunch_minutes) == (
        11 * 60 + 45,
        14 * 60,
        45,
    )
    row = page.locator("#vehicles-table tbody tr").first
    expect(row).to_contain_text("08:00-18:00")
    expect(row).to_contain_text("45 min entre 11:45 et 14:00")

    # 3. Lieux: a copy of sites.csv with one bad row, then the real file.
    csv_text = (DEMO / "sites.csv").read_text(encoding="utf-8")
    lines = csv_text.splitlines()
    assert lines[4].startswith("monge,") and "wed,sat 09:30-12:00" in lines[4]
    bad = lines[:4] + [lines[4].replace("wed,sat 09:30-12:00", "mercrdi 9h30-12h")] + lines[5:]
    page.click("nav >> text=Lieux")
    page.wait_for_url("**/coord/lieux")
    page.set_input_files(
        "#fichier",
        {"name": "lieux-erreur.csv", "mimeType": "text/csv", "buffer": "\n".join(bad).encode()},
    )
    page.click("text=Prévisualiser l'import")
    page.wait_for_url("**/coord/lieux/import")
    expect(page.locator(".error-summary")).to_contain_text(
        "Import impossible : rien n'a été enregistré"
    )
    expect(page.locator(".error-summary")).to_contain_text("1 ligne(s) en erreur")
    error_rows = page.locator("#import-rows tr.row-error")
    expect(error_rows).to_have_count(1)
    expect(error_rows).to_contain_text("monge")
    expect(error_rows).to_contain_text("Erreur")
    assert error_rows.locator("td").first.inner_text() == "ligne 5"  # the file's line
    expect(error_rows).to_contain_text("jour inconnu « mercrdi »")
    assert page.locator("text=Confirmer l'import").count() == 0
    assert server.rows(SiteRow) == []  # nothing half-written

    page.click("text=Retour aux lieux")
    page.wait_for_url("**/coord/lieux")
    page.set_input_files("#fichier", str(DEMO / "sites.csv"))
    page.click("text=Prévisualiser l'import")
    page.wait_for_url("**/coord/lieux/import")
    n_sites = len(lines) - 1
    expect(page.locator("body")).to_contain_text(f"{n_sites} lieu(x) à ajouter")
    assert server.rows(SiteRow) == []  # still nothing before the confirmation
    page.click("text=Confirmer l'import")
    page.wait_for_url("**/coord/lieux")
    expect(page.locator(".flash")).to_contain_text(
        f"Import de sites.csv : {n_sites} lieu(x) ajouté(s), 0 mis à jour, 0 inchangé(s)."
    )
    expect(page.locator("#sites-table tbody tr")).to_have_count(n_sites)
    expect(page.locator("#map .pin.site")).to_have_count(n_sites)
    assert len(server.rows(SiteRow)) == n_sites

    # 4. Planifier: a week, the progress moving, then publish.
    page.click("nav >> text=Planifier")
    page.wait_for_url("**/coord/planifier/")
    page.get_by_label("Premier jour").fill(FIRST_DAY.isoformat())
    page.get_by_label("Nombre de jours").fill("7")
    page.get_by_label("Temps de calcul en secondes").fill("8")
    page.get_by_role("button", name="Lancer le calcul").click()
    page.wait_for_selector("#plan-job:not([hidden])")
    stages: list[str] = []  # as the page shows them, polled faster than its 1 s refresh

    def optimising() -> bool:
        stage = page.text_content("#job-stage")
        if not stages or stages[-1] != stage:
            stages.append(stage)
        return stage == "Optimisation" and page.text_content("#job-visits") != "—"

    poll(optimising, 60, f"optimisation with a best plan (stages seen: {stages})")
    assert stages[0] in ("En attente", "—", "Chargement des rues"), stages
    elapsed = float(page.text_content("#job-elapsed"))
    poll(lambda: float(page.text_content("#job-elapsed")) > elapsed, 5, "elapsed seconds moving")
    progress = page.locator("#job-progress").evaluate("el => el.value")
    assert 0 < progress < 1, progress
    assert int(page.text_content("#job-remaining")) >= 0
    publish = page.get_by_role("button", name="Publier ce plan")
    publish.wait_for(state="visible", timeout=60_000)
    expect(page.locator("#job-status")).to_contain_text("Plan prêt")
    expect(page.locator("#job-stage")).to_have_text("Terminé")
    assert page.locator("#job-progress").evaluate("el => el.value") == 1
    assert int(page.text_content("#job-visits")) > 0
    (job,) = server.rows(PlanJob)
    assert job.state == "done"
    publish.click()
    page.wait_for_url("**/coord/tournees")
    expect(page.locator(".flash")).to_contain_text("Plan importé")

    # 5. Tournées: the coordinator gives alice a tour of today or the next days.
    with new_session(server.app) as session:
        tours = list(session.scalars(select(Tour).order_by(Tour.date)))
        assert tours and all(FIRST_DAY <= t.date < FIRST_DAY + dt.timedelta(days=7) for t in tours)
        assert {t.vehicle for t in tours} == {vehicle.code}
        tour = next(t for t in tours if t.date >= TODAY)
        stop_names = [
            s.name
            for s in session.scalars(select(Stop).where(Stop.tour_id == tour.id, Stop.in_plan))
        ]
    assert stop_names
    row = page.locator("tr", has=page.locator(f"a[href$='/coord/tournees/{tour.id}']"))
    row.get_by_label("alice").check()
    row.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/coord/tournees")
    expect(page.locator(".flash")).to_contain_text("enregistrée")
    desk.close()

    phone = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="fr-FR",
        timezone_id="Europe/Paris",
    )
    phone.set_default_timeout(15_000)
    agent = phone.new_page()
    watch(agent, problems, set())
    login(agent, server, "alice")
    section = agent.locator(f"#tour-{tour.id}")
    if tour.date > TODAY:
        agent.click("details.later summary")
    expect(section.locator("article.stop")).to_have_count(len(stop_names))
    expect(section.locator("article.stop", has_text=stop_names[0])).to_be_visible()
    phone.close()
    assert problems == []

"""« Planifier » in a real Chromium against ``dynamobile serve`` (waitress + its job consumer)."""

from __future__ import annotations

import time

from dynamobile.scenario import load_scenario
from field_app import scenario_store
from field_app.db import new_session
from field_app.models import Tour

from .test_e2e import ROOT, browser, login, pytestmark, server  # noqa: F401

DEMO_DAY = "2026-11-28"  # a Saturday the demo scenario works


def serve(server, *options: str) -> None:
    """``dynamobile serve`` (with its in-process worker) on the live server's database, which
    holds the demo scenario (jobs plan the database's sites, fleet and depot)."""
    with new_session(server.app) as session:
        organisation = scenario_store.default_organisation(session)
        demo = ROOT / "dynamobile/scenarios/chambery_centre/scenario.toml"
        scenario_store.import_scenario(session, organisation.id, load_scenario(demo))
        session.commit()
    server.serve(*options)


def test_coordinator_plans_follows_progress_and_publishes(server, browser):
    serve(server)
    desk = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="fr-FR",
        timezone_id="Europe/Paris",
        bypass_csp=True,  # lets wait_for_function evaluate
    )
    desk.set_default_timeout(15_000)
    page = desk.new_page()
    login(page, server, "coord")
    page.get_by_role("link", name="Planifier").click()
    page.wait_for_url("**/coord/planifier/")

    page.get_by_label("Premier jour").fill(DEMO_DAY)
    page.get_by_label("Nombre de jours").fill("0")
    page.get_by_label("Temps de calcul en secondes").fill("5")
    page.get_by_role("button", name="Lancer le calcul").click()
    page.wait_for_function("document.querySelector('#err-days').textContent !== ''")
    assert "entre 1 et 31" in page.text_content("#err-days")
    assert page.get_attribute("#plan-days", "aria-invalid") == "true"

    page.get_by_label("Nombre de jours").fill("1")
    page.get_by_role("button", name="Lancer le calcul").click()
    page.wait_for_selector("#plan-job:not([hidden])")
    assert page.get_attribute("#job-status", "aria-live") == "polite"
    page.wait_for_function(
        "document.querySelector('#job-stage').textContent === 'Optimisation'", timeout=60_000
    )
    first = float(page.text_content("#job-elapsed"))
    page.wait_for_function(
        f"Number(document.querySelector('#job-elapsed').textContent) > {first}", timeout=5_000
    )
    assert page.text_content("#job-visits") != "—"

    publish = page.get_by_role("button", name="Publier ce plan")
    publish.wait_for(state="visible", timeout=60_000)
    assert "Plan prêt" in page.text_content("#job-status")
    assert page.get_attribute("#job-download", "href").endswith("/plan?download=1")
    publish.click()
    page.wait_for_url("**/coord/tournees")
    assert "Plan importé" in page.text_content(".flash")
    assert any(str(t.date) == DEMO_DAY for t in server.rows(Tour))
    desk.close()


def test_a_job_queued_while_no_worker_runs_after_a_server_restart(server, browser):
    serve(server, "--no-worker")
    desk = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", bypass_csp=True)
    desk.set_default_timeout(15_000)
    page = desk.new_page()
    login(page, server, "coord")
    page.goto(server.url + "/coord/planifier/")
    page.get_by_label("Premier jour").fill(DEMO_DAY)
    page.get_by_label("Nombre de jours").fill("1")
    page.get_by_label("Temps de calcul en secondes").fill("5")
    page.get_by_role("button", name="Lancer le calcul").click()
    page.wait_for_selector("#plan-job:not([hidden])")
    time.sleep(1.5)
    assert page.text_content("#job-stage") == "En attente"

    server.stop()
    serve(server)  # the page keeps polling through the restart
    page.get_by_role("button", name="Publier ce plan").wait_for(state="visible", timeout=60_000)
    assert "Plan prêt" in page.text_content("#job-status")
    desk.close()

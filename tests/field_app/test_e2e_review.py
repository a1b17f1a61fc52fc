"""Review and re-plan on « Planifier » in a real Chromium (issue 11, item 5): the finished job's
review appears (timetables, map), a stop is kept, « Replanifier » runs again and the lock holds;
a hand edit of an opening time is checked at once."""

from __future__ import annotations

import json

from field_app.db import new_session
from field_app.models import PlanJob

from .test_e2e import browser, login, pytestmark, server  # noqa: F401
from .test_e2e_planning import DEMO_DAY, serve


def test_review_lock_a_stop_and_replan(server, browser):
    serve(server)
    desk = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="fr-FR", timezone_id="Europe/Paris"
    )
    desk.set_default_timeout(15_000)
    page = desk.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    login(page, server, "coord")
    page.goto(server.url + "/coord/planifier/")
    page.get_by_label("Premier jour").fill(DEMO_DAY)
    page.get_by_label("Nombre de jours").fill("1")
    page.get_by_label("Temps de calcul en secondes").fill("5")
    page.get_by_role("button", name="Lancer le calcul").click()

    # When the job is done the page shows its review: timetables, map, diff.
    page.wait_for_selector("#plan-review", timeout=90_000)
    first_url = page.url
    assert page.locator("table.timetable").count() >= 1
    page.wait_for_selector("#plan-map path.leaflet-interactive")  # the tours' lines
    assert "Rien n'est encore publié" in page.text_content("#plan-review")

    box = page.locator("input[name=lock]").first
    site, day, vehicle = json.loads(box.get_attribute("value"))
    box.check()
    page.get_by_role("button", name="Replanifier").click()
    page.wait_for_url(lambda url: url != first_url and "/coord/planifier/" in url)
    new_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    page.wait_for_selector(f"#plan-review[data-job-id='{new_id}']", timeout=90_000)
    with new_session(server.app) as session:
        job = session.get(PlanJob, new_id)
        assert job.params["locks"] == [{"site": site, "date": day, "vehicle": vehicle}]
        plan = json.loads(job.plan_json)
    assert any(
        s["site"] == site for t in plan["tours"] if t["vehicle"] == vehicle for s in t["stops"]
    )
    assert page.locator("input[name=lock]:checked").count() == 1

    # A hand edit gets the checker's verdict at once, next to the field.
    edit = page.locator("input.edit-start").first
    edit.fill("03:00")
    page.wait_for_selector(".edit-feedback:has-text('Impossible')")
    assert page.locator(".save-start").first.is_hidden()
    assert errors == []
    desk.close()

"""Where to park, in Debian's Chromium against waitress: a plan published with a stop parked
122 m from its stand shows « Stationner : … » on the agent's card (also after an offline
reload), and the coordinators' review map shows the « P » and the walk, dashed. axe-core
(WCAG 2.0/2.1 A and AA) on each new state, CSP on."""

from __future__ import annotations

import json

from dynamobile.plan import plan_to_dict
from field_app import publishing
from field_app.db import new_session
from field_app.models import PlanJob

from .planning import parked_plan
from .test_axe import DESKTOP, PHONE, Audit, axe_source, log_in, new_context, poll
from .test_e2e import browser, pytestmark, server  # noqa: F401

WALK = "Stationner : Rue de Boigne, puis 122 m à pied vers le nord"


def publish_parked(server) -> None:
    with new_session(server.app) as session:
        publishing.import_plan(session, parked_plan())
        session.commit()


def test_the_agent_card_says_where_to_park(server, browser):
    source = axe_source()
    publish_parked(server)
    server.start()
    audit = Audit()
    context = new_context(
        browser, PHONE, source, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    log_in(page, server, "alice")
    poll(page, "navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    cards = page.locator("article.stop")
    assert cards.count() == 3
    assert cards.nth(0).locator("[data-park]").inner_text() == WALK
    assert cards.nth(0).locator("[data-park]").is_visible()
    # 20 m (not worth telling) and no parking at all (a stop of an older plan): nothing shown.
    assert cards.nth(1).locator("[data-park]").is_hidden()
    assert cards.nth(2).locator("[data-park]").is_hidden()
    audit(page, "tournée de l'agent avec un stationnement à 122 m, téléphone")

    # The page as kept by the service worker says it too.
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("article.stop")
    assert page.locator("article.stop").nth(0).locator("[data-park]").inner_text() == WALK
    context.set_offline(False)
    context.close()
    assert audit.problems == [], "\n".join(audit.problems)


def test_the_review_map_shows_the_parking_and_the_walk(server, browser):
    source = axe_source()
    with new_session(server.app) as session:
        job = PlanJob(
            organisation_id=1,
            params={"from": parked_plan().dates[0].isoformat(), "days": 1, "seconds": 5},
            state="done",
            progress=1.0,
            plan_json=json.dumps(plan_to_dict(parked_plan())),
        )
        session.add(job)
        session.commit()
        job_id = job.id
    server.start()
    audit = Audit()
    context = new_context(browser, DESKTOP, source)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, server, "coord")
    page.goto(f"{server.url}/coord/planifier/{job_id}")
    page.wait_for_selector("#plan-map .pin.parking")
    markers = page.locator("#plan-map .leaflet-marker-icon.parking")
    assert markers.count() == 1  # 122 m told; 20 m and the stops without parking are not
    assert markers.first.inner_text() == "P"
    assert "Stationnement de l'arrêt 1" in markers.first.get_attribute("title")
    assert "Rue de Boigne" in markers.first.get_attribute("title")
    walk = page.locator("#plan-map path.walk-line")
    assert walk.count() == 1
    assert walk.first.get_attribute("stroke-dasharray") == "4 6"
    markers.first.click(force=True)
    page.wait_for_selector(".leaflet-popup-content:has-text('122 m à pied vers le nord')")
    audit(page, "revue d'un calcul avec un stationnement (P, marche en pointillés), bureau")
    assert errors == []
    context.close()
    assert audit.problems == [], "\n".join(audit.problems)

"""A coordinator reads what happened, in Chromium against waitress (fixtures of test_e2e), under the
app's own Content-Security-Policy: the « Bilan » per agent and site, the « Carte » of sites with
circles sized by people met, and a record « à vérifier » found with the filter."""

from __future__ import annotations

import datetime as dt
import math
import uuid

from sqlalchemy import select

from field_app import records
from field_app.db import new_session
from field_app.models import Stop, Tour, User

from .conftest import coop_interaction
from .planning import PARIS
from .test_e2e import browser, login, server  # noqa: F401  (fixtures)


def at_paris(hour: int, minute: int = 0) -> str:
    day = dt.datetime.now(PARIS).date()
    return dt.datetime.combine(day, dt.time(hour, minute), PARIS).isoformat()


def event(stop_id: int, kind: str, at: str) -> dict:
    return {"uuid": str(uuid.uuid4()), "kind": kind, "stop_id": stop_id, "at": at, "data": {}}


def seed_day(server) -> dict:
    """Alice's day on van-1, stored through the sync contract: Halles checked in 4 h 30 late."""
    with new_session(server.app) as session:
        alice = session.scalars(select(User).where(User.name == "alice")).one()
        tour = session.scalars(select(Tour).where(Tour.vehicle == "van-1")).one()
        halles, curial = [s.id for s in tour.stops][:2]
        late = coop_interaction(
            halles, at=at_paris(13, 45), ages={"moins_de_douze": 1}, genres={}, statuts={}
        )
        fine = coop_interaction(
            curial, at=at_paris(12, 30), ages={"quarante_cinquante_neuf": 9}, genres={}, statuts={}
        )
        batch = [
            event(halles, "checkin", at_paris(13, 30)),
            late,
            event(curial, "checkin", at_paris(12, 5)),
            event(curial, "checkout", at_paris(13, 50)),
            fine,
        ]
        for raw in batch:
            assert records.apply_record(session, alice, raw).code == 201
        session.commit()
        names = {s.id: s.name for s in session.scalars(select(Stop))}
    return {"late": late, "fine": fine, "halles": names[halles], "curial": names[curial]}


def test_summaries_map_and_a_flagged_record(server, browser) -> None:
    seeded = seed_day(server)
    server.start()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="fr-FR", timezone_id="Europe/Paris"
    )  # no bypass_csp: Leaflet and the page scripts must run under the app's policy
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def failed(response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            errors.append(f"{response.status} {response.url}")

    page.on("response", failed)
    login(page, server, "coord")

    page.goto(server.url + "/coord/rencontres/")
    page.click("nav.tabs >> text=Bilan par agent et par lieu")
    page.wait_for_url("**/coord/rencontres/bilan?**")
    alice = page.locator("#table-agent tbody tr", has_text="alice")
    cells = alice.locator("td").all_text_contents()
    assert cells[:2] == ["2", "10"]  # records, people
    assert cells[-2:] == ["2", "1 h 45"]  # stops checked in; Curial: 12:05 → 13:50
    sites = page.locator("#table-lieu tbody tr").all_text_contents()
    assert seeded["curial"] in sites[0] and seeded["halles"] in sites[1]  # most people first
    with page.expect_download() as download:
        page.click("text=Exporter le bilan par lieu (CSV)")
    assert download.value.suggested_filename.startswith("dynamobile-bilan-par-lieu-")

    page.click("nav.tabs >> text=Carte")
    page.wait_for_url("**/coord/rencontres/carte?**")
    page.wait_for_selector("#records-map.leaflet-container")
    circles = page.locator("#records-map path.site-circle")
    circles.first.wait_for()
    assert circles.count() == 2
    sizes = sorted(circles.nth(i).bounding_box()["width"] for i in range(2))
    # Areas proportional to people (9 and 1): radii in the ratio √9 = 3 (stroke aside).
    assert math.isclose((sizes[1] - 2) / (sizes[0] - 2), 3, rel_tol=0.15), sizes
    table = page.locator("#map-table tbody tr").all_text_contents()
    assert [seeded["curial"] in table[0], seeded["halles"] in table[1]] == [True, True]
    assert page.get_attribute("#records-map", "data-ready") == "2"

    page.click("nav.tabs >> text=Liste")
    page.check("input[name=verifier]")
    page.click("form[aria-label='Filtrer les rencontres'] button")
    page.wait_for_url("**verifier=1**")
    rows = page.locator("tbody tr[id^=r-]")
    assert rows.count() == 1
    row = page.locator(f"#r-{seeded['late']['uuid']}")
    assert row.locator(".badge").text_content() == "À vérifier"
    reason = row.locator(".flagged li").text_content()
    assert (
        reason.startswith("arrivée pointée à 13:30") and "4 h 30 après l'ouverture prévue" in reason
    )
    assert page.locator(f"#r-{seeded['fine']['uuid']}").count() == 0
    assert "1 enregistrement(s) à vérifier" in page.text_content("#records-summary")
    assert errors == []
    context.close()

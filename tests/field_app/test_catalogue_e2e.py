"""The Lieux page in a real Chromium (Debian's) on a laptop-sized window: a coordinator adds a
site by clicking on the map, the window text is checked as it is typed, and the site appears in
the table and on the map. Runs under the app's strict CSP (no CSP bypass here)."""

from __future__ import annotations

import json

import pytest

from field_app.scenario_rows import ScenarioSettings, SiteRow

from .conftest import PASSWORD
from .test_e2e import browser, free_port, pytestmark, server  # noqa: F401


def test_add_a_site_by_clicking_on_the_map(server, browser):
    expect = pytest.importorskip("playwright.sync_api").expect
    server.start()
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="fr-FR", timezone_id="Europe/Paris"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"{m.text} {m.location}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(r.url) if r.status >= 400 else None)
    try:
        page.goto(server.url + "/login")
        page.fill("input[name=name]", "coord")
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        page.wait_for_url("**/coord/")
        page.click("nav >> text=Lieux")
        page.wait_for_url("**/coord/lieux")
        page.wait_for_selector("#map.leaflet-container")

        # A click on the map offers « Ajouter un lieu ici », which opens the form at that point.
        page.locator("#map").click(position={"x": 400, "y": 200})
        page.click("a.add-here")
        page.wait_for_url("**/coord/lieux/nouveau?lat=*")
        lat, lon = page.input_value("#f-lat"), page.input_value("#f-lon")
        assert 45 < float(lat) < 46 and 5 < float(lon) < 7, (lat, lon)
        assert page.locator("#map .pin").count() == 1  # the form's own map shows the point

        page.fill("#f-name", "Parvis de la Dynamo")
        page.select_option("#f-kind", "forecourt")
        page.fill("#f-quartier", "Hauts-de-Chambéry")
        page.fill("#f-windows", "samdi 9h30-12h")
        check = page.locator("#windows-lecture")
        expect(check).to_contain_text("jour inconnu « samdi »")
        expect(page.locator("#f-windows")).to_have_attribute("aria-invalid", "true")
        page.fill("#f-windows", "samedi 9h30-12h")
        expect(check).to_have_text("Compris : sam 09:30-12:00")
        expect(page.locator("#f-windows")).not_to_have_attribute("aria-invalid", "true")
        page.fill("#f-service_min", "90")
        page.click("button[type=submit]")
        page.wait_for_url("**/coord/lieux")

        row = page.locator("#sites-table tr#lieu-parvis-de-la-dynamo")
        assert "Parvis de la Dynamo" in row.inner_text()
        assert "sam 09:30-12:00" in row.inner_text() and "parvis" in row.inner_text()
        page.wait_for_selector("#map .pin")
        assert page.locator("#map .pin.site").count() == 1
        (site,) = server.rows(SiteRow)
        assert (round(site.lat, 6), round(site.lon, 6)) == (float(lat), float(lon))

        # Drag the marker: the new point is saved (JSON with the CSRF header).
        box = page.locator("#map .pin.site").bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(1, 11):
            page.mouse.move(x + 6 * step, y + 4 * step)
        page.mouse.up()
        expect(page.locator("#map-status")).to_have_text(
            "« Parvis de la Dynamo » déplacé et enregistré."
        )
        (moved,) = server.rows(SiteRow)
        assert moved.lon > site.lon and moved.lat < site.lat
        assert [p for p in problems if "favicon.ico" not in p] == []  # no CSP violation either
    finally:
        context.close()


def test_place_the_depot_and_a_site_by_address(server, browser, tmp_path):
    """« Localiser l'adresse »: a cached address fills the point and moves the pin; one the
    geocoder cannot reach (the server has no way out) says so beside the field and changes
    nothing. axe finds no violation with the message shown."""
    expect = pytest.importorskip("playwright.sync_api").expect
    from .test_axe import Audit, axe_source, new_context

    cache = tmp_path / "geocache"
    cache.mkdir()
    (cache / "geocode.json").write_text(
        json.dumps({"12 rue de la Gare, Chambéry": [45.5712, 5.9196]}), encoding="utf-8"
    )
    # The server cannot reach the internet: every HTTP(S) request goes to a closed local port.
    closed = f"http://127.0.0.1:{free_port()}"
    server.env.update(
        DYNAMOBILE_CACHE=str(cache),
        DYNAMOBILE_GEOCODE_TIMEOUT_S="3",
        HTTP_PROXY=closed,
        HTTPS_PROXY=closed,
        http_proxy=closed,
        https_proxy=closed,
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    server.start()
    audit = Audit()
    context = new_context(browser, {"width": 1280, "height": 800}, axe_source())
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(server.url + "/login")
        page.fill("input[name=name]", "coord")
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        page.wait_for_url("**/coord/")

        page.goto(server.url + "/coord/depot")
        page.wait_for_selector("#map.leaflet-container")
        status = page.locator("#adresse-lecture")
        page.fill("#f-depot_name", "La Dynamo")
        page.fill("#f-depot_address", "12 rue de la Gare")
        page.click("#geocode button")
        expect(status).to_contain_text("Adresse localisée")
        assert (page.input_value("#f-lat"), page.input_value("#f-lon")) == ("45.5712", "5.9196")
        assert page.locator("#map .pin.depot").count() == 1
        audit(page, "Dépôt, adresse localisée")

        page.fill("#f-depot_address", "99 impasse des Nulle-Part")
        page.click("#geocode button")
        expect(status).to_have_text(
            "Adresse introuvable ou pas de connexion : placez le lieu sur la carte ou tapez ses "
            "coordonnées"
        )
        assert (page.input_value("#f-lat"), page.input_value("#f-lon")) == ("45.5712", "5.9196")
        audit(page, "Dépôt, adresse introuvable")
        page.fill("#f-depot_address", "12 rue de la Gare")
        page.click("button[type=submit]")
        page.wait_for_url("**/coord/depot")
        (settings,) = server.rows(ScenarioSettings)
        assert (settings.depot_lat, settings.depot_lon) == (45.5712, 5.9196)

        page.goto(server.url + "/coord/lieux/nouveau")
        page.wait_for_selector("#map.leaflet-container")
        assert page.locator("#map .pin").count() == 0
        page.click("#geocode button")
        expect(page.locator("#adresse-lecture")).to_have_text("Tapez d'abord une adresse.")
        page.fill("#f-address", "12 rue de la Gare")
        page.click("#geocode button")
        expect(page.locator("#adresse-lecture")).to_contain_text("Adresse localisée")
        assert page.locator("#map .pin").count() == 1
        assert page.input_value("#f-lat") == "45.5712"
        audit(page, "nouveau lieu, adresse localisée")
        assert audit.problems == [] and problems == []
    finally:
        context.close()

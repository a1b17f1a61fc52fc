"""The interactive map in a real browser (Debian's chromium), with the network cut off."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from maps.interactive import write_plan_map

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} missing (apt-get install chromium)"
)


def test_map_draws_tours_and_popups_offline(demo_plan, chambery_drive, tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    path = write_plan_map(demo_plan, tmp_path / "plan.html", graphs={"drive": chambery_drive})
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1000, "height": 800}, offline=True)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(path.as_uri())
        page.wait_for_selector(".leaflet-marker-icon")
        first_day = [t for t in demo_plan.tours if t.date == demo_plan.dates[0]]
        stops = sum(len(t.stops) for t in first_day)  # the first day's layer is shown by default
        assert (
            page.locator(".leaflet-marker-icon").count() == stops + 1
        )  # numbered stops and the depot
        assert (
            page.locator("path.leaflet-interactive").count() > 0
        )  # routes and streets drawn as SVG
        popup = page.locator(".leaflet-popup-content")
        # On a loaded machine the map may still be settling (fitBounds): a click that lands where
        # the marker was opens nothing, so click again once it has stopped moving.
        for _ in range(3):
            page.locator(".leaflet-marker-icon").first.click()
            try:
                popup.wait_for(timeout=5_000)
                break
            except PlaywrightTimeout:
                continue
        popup.wait_for()
        assert (
            any(s.name in popup.inner_text() for t in demo_plan.tours for s in t.stops)
            or "Dépôt" in popup.inner_text()
        )
        assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
        scale = page.locator(".leaflet-control-scale-line")
        assert scale.count() == 1  # metres only: no second line in feet or miles
        assert re.fullmatch(r"\d+ k?m", scale.inner_text().strip()), scale.inner_text()
        browser.close()
    assert errors == []

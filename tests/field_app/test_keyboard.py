"""Keyboard only, in Debian's Chromium under the app's strict CSP (issue 15): the login and the
Lieux site form — Tab order, a visible focus indicator on everything that takes focus, submit
with Enter, and focus on the error message / error summary when something is refused."""

from __future__ import annotations

import re
import time

from field_app.scenario_rows import SiteRow

from .conftest import PASSWORD
from .test_e2e import browser, pytestmark, server  # noqa: F401

FOCUSED = """() => {
  const el = document.activeElement;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  return { tag: el.tagName, id: el.id, name: el.getAttribute('name'), type: el.getAttribute('type'),
           text: (el.textContent || '').trim().slice(0, 60), cls: el.className,
           outline: s.outlineStyle !== 'none' ? parseFloat(s.outlineWidth) : 0,
           shadow: s.boxShadow !== 'none',
           onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < window.innerHeight };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab(page, shift: bool = False) -> dict:
    page.keyboard.press("Shift+Tab" if shift else "Tab")
    now = focused(page)
    # A visible indicator (an outline of 2 px or more, or a ring drawn with box-shadow) on an
    # element shown on screen (scrolled into view by the browser).
    assert now["outline"] >= 2 or now["shadow"], repr(now)
    assert now["onScreen"], now
    return now


def key(now: dict) -> str:
    return now["name"] or now["id"] or now["text"]


def tab_to(page, predicate, limit: int = 80) -> list[dict]:
    seen = []
    for _ in range(limit):
        seen.append(tab(page))
        if predicate(seen[-1]):
            return seen
    raise AssertionError(f"focus never reached the target: {[key(s) for s in seen]}")


def poll(page, expression: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, expression
        time.sleep(0.1)


def new_context(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(15_000)
    return context


def test_login_with_the_keyboard(server, browser):
    server.start()
    context = new_context(browser, {"width": 360, "height": 740})
    page = context.new_page()
    page.goto(server.url + "/login")

    # Tab order: skip link, the brand, name, password, the button, the footer's statement.
    order = [key(tab(page)) for _ in range(6)]
    assert order == [
        "Aller au contenu",
        "Dynamobile",
        "name",
        "password",
        "Se connecter",
        "Accessibilité : partiellement conforme",
    ], order

    # A wrong password, sent with Enter: focus lands on the message, the name is kept.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert focused(page)["name"] == "name"
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type("pas-le-bon")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    poll(page, "document.activeElement.id === 'message'")
    now = focused(page)
    assert "incorrect" in now["text"] and now["outline"] >= 2, now
    assert tab(page)["name"] == "name"
    assert page.input_value("input[name=name]") == "alice"

    # The right password, Enter: the agent's page.
    assert tab(page)["name"] == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/agent/")
    context.close()


SITE_FIELDS = ["name", "kind", "address", "quartier", "lat", "lon", "windows", "service_min"]


def test_site_form_with_the_keyboard(server, browser):
    server.start()
    context = new_context(browser, {"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=name]", "coord")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/coord/")
    page.goto(server.url + "/coord/lieux/nouveau")
    page.wait_for_selector("#map.leaflet-container")

    # Tab order: the fields in reading order, then the submit button; focus always visible.
    seen = tab_to(page, lambda a: a["type"] == "submit")
    assert seen[0]["text"] == "Aller au contenu"
    names = [s["name"] for s in seen if s["name"] in SITE_FIELDS]
    assert names == SITE_FIELDS, [key(s) for s in seen]

    # Fill the form without a mouse, with a window the app cannot read, and send it with Enter.
    for _ in range(len(seen) - 1):
        page.keyboard.press("Shift+Tab")
    focus = focused(page)
    while focus["name"] != "name":
        focus = tab(page)
    page.keyboard.type("Parvis de la Dynamo")
    while focus["name"] != "lat":
        focus = tab(page)
    page.keyboard.type("45.5817")
    assert tab(page)["name"] == "lon"
    page.keyboard.type("5.9313")
    while focus["name"] != "windows":
        focus = tab(page)
    page.keyboard.type("samdi 9h30-12h")
    focus = tab(page)
    assert focus["name"] == "service_min"
    page.keyboard.type("90")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Refused: focus on the error summary, whose link leads to the field.
    poll(page, "document.activeElement.id === 'erreurs'")
    summary = focused(page)
    assert summary["outline"] >= 2 and "à corriger" in summary["text"], summary
    errors = page.locator("#erreurs a").all_text_contents()
    assert "Créneaux d'ouverture" in errors, errors
    seen = tab_to(page, lambda a: a["text"] == "Créneaux d'ouverture", limit=len(errors))
    assert all(s["tag"] == "A" for s in seen), seen
    page.keyboard.press("Enter")
    poll(page, "document.activeElement.id === 'f-windows'")
    assert page.get_attribute("#f-windows", "aria-invalid") == "true"

    # Corrected with the keyboard and sent with Enter: saved.
    page.keyboard.press("Control+A")
    page.keyboard.type("samedi 9h30-12h")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url("**/coord/lieux")
    assert "ajouté" in page.text_content(".flash")
    (site,) = server.rows(SiteRow)
    assert (site.name, site.service_min, site.lat) == ("Parvis de la Dynamo", 90, 45.5817)
    context.close()


def test_planning_with_the_keyboard(server, browser):
    """Planifier without a mouse: fields in order, a refused value announced and focused, the
    job started with Enter, then « Publier ce plan » reached with Tab and pressed with Enter."""
    from .test_e2e_planning import DEMO_DAY, serve

    serve(server)  # with its job worker, the demo scenario in the database
    context = new_context(browser, {"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=name]", "coord")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/coord/**")
    page.goto(server.url + "/coord/planifier/")

    page.fill(
        "#plan-from", DEMO_DAY
    )  # a date field's segments are typed per locale: not the point here
    page.focus("#plan-start")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    tab_to(page, lambda now: now["id"] == "plan-from")
    assert tab(page)["id"] == "plan-days"
    page.keyboard.press("Control+A")
    page.keyboard.type("0")
    assert tab(page)["id"] == "plan-seconds"
    page.keyboard.press("Control+A")
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    poll(page, "document.querySelector('#err-days').textContent !== ''")
    assert "entre 1 et 31" in page.text_content("#err-days")
    assert page.get_attribute("#plan-days", "aria-invalid") == "true"
    poll(page, "document.activeElement.id === 'plan-days'")  # focus on the refused field

    page.keyboard.press("Control+A")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    # When the plan is ready the page shows its review; « Publier ce plan » is reached by Tab.
    page.wait_for_url(re.compile(r".*/coord/planifier/\d+$"), timeout=90_000)
    page.get_by_role("button", name="Publier ce plan").wait_for(state="visible", timeout=90_000)
    page.wait_for_load_state()
    seen = tab_to(page, lambda now: now["text"] == "Publier ce plan", limit=200)
    assert all(now["onScreen"] for now in seen)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Plan importé" in page.text_content(".flash")
    context.close()

"""Invitation cards in Debian's Chromium against waitress (issue 12 item 7): an agent's phone
hands out cards offline, they reach the server once; reception enters a code with the keyboard
only; the coordinator's dashboard, tour page and print sheet. axe-core (WCAG 2.0/2.1 A and AA)
runs on each new page and state, with the app's CSP on.
"""

from __future__ import annotations

from sqlalchemy import select

from field_app import invitations
from field_app.db import new_session
from field_app.models import InvitationCard, Record, Stop, Tour, User

from .test_axe import DESKTOP, PHONE, Audit, axe_source, log_in, new_context, poll
from .test_e2e import browser, pytestmark, server  # noqa: F401


def make_series(server, count: int = 3) -> tuple[int, list[str]]:
    with new_session(server.app) as session:
        tour = session.scalars(select(Tour).where(Tour.vehicle == "van-1")).one()
        coord = session.scalars(select(User).where(User.name == "coord")).one()
        series = invitations.generate_series(session, tour, count, coord)
        session.commit()
        cards = invitations.cards_of_series(session, tour.id, series)
        return tour.id, [card.code or "" for card in cards]


def cards(server) -> list[InvitationCard]:
    return server.rows(InvitationCard)


def test_hand_out_offline_then_reception_then_dashboard(server, browser):
    source = axe_source()
    tour_id, codes = make_series(server)
    unknown = next(c for c in ("ZZZZZZ", "YYYYYY", "XXXXXX") if c not in codes)
    server.start()
    audit = Audit()

    phone = new_context(
        browser, PHONE, source, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    log_in(page, server, "alice")
    poll(page, "navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    first = page.locator("article.stop").nth(0)
    assert first.locator("form[data-invite] input[name=code]").count() == 1
    audit(page, "tournée de l'agent avec « Invitation remise », téléphone")

    # Offline: two cards handed out (one typed in lower case with a space, one « sans code »).
    phone.set_offline(True)
    code_input = first.locator("form[data-invite] input[name=code]")
    code_input.fill(codes[0].lower()[:3] + " " + codes[0].lower()[3:])
    code_input.press("Enter")
    poll(page, "document.querySelector('#pending').textContent === '1'")
    first.locator("[data-act=invite-anon]").click()
    poll(page, "document.querySelector('#pending').textContent === '2'")
    assert code_input.input_value() == ""
    # A code that cannot be one is refused on the phone, nothing is queued.
    code_input.fill("abc")
    code_input.press("Enter")
    poll(page, "document.querySelector('#toast').textContent.includes('Code invalide')")
    assert page.text_content("#pending") == "2"
    assert all(card.handed_out_at is None for card in cards(server))
    phone.set_offline(False)
    page.evaluate("window.dynamobile.sync()")
    poll(page, "document.querySelector('#pending').textContent === '0'")
    rows = cards(server)
    given = [c for c in rows if c.handed_out_at is not None]
    assert sorted((c.code or "") for c in given) == sorted(["", codes[0]])
    with new_session(server.app) as session:
        stop_id = int(first.get_attribute("data-stop"))
        assert session.get(Stop, stop_id) is not None
    assert {c.stop_id for c in given} == {stop_id}
    assert "2 invitation(s)" in first.locator("[data-status]").text_content()
    audit(page, "invitations remises et envoyées, téléphone")

    # An unknown code reaches the server and is set aside alone (« refusé(s) »).
    code_input.fill(unknown)
    code_input.press("Enter")
    poll(page, "document.querySelector('#rejected').textContent === '1'")
    assert page.text_content("#pending") == "0"
    assert len([r for r in server.rows(Record) if r.kind == "invitation"]) == 2

    # Reception on the same (agent) account, keyboard only.
    page.goto(server.url + "/accueil")
    poll(page, "document.activeElement && document.activeElement.id === 'accueil-code'")
    audit(page, "accueil, saisie d'un code, téléphone")
    page.keyboard.type(codes[0].lower())
    page.keyboard.press("Enter")
    poll(page, "document.querySelector('#accueil-resultat').textContent.includes('Bienvenue')")
    text = page.text_content("#accueil-resultat")
    assert "Invitation de la tournée du" in text and "enregistrée." in text
    assert page.evaluate("document.activeElement.id") == "accueil-code"
    assert page.input_value("#accueil-code") == ""
    audit(page, "accueil, code accepté, téléphone")
    page.keyboard.type(codes[0])
    page.keyboard.press("Enter")
    poll(page, "document.querySelector('#accueil-resultat').textContent.includes('déjà utilisée')")
    audit(page, "accueil, code déjà utilisé, téléphone")
    assert sum(c.redeemed_at is not None for c in cards(server)) == 1
    phone.close()

    desk = new_context(browser, DESKTOP, source)
    page = desk.new_page()
    log_in(page, server, "coord")
    section = page.locator("#invitations")
    assert "invitations remises" in section.text_content()
    assert section.locator(".kpi strong").nth(0).text_content() == "2"
    assert section.locator(".kpi strong").nth(1).text_content() == "1"
    audit(page, "tableau de bord avec les invitations, bureau")
    page.goto(f"{server.url}/coord/tournees/{tour_id}")
    assert "Série 1 : 3 cartes, 1 remise(s), 1 venue(s)" in page.text_content("#invitations")
    audit(page, "tournée avec une série de cartes, bureau")
    page.click("text=Imprimer la série 1")
    page.wait_for_selector(".sheet .card")
    assert page.locator(".sheet .card").count() == 3
    audit(page, "planche de cartes à imprimer, bureau")
    page.goto(server.url + "/accueil")
    audit(page, "accueil, compte de coordination, bureau")
    desk.close()
    assert audit.problems == [], "\n".join(audit.problems)

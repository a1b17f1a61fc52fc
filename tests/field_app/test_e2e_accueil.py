"""/accueil offline, in Chromium against waitress (issue 12): reception keeps typing codes while
the network is down; they are counted as waiting, sent when it is back (dated when they were
typed) and answered one by one. axe-core (WCAG 2.0/2.1 A and AA) on each new state, CSP on."""

from __future__ import annotations

import datetime as dt
import time

from .test_axe import PHONE, Audit, axe_source, log_in, new_context, poll
from .test_e2e import browser, pytestmark, server  # noqa: F401
from .test_e2e_invitations import cards, make_series


def test_codes_typed_offline_are_sent_when_the_network_is_back(server, browser):
    source = axe_source()
    _tour_id, codes = make_series(server)
    server.start()
    audit = Audit()
    context = new_context(
        browser, PHONE, source, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    log_in(page, server, "coord")
    page.goto(server.url + "/accueil")
    poll(page, "document.activeElement && document.activeElement.id === 'accueil-code'")
    assert page.text_content("#accueil-attente") == ""

    context.set_offline(True)
    poll(page, "navigator.onLine === false")
    typed_from = dt.datetime.now(dt.UTC).replace(microsecond=0)
    page.keyboard.type(codes[0])
    page.keyboard.press("Enter")
    poll(page, "document.querySelector('#accueil-resultat').textContent.includes('Hors ligne')")
    assert codes[0] in page.text_content("#accueil-resultat")
    assert page.text_content("#accueil-attente").startswith("1 code(s) en attente d'envoi")
    assert page.evaluate("document.activeElement.id") == "accueil-code"
    assert page.input_value("#accueil-code") == ""
    page.keyboard.type(codes[1].lower()[:3] + " " + codes[1].lower()[3:])
    page.keyboard.press("Enter")
    poll(page, "document.querySelector('#accueil-attente').textContent.startsWith('2 code(s)')")
    audit(page, "accueil hors ligne, deux codes en attente, téléphone")
    assert all(card.redeemed_at is None for card in cards(server))

    time.sleep(1.2)
    back_at = dt.datetime.now(dt.UTC)
    context.set_offline(False)
    poll(page, "document.querySelector('#accueil-attente').textContent === ''", timeout=20)
    poll(page, "document.querySelector('#accueil-resultat').textContent.includes('envoyé')")
    answer = page.text_content("#accueil-resultat")
    assert "2 code(s) saisi(s) hors ligne envoyé(s)" in answer
    assert answer.count("Bienvenue") == 2 and codes[0] in answer
    audit(page, "accueil, codes saisis hors ligne envoyés, téléphone")
    redeemed = {card.code: card.redeemed_at for card in cards(server) if card.redeemed_at}
    assert set(redeemed) == {codes[0], codes[1]}
    # Dated when they were typed, not when the network came back.
    assert all(typed_from <= at < back_at for at in redeemed.values()), (redeemed, back_at)
    assert page.evaluate("localStorage.getItem('dynamobile-accueil-coord')") is None

    # Online again, a code already entered offline is answered at once.
    page.keyboard.type(codes[0])
    page.keyboard.press("Enter")
    poll(page, "document.querySelector('#accueil-resultat').textContent.includes('déjà utilisée')")
    context.close()
    assert audit.problems == [], "\n".join(audit.problems)

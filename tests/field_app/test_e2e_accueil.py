"""/accueil offline, in Chromium against waitress (issue 12): reception keeps typing codes while
the network is down; they are counted as waiting, sent when it is back (dated when they were
typed) and answered one by one. axe-core (WCAG 2.0/2.1 A and AA) on each new state, CSP on."""

from __future__ import annotations

import datetime as dt
import time

from .test_axe import PHONE, Audit, axe_source, log_in, new_context, poll
from .test_e2e import browser, pytestmark, server  # noqa: F401
from .test_e2e_invitations import cards, make_series


def _reception_on_a_phone(server, browser):
    """A series of cards, then /accueil open on a phone as a coordinator, axe ready:
    (codes, audit, context, page)."""
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
    return codes, audit, context, page


def test_codes_typed_offline_are_sent_when_the_network_is_back(server, browser):
    codes, audit, context, page = _reception_on_a_phone(server, browser)
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


def test_accueil_reloaded_offline_still_takes_codes(server, browser):
    """The page itself survives a reload without network (its own service worker, scope
    /accueil): a code typed then is kept, and sent when the network is back."""
    codes, audit, context, page = _reception_on_a_phone(server, browser)
    poll(page, "navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/accueil/sw.js")

    context.set_offline(True)
    poll(page, "navigator.onLine === false")
    page.reload()
    page.wait_for_selector("#accueil-code")
    assert page.text_content("h1") == "Accueil de La Dynamo"
    poll(page, "document.activeElement && document.activeElement.id === 'accueil-code'")
    audit(page, "accueil rechargé hors ligne, téléphone")
    page.keyboard.type(codes[2])
    page.keyboard.press("Enter")
    poll(page, "document.querySelector('#accueil-resultat').textContent.includes('gardé')")
    # (Chromium may call a page reloaded offline « online »: the code is kept all the same.)
    assert codes[2] in page.text_content("#accueil-resultat")
    assert page.text_content("#accueil-attente").startswith("1 code(s) en attente d'envoi")
    assert all(card.redeemed_at is None for card in cards(server))

    context.set_offline(False)
    poll(page, "document.querySelector('#accueil-attente').textContent === ''", timeout=20)
    poll(page, "document.querySelector('#accueil-resultat').textContent.includes('envoyé')")
    assert "Bienvenue" in page.text_content("#accueil-resultat")
    assert [card.code for card in cards(server) if card.redeemed_at] == [codes[2]]
    context.close()
    assert audit.problems == [], "\n".join(audit.problems)


def test_a_code_whose_answer_was_lost_is_sent_again_and_recorded_once(server, browser):
    """The server records the code but its answer never reaches the page: the page keeps the
    code with its submission id, sends it again, and is told « déjà enregistrée » — while
    someone typing the same card afterwards is told « déjà utilisée »."""
    source = axe_source()
    _tour_id, codes = make_series(server)
    server.start()
    # No service worker here: Playwright's routes do not see what a worker fetches.
    context = new_context(browser, PHONE, source, service_workers="block")
    page = context.new_page()
    log_in(page, server, "coord")
    page.goto(server.url + "/accueil")
    lost: list[int] = []

    def lose_the_answer(route):
        if route.request.method != "POST" or lost:
            route.continue_()
            return
        answer = route.fetch()  # the server records the code…
        lost.append(answer.status)
        route.abort()  # …and the page never hears of it

    page.route("**/accueil", lose_the_answer)
    page.fill("#accueil-code", codes[0])
    page.keyboard.press("Enter")
    poll(page, "document.querySelector('#accueil-resultat').textContent.includes('déjà')")
    answer = page.text_content("#accueil-resultat")
    assert lost == [200]
    assert "déjà enregistrée" in answer and "déjà utilisée" not in answer, answer
    assert page.text_content("#accueil-attente") == ""
    redeemed = [card for card in cards(server) if card.redeemed_at]
    assert [card.code for card in redeemed] == [codes[0]]

    # Typed again (another card holder, or a second entry): the card is used.
    page.fill("#accueil-code", codes[0])
    page.keyboard.press("Enter")
    poll(page, "document.querySelector('#accueil-resultat').textContent.includes('déjà utilisée')")
    context.close()

"""The phone after a real day, in Chromium against waitress (fixtures of test_e2e): undo a +1,
correct and delete encounters offline, then sync exactly once; the confirmation never covers
Save; the pending counter stays in view; stops cancelled while offline are announced."""

from __future__ import annotations

from sqlalchemy import select

from field_app.db import new_session
from field_app.models import Interaction, Record, Stop

from .test_e2e import (  # noqa: F401  (fixtures)
    browser,
    context,
    log_interaction,
    login,
    server,
    wait_controlled,
)


def wait_pending(page, n: int, timeout: int = 15_000) -> None:
    page.wait_for_function(
        f"document.querySelector('#pending').textContent === '{n}'", timeout=timeout
    )


def test_undo_correct_delete_offline_then_sync_once(server, context):
    server.start()
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, server)
    wait_controlled(page)
    card = page.locator("article.stop").nth(0)
    undo = card.locator("[data-act=undo-tally]")
    assert undo.is_disabled()  # nothing to undo yet

    context.set_offline(True)
    page.wait_for_function("document.querySelector('#net').textContent === 'Hors ligne'")
    card.locator("[data-act=tally][data-band='douze_dix_huit']").click()
    card.locator("[data-act=tally][data-band='soixante_dix_plus']").click()
    wait_pending(page, 2)
    undo.click()  # the second +1 was a mistake
    wait_pending(page, 3)
    log_interaction(page, 0, {"vingt_cinq_trente_neuf": 3}, ["culture_numerique"])
    log_interaction(page, 0, {"moins_de_douze": 1}, [])
    wait_pending(page, 5)
    card.locator(".mine summary").click()
    assert card.locator("[data-mine-count]").text_content() == "2"
    # Correct the first encounter: the form opens with what was recorded.
    card.locator("[data-act=edit]").first.click()
    form = page.locator("#interaction-form")
    assert page.text_content("#form-title") == "Corriger la rencontre"
    assert (
        form.locator("output[data-group=ages][data-code=vingt_cinq_trente_neuf]").text_content()
        == "3"
    )
    assert form.locator("input[name=topics][value=culture_numerique]").is_checked()
    form.locator(
        "button[data-step='-1'][data-group=ages][data-code=vingt_cinq_trente_neuf]"
    ).click()
    form.locator("textarea[name=note]").fill("deux, pas trois")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#panel", state="hidden")
    wait_pending(page, 6)
    # Delete the second one (a confirmation is asked).
    card.locator("li", has_text="1 pers.").locator("[data-act=delete]").click()
    wait_pending(page, 7)
    assert card.locator("[data-mine-count]").text_content() == "1"
    assert "3 personne(s)" in card.locator("[data-status]").text_content()  # 1 (+1) + 2
    queue = page.evaluate("window.dynamobile.queue()")
    assert sorted(r["kind"] for r in queue) == sorted(
        ["tally", "tally", "void", "interaction", "interaction", "interaction", "void"]
    )

    context.set_offline(False)
    wait_pending(page, 0, timeout=20_000)
    assert sorted(i.people for i in server.rows(Interaction)) == [1, 2]
    records = server.rows(Record)
    assert len(records) == 7
    assert sum(r.superseded_by is not None for r in records) == 3
    assert [i.note for i in server.rows(Interaction) if i.source == "form"] == ["deux, pas trois"]

    # The same queue sent again, twice (a lost answer): every record is a duplicate.
    for _ in range(2):
        statuses = page.evaluate(
            """async (queue) => {
                const token = (await (await fetch('/api/session')).json()).csrf_token;
                const res = await fetch('/api/sync', {method: 'POST',
                  headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
                  body: JSON.stringify({records: queue.map(({user, queued_at, ...r}) => r)})});
                return (await res.json()).results.map((r) => r.status);
            }""",
            sorted(queue, key=lambda r: r["queued_at"]),
        )
        assert statuses == ["duplicate"] * 7
    assert sorted(i.people for i in server.rows(Interaction)) == [1, 2]


def _boxes_overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_toast_never_covers_save_and_the_counter_stays_in_view(server, context):
    server.start()
    page = context.new_page()
    login(page, server)
    card = page.locator("article.stop").nth(0)
    card.locator("[data-act=interaction]").click()
    form = page.locator("#interaction-form")
    form.locator("button[data-step='1'][data-group=ages][data-code=moins_de_douze]").click()
    form.locator("button[type=submit]").click()
    page.wait_for_function("document.querySelector('#toast').textContent.includes('enregistrée')")
    # At once, the next encounter: the confirmation is still shown and must not cover Save.
    card.locator("[data-act=interaction]").click()
    save = form.locator("button[type=submit]")
    toast_box = page.locator("#toast").bounding_box()
    assert toast_box is not None and page.locator("#toast").is_visible()
    assert not _boxes_overlap(toast_box, save.bounding_box())
    # and a tap anywhere under it reaches the page (the confirmation lets taps through).
    assert (
        page.evaluate("getComputedStyle(document.querySelector('#toast-live')).pointerEvents")
        == "none"
    )
    page.keyboard.press("Escape")
    plus = card.locator("[data-act=tally]").first
    plus.click()
    page.wait_for_function("document.querySelector('#toast').textContent.startsWith('+1')")
    box = plus.bounding_box()
    hit = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('button')?.dataset.act",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert hit == "tally"
    # Scrolled to the last stop, the pending counter is still on screen.
    page.locator("article.stop").last.scroll_into_view_if_needed()
    page.mouse.wheel(0, 2000)
    page.wait_for_timeout(200)
    status = page.locator("#syncstatus").bounding_box()
    assert status is not None and 0 <= status["y"] < 740 and status["y"] + status["height"] <= 740
    assert page.evaluate("window.scrollY") > 300


def test_stop_cancelled_while_offline_is_announced(server, context):
    server.start()
    page = context.new_page()
    login(page, server)
    wait_controlled(page)
    context.set_offline(True)
    page.wait_for_function("document.querySelector('#net').textContent === 'Hors ligne'")
    page.reload()  # the page from the service worker's cache
    card = page.locator("article.stop").nth(1)
    name = card.get_attribute("data-name")
    with new_session(server.app) as session:  # a coordinator cancels it meanwhile
        stop = session.get(Stop, int(card.get_attribute("data-stop")))
        stop.cancelled = True
        session.commit()
    assert page.locator("#changes").text_content() == ""
    context.set_offline(False)
    page.wait_for_function(
        "document.querySelector('#changes').textContent.includes('a été annulé')",
        timeout=20_000,
    )
    assert page.text_content("#changes") == f"L'arrêt {name} a été annulé."
    assert page.get_attribute("#changes", "role") == "status"
    assert card.locator("[data-badge]").is_visible()
    assert not card.locator("[data-act=interaction]").is_visible()
    with new_session(server.app) as session:
        assert session.scalars(select(Stop).where(Stop.cancelled)).one().name == name

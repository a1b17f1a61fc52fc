"""« À corriger » on the phone, in Chromium against waitress (fixtures of test_e2e): hostile
records in the queue never hold the others back; the server's refusals are listed with their
French reason, survive a reload offline, and are fixed and sent again, or abandoned. The card
shows the team's totals beside the phone's own, with their time, offline too."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from field_app.models import Interaction, Record

from .test_e2e import (  # noqa: F401  (fixtures)
    browser,
    context,
    log_interaction,
    login,
    server,
    wait_controlled,
)
from .test_e2e_corrections import wait_pending

PARIS = ZoneInfo("Europe/Paris")
INJECT = """([records]) => new Promise((resolve, reject) => {
    const req = indexedDB.open("dynamobile-field", 1);
    req.onsuccess = () => {
      const t = req.result.transaction("queue", "readwrite");
      records.forEach((r, i) => t.objectStore("queue").add(Object.assign(r, {
        user: "alice", queued_at: Date.now() + i,
        stop_id: r.stop_id === "2**64" ? 2 ** 64 : r.stop_id })));
      t.oncomplete = () => resolve(records.length);
      t.onerror = () => reject(t.error);
    };
})"""


def hostile(stop_id: int, note: str, **fields) -> dict:
    record = {
        "uuid": fields.pop("uuid"),
        "kind": "interaction",
        "stop_id": stop_id,
        "at": dt.datetime.now(PARIS).replace(second=0, microsecond=0).isoformat(),
        "data": {"v": 2, "ages": {"douze_dix_huit": 2}, "topics": ["culture_numerique"],
                 "note": note},
    }  # fmt: skip
    record.update(fields)
    return record


def fix_item(page, text: str):
    return page.locator("#fix-list li", has_text=text)


def test_refused_records_are_fixed_or_abandoned(server, context):
    server.start()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    login(page, server)
    wait_controlled(page)
    cards = page.locator("article.stop")
    first_stop = int(cards.nth(0).get_attribute("data-stop"))
    assert page.locator("#fix").is_hidden()

    context.set_offline(True)
    page.wait_for_function("document.querySelector('#net').textContent === 'Hors ligne'")
    cards.nth(0).locator("[data-act=tally][data-band='douze_dix_huit']").click()
    log_interaction(page, 0, {"vingt_cinq_trente_neuf": 2}, ["culture_numerique"])
    bad = [
        hostile(first_stop, "an un", uuid="11111111-1111-4111-8111-111111111111",
                at="0001-01-01T00:30:00+01:00"),
        hostile("2**64", "arrêt géant", uuid="22222222-2222-4222-8222-222222222222"),
        # Nested too deep: the server cannot read a batch holding it (400), not only this record.
        hostile(first_stop, "imbriqué", uuid="33333333-3333-4333-8333-333333333333",
                data={"ages": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}),
    ]  # fmt: skip
    page.evaluate(INJECT, [bad])
    cards.nth(1).locator("[data-act=tally][data-band='soixante_dix_plus']").click()
    wait_pending(page, 6)

    context.set_offline(False)
    wait_pending(page, 0, timeout=20_000)
    # The good ones are stored, the bad ones wait in « À corriger » with the server's reason.
    assert sorted(i.people for i in server.rows(Interaction)) == [1, 1, 2]
    assert len(server.rows(Record)) == 3
    page.wait_for_selector("#fix:not([hidden])")
    assert page.text_content("#rejected") == "3" and page.text_content("#fix-count") == "3"
    assert "at : date ISO 8601 attendue" in fix_item(page, "an un").text_content()
    giant = fix_item(page, "arrêt géant").locator(".what").text_content()
    assert "arrêt inconnu (n° 18446744073709552000)" in giant, giant
    assert "stop_id : identifiant d'arrêt invalide" in fix_item(page, "arrêt géant").text_content()
    assert "JSON trop imbriqué" in page.locator("#fix-list li").nth(2).text_content()
    # The phone's own count no longer includes what was refused; the team's is the server's.
    status = cards.nth(0).locator("[data-status]").text_content()
    assert "3 personne(s)" in status, status
    team = cards.nth(0).locator("[data-team]")
    team.wait_for(state="visible")
    now = dt.datetime.now(PARIS)
    assert team.text_content().startswith("Équipe, à ")
    assert ": 3 personne(s) · 0 invitation(s)" in team.text_content()
    assert f"{now:%H}:" in team.text_content() or f"{now - dt.timedelta(minutes=1):%H}:" in (
        team.text_content()
    )

    # Offline and reloaded, everything is still there (IndexedDB, the cached page and totals).
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#fix:not([hidden])")
    assert page.locator("#fix-list li").count() == 3
    cards.nth(0).locator("[data-team]").wait_for(state="visible")
    context.set_offline(False)

    # Fix the year-1 encounter: its time only.
    item = fix_item(page, "an un")
    item.locator("[data-fix-act=edit]").click()
    form = item.locator("form.fix-form")
    assert form.locator("select[name=stop]").input_value() == str(first_stop)
    form.locator("input[name=time]").fill("00:05")
    form.locator("button[type=submit]").click()
    page.wait_for_function("document.querySelector('#fix-count').textContent === '2'")
    wait_pending(page, 0, timeout=20_000)
    fixed = [r for r in server.rows(Interaction) if r.note == "an un"]
    assert len(fixed) == 1 and fixed[0].stop_id == first_stop
    assert fixed[0].at.astimezone(PARIS).strftime("%H:%M") == "00:05"
    assert fixed[0].at.astimezone(PARIS).date() == dt.datetime.now(PARIS).date()

    # Fix the giant stop id: choose the stop, and correct the encounter in its own form.
    item = fix_item(page, "arrêt géant")
    item.locator("[data-fix-act=edit]").click()
    second_stop = cards.nth(1).get_attribute("data-stop")
    item.locator("select[name=stop]").select_option(second_stop)
    item.locator("[data-fix-act=form]").click()
    panel = page.locator("#interaction-form")
    page.wait_for_selector("#panel", state="visible")
    assert panel.locator("output[data-group=ages][data-code=douze_dix_huit]").text_content() == "2"
    assert panel.locator("input[name=topics][value=culture_numerique]").is_checked()
    panel.locator("button[data-step='1'][data-group=ages][data-code=douze_dix_huit]").click()
    panel.locator("button[type=submit]").click()
    page.wait_for_selector("#panel", state="hidden")
    page.wait_for_function("document.querySelector('#fix-count').textContent === '1'")
    wait_pending(page, 0, timeout=20_000)
    moved = [r for r in server.rows(Interaction) if r.note == "arrêt géant"]
    assert len(moved) == 1 and moved[0].stop_id == int(second_stop) and moved[0].people == 3

    # Abandon the unreadable one, after a confirmation.
    page.locator("#fix-list li").nth(0).locator("[data-fix-act=discard]").click()
    page.wait_for_selector("#fix", state="hidden")
    assert dialogs and dialogs[-1].startswith("Abandonner définitivement")
    assert page.text_content("#rejected") == "0"
    assert page.evaluate("window.dynamobile.rejected()") == []
    assert len(server.rows(Record)) == 5
    assert "imbriqué" not in {r.note for r in server.rows(Interaction)}
    page.reload()
    page.wait_for_function("document.querySelector('#pending').textContent === '0'")
    assert page.locator("#fix").is_hidden()


def test_an_exported_queue_imported_by_the_cli_then_synced_is_stored_once(
    server, context, tmp_path, monkeypatch
):
    """« Exporter la file (JSON) » → ``dynamobile import queue`` → the phone syncs later: each
    record is stored once, the phone's copies are answered « déjà reçu »."""
    from click.testing import CliRunner

    from dynamobile.cli import field as cli_field

    server.start()
    page = context.new_page()
    login(page, server)
    wait_controlled(page)
    context.set_offline(True)
    page.wait_for_function("document.querySelector('#net').textContent === 'Hors ligne'")
    log_interaction(page, 0, {"vingt_cinq_trente_neuf": 2}, ["culture_numerique"])
    page.locator("article.stop").nth(1).locator("[data-act=checkin]").click()
    wait_pending(page, 2)
    with page.expect_download() as info:
        page.click("#export")
    path = tmp_path / "file.json"
    info.value.save_as(path)

    monkeypatch.setenv("DATABASE_URL", server.db_url)
    monkeypatch.setenv("SECRET_KEY", "e2e-secret")
    result = CliRunner().invoke(
        cli_field._standalone, ["import", "queue", str(path), "--agent", "alice"]
    )
    assert result.exit_code == 0, result.output
    assert "2 enregistré(s)" in result.output
    assert len(server.rows(Record)) == 2

    context.set_offline(False)
    wait_pending(page, 0, timeout=20_000)
    assert page.text_content("#rejected") == "0"
    assert len(server.rows(Record)) == 2 and len(server.rows(Interaction)) == 1

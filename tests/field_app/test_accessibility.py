"""Accessibility in a real Chromium (Debian's): the encounter dialog with the keyboard, contrast of
borders, focus rings and text (WCAG relative luminance computed on the browser's computed styles),
the offline page, the skip link, calm live regions and the CSV Content-Type (issue 15)."""

from __future__ import annotations

from sqlalchemy import select

from field_app.db import new_session
from field_app.models import Stop, Tour

from .test_e2e import browser, context, login, pytestmark, server, wait_controlled  # noqa: F401

# WCAG 2.1 contrast ratio of the computed colours, the background being the first opaque one
# found up the tree (semi-transparent layers are composited over it).
CONTRAST_JS = """
(() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = (c) => {
    const ch = [c.r, c.g, c.b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  };
  const over = (top, bottom) => ({ r: top.r * top.a + bottom.r * (1 - top.a),
                                   g: top.g * top.a + bottom.g * (1 - top.a),
                                   b: top.b * top.a + bottom.b * (1 - top.a), a: 1 });
  const background = (el) => {
    const layers = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let bg = { r: 255, g: 255, b: 255, a: 1 };
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const opacity = (el) => {
    let o = 1;
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) o *= parseFloat(getComputedStyle(n).opacity);
    return o;
  };
  window.a11y = {
    background, ratio, opacity, parse,
    text: (el) => ratio(parse(getComputedStyle(el).color), background(el)),
    border: (el, side) => {
      const s = getComputedStyle(el);
      const c = parse(s["border" + (side || "Top") + "Color"]);
      return { own: ratio(c, background(el)), around: ratio(c, background(el.parentElement)),
               width: parseFloat(s["border" + (side || "Top") + "Width"]), style: s["border" + (side || "Top") + "Style"] };
    },
    outline: (el) => {
      const s = getComputedStyle(el);
      const c = parse(s.outlineColor);
      return { own: ratio(c, background(el)), around: ratio(c, background(el.parentElement)),
               width: parseFloat(s.outlineWidth), style: s.outlineStyle, offset: parseFloat(s.outlineOffset) };
    },
  };
})();
"""


def active(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const card = el && el.closest('article.stop');
        return { tag: el.tagName, id: el.id, act: el.dataset ? el.dataset.act || null : null,
                 type: el.getAttribute('type'), inPanel: !!el.closest('#panel'), stop: card ? card.id : null,
                 text: (el.textContent || '').trim(), name: el.getAttribute('name') };
    }""")


def tab_until(page, predicate, limit=120, shift=False) -> dict:
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if shift else "Tab")
        now = active(page)
        if predicate(now):
            return now
    raise AssertionError(f"focus never reached the target, last: {now}")


def test_encounter_dialog_with_the_keyboard(server, context):
    server.start()
    page = context.new_page()
    login(page, server)
    wait_controlled(page)
    opener = page.locator("article.stop").nth(1).locator("[data-act=interaction]")
    stop_id = page.locator("article.stop").nth(1).get_attribute("id")

    # Open with the keyboard: focus moves into a modal dialog labelled by its heading.
    opener.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel", state="visible")
    panel = page.locator("#panel")
    assert panel.get_attribute("role") == "dialog" and panel.get_attribute("aria-modal") == "true"
    assert (
        page.evaluate(
            "document.getElementById(document.querySelector('#panel')"
            ".getAttribute('aria-labelledby')).textContent"
        )
        == "Nouvelle rencontre"
    )
    assert active(page)["inPanel"]

    # Focus is trapped: Tab and Shift+Tab cycle within the dialog, never behind it.
    seen = set()
    for _ in range(80):
        page.keyboard.press("Tab")
        now = active(page)
        assert now["inPanel"], now
        seen.add((now["tag"], now["id"], now["name"], now["text"]))
    assert ("BUTTON", "form-cancel", None, "Annuler") in seen
    for _ in range(5):
        page.keyboard.press("Shift+Tab")
        assert active(page)["inPanel"]

    # Esc closes it and focus returns to the button that opened it.
    page.keyboard.press("Escape")
    page.wait_for_selector("#panel", state="hidden")
    now = active(page)
    assert (now["act"], now["stop"]) == ("interaction", stop_id)

    # Open, fill and save without a mouse: focus is back on the opener, the toast is announced.
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel", state="visible")
    tab_until(page, lambda a: a["tag"] == "BUTTON" and a["inPanel"] and a["text"] == "+")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert page.text_content("#panel output[data-group=ages]") == "2"
    tab_until(page, lambda a: a["name"] == "topics")
    page.keyboard.press("Space")
    tab_until(page, lambda a: a["type"] == "submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel", state="hidden")
    now = active(page)
    assert (now["act"], now["stop"]) == ("interaction", stop_id)
    page.wait_for_function(
        "document.querySelector('#toast').textContent.includes('enregistrée (2 pers.)')"
    )

    # « Annuler » also returns focus to the opener.
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel", state="visible")
    tab_until(page, lambda a: a["id"] == "form-cancel", shift=True)
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel", state="hidden")
    now = active(page)
    assert (now["act"], now["stop"]) == ("interaction", stop_id)
    page.wait_for_function("document.querySelector('#pending').textContent === '0'")


def cancel_last_stop(server) -> None:
    with new_session(server.app) as session:
        tour = session.scalars(select(Tour).where(Tour.vehicle == "van-1")).one()
        stop = session.scalars(
            select(Stop).where(Stop.tour_id == tour.id).order_by(Stop.start.desc())
        ).first()
        stop.cancelled = True
        session.commit()


def test_contrast_of_borders_focus_and_cancelled_stops(server, context):
    cancel_last_stop(server)
    server.start()
    page = context.new_page()
    login(page, server)
    page.evaluate(CONTRAST_JS)

    # A cancelled stop: full opacity, every text at least 4.5:1, the « Annulé » badge too.
    card = page.locator("article.stop.cancelled")
    assert card.count() == 1
    assert page.evaluate("a11y.opacity(document.querySelector('article.stop.cancelled'))") == 1
    ratios = page.evaluate("""() => Array.from(document.querySelectorAll(
        'article.stop.cancelled h3, article.stop.cancelled .time, article.stop.cancelled .badge, '
        + 'article.stop.cancelled .meta, article.stop.cancelled .addr'))
        .map((el) => [el.className || el.tagName, a11y.text(el)])""")
    assert len(ratios) == 5
    for name, ratio in ratios:
        assert ratio >= 4.5, (name, ratio)
    assert (
        page.evaluate("a11y.text(document.querySelector('article.stop.cancelled .badge'))") >= 4.5
    )

    # Form fields and unchecked chips: borders at least 3:1 against what is inside and around them.
    page.locator("article.stop").nth(0).locator("[data-act=interaction]").click()
    page.wait_for_selector("#panel", state="visible")
    page.evaluate(CONTRAST_JS)
    borders = page.evaluate("""() => ['#interaction-form textarea', '#interaction-form input[name=topics] + span',
                                     '#interaction-form input[name=equipment] + span']
        .map((sel) => [sel, a11y.border(document.querySelector(sel))])""")
    for sel, border in borders:
        assert border["style"] != "none" and border["width"] >= 1, (sel, border)
        assert border["own"] >= 3 and border["around"] >= 3, (sel, border)
    page.evaluate(CONTRAST_JS)
    login_page = page.context.new_page()
    login_page.goto(server.url + "/login")
    login_page.evaluate(CONTRAST_JS)
    for sel in ("input[name=name]", "input[name=password]"):
        border = login_page.evaluate(f"a11y.border(document.querySelector('{sel}'))")
        assert border["own"] >= 3 and border["around"] >= 3, (sel, border)
    login_page.close()

    # The chips' keyboard focus ring: visible and at least 3:1 against the chip and the page.
    page.locator("#interaction-form textarea").focus()
    tab_until(page, lambda a: a["name"] == "topics", shift=True)
    ring = page.evaluate("a11y.outline(document.activeElement.nextElementSibling)")
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    assert ring["own"] >= 3 and ring["around"] >= 3, ring
    page.keyboard.press("Space")  # a checked chip keeps a visible ring too
    ring = page.evaluate("a11y.outline(document.activeElement.nextElementSibling)")
    assert ring["style"] != "none" and ring["around"] >= 3, ring


def test_offline_page_is_a_complete_french_document(server, context):
    server.start()
    page = context.new_page()
    login(page, server)
    wait_controlled(page)
    page.evaluate("""async () => {
        for (const key of await caches.keys()) {
          const cache = await caches.open(key);
          for (const req of await cache.keys()) if (new URL(req.url).pathname === '/agent/') await cache.delete(req);
        }
    }""")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("h1")
    doc = page.evaluate("""() => ({ lang: document.documentElement.lang, title: document.title,
                                    main: !!document.querySelector('main h1'),
                                    h1: document.querySelector('h1').textContent })""")
    assert doc == {
        "lang": "fr",
        "title": "Hors ligne – Dynamobile",
        "main": True,
        "h1": "Hors ligne",
    }
    context.set_offline(False)


def check_skip_link(page, url) -> None:
    page.goto(url)
    page.keyboard.press("Tab")
    first = page.evaluate("""() => ({ tag: document.activeElement.tagName, text: document.activeElement.textContent,
                                     href: document.activeElement.getAttribute('href'),
                                     visible: document.activeElement.getBoundingClientRect().top >= 0 })""")
    assert first == {"tag": "A", "text": "Aller au contenu", "href": "#contenu", "visible": True}, (
        url,
        first,
    )
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
    assert page.evaluate("document.activeElement.tagName") == "MAIN"


def test_skip_link_and_calm_live_regions(server, context, browser):
    server.start()
    page = context.new_page()
    check_skip_link(page, server.url + "/login")
    login(page, server)
    wait_controlled(page)
    check_skip_link(page, server.url + "/agent/")
    page.wait_for_function("document.querySelector('#pending').textContent === '0'")

    # The pending count: a polite, atomic live region, only written when its value changes.
    region = page.evaluate("""() => { const r = document.querySelector('#pending').closest('[aria-live]');
        return { live: r.getAttribute('aria-live'), atomic: r.getAttribute('aria-atomic'), text: r.textContent }; }""")
    assert region == {"live": "polite", "atomic": "true", "text": "0 en attente d'envoi"}
    page.evaluate("""() => { window.__writes = 0;
        const seen = new MutationObserver((m) => { window.__writes += m.length; });
        for (const el of document.querySelectorAll('#syncstatus, #syncbar'))  // counter, messages
          seen.observe(el, { subtree: true, childList: true, characterData: true, attributes: true }); }""")
    page.wait_for_timeout(5600)  # the page's 5 s refresh ran at least once
    assert page.evaluate("window.__writes") == 0

    # The toast: its text is set after it is shown inside a live region that was already there.
    page.evaluate("""() => { const el = document.querySelector('#toast');
        window.__toast = []; let visible = !el.hidden;
        new MutationObserver((muts) => {
          const text = muts.some((m) => m.type === 'childList'
                                 && Array.from(m.addedNodes).some((n) => n.textContent.includes('enregistrée')));
          if (text) window.__toast.push({ visibleBefore: visible, live: el.closest('[role=status]') !== null });
          visible = !el.hidden;
        }).observe(el, { childList: true, characterData: true, subtree: true, attributes: true }); }""")
    context.set_offline(True)
    page.locator("article.stop").nth(0).locator("[data-act=checkin]").click()
    page.wait_for_function("document.querySelector('#toast').textContent === 'Arrivée enregistrée'")
    assert page.evaluate("window.__toast") == [{"visibleBefore": True, "live": True}]
    page.wait_for_function("document.querySelector('#pending').textContent === '1'")
    assert page.evaluate("window.__writes") > 0
    context.set_offline(False)
    page.wait_for_function("document.querySelector('#pending').textContent === '0'", timeout=20_000)

    desk = browser.new_context(
        viewport={"width": 1280, "height": 900},
        bypass_csp=True,
        locale="fr-FR",
        timezone_id="Europe/Paris",
    )
    coord = desk.new_page()
    login(coord, server, "coord")
    for path in ("/coord/", "/coord/tournees"):
        check_skip_link(coord, server.url + path)

    # CSV: one charset parameter.
    response = coord.request.get(server.url + "/coord/export/csv.csv")
    assert response.ok
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    desk.close()

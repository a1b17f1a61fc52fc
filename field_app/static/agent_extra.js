// Dynamobile field app, beside the queue (agent.js, loaded first): « À corriger », the records
// the server refused, to fix and send again or to abandon; the team's totals per stop; and where
// to park, kept up to date.
(function () {
  "use strict";
  const page = window.dynamobile && window.dynamobile.page;
  if (!page) return;
  const cfg = document.body.dataset;
  const { $, $$, run, USER, QUEUE, REJECTED, uuid4, noteLocally, refresh, setText, toast, clock,
          asObject, openForm } = page;
  const sync = window.dynamobile.sync;

  // The team's totals per stop (everyone's records, from the server), kept with the time they
  // were counted so that offline the card still says « Équipe, à 14:32 ».
  const TEAM_KEY = "dynamobile-team-" + USER;
  const TEAM_EVERY_MS = 60000;
  let teamAt = 0;
  function teamCache() { try { return JSON.parse(localStorage.getItem(TEAM_KEY)) || {}; } catch (e) { return {}; } }
  async function teamTotals(force) {
    const cards = $$("article.stop[data-stop] [data-team]").map((el) => el.closest("article.stop"));
    if (!cfg.teamUrl || !cards.length || !navigator.onLine) return;
    if (!force && Date.now() - teamAt < TEAM_EVERY_MS) return;
    teamAt = Date.now();
    try {
      const ids = cards.map((card) => card.dataset.stop).slice(0, 200).join(",");
      const res = await fetch(cfg.teamUrl + "?ids=" + ids, { credentials: "same-origin", cache: "no-store" });
      if (!res.ok) return;
      const body = await res.json();
      const stops = {};
      body.stops.forEach((stop) => { stops[stop.id] = { people: stop.people, invitations: stop.invitations }; });
      localStorage.setItem(TEAM_KEY, JSON.stringify({ at: body.at, stops: stops }));
    } catch (e) { return; }
    refresh();
  }
  function renderTeam() {
    const team = teamCache();
    $$("article.stop[data-stop] [data-team]").forEach((line) => {
      const totals = team.stops && team.stops[line.closest("article.stop").dataset.stop];
      const text = totals ? `Équipe, à ${clock(team.at)} : ${totals.people} personne(s) · ${totals.invitations} invitation(s)` : "";
      setText(line, text);
      if (line.hidden !== !text) line.hidden = !text;
    });
  }

  // « À corriger »: what the server refused, with its reason; each one is fixed (stop, time,
  // code, the encounter's form) and sent again under a new identifier, or abandoned.
  const KIND_LABELS = { interaction: "Rencontre", tally: "+1", checkin: "Arrivée", checkout: "Départ",
                        invitation: "Invitation remise", void: "Suppression d'une rencontre" };
  const BAND_LABELS = {};
  $$("[data-act=tally][data-band]").forEach((b) => { BAND_LABELS[b.dataset.band] = b.querySelector("small").textContent; });
  const activeCards = () => $$("article.stop[data-stop]").filter((card) => $("[data-actions]", card) && card.dataset.cancelled !== "1");
  const cardOf = (stopId) => $$("article.stop[data-stop]").find((card) => card.dataset.stop === String(stopId));
  function when(iso) {
    const d = new Date(iso);
    if (typeof iso !== "string" || isNaN(d)) return "date illisible";
    return d.toLocaleString("fr-FR", { dateStyle: "short", timeStyle: "short", timeZone: "Europe/Paris" });
  }
  function describe(record) {
    const data = asObject(record.data);
    let what = KIND_LABELS[record.kind] || "Enregistrement";
    if (record.kind === "interaction") {
      const n = Object.values(asObject(data.ages)).reduce((a, b) => a + (typeof b === "number" ? b : 0), 0);
      what += ` (${n} pers.)`;
      if (typeof data.note === "string" && data.note) what += ` « ${data.note.slice(0, 60)} »`;
    }
    if (record.kind === "tally" && BAND_LABELS[data.band]) what += " " + BAND_LABELS[data.band];
    if (record.kind === "invitation") what += data.code ? ` (code ${String(data.code).slice(0, 20)})` : " (sans code)";
    const card = cardOf(record.stop_id);
    const where = card ? card.dataset.name : `arrêt inconnu (n° ${String(record.stop_id).slice(0, 24)})`;
    return `${what} · ${where} · ${when(record.at)}`;
  }
  const pad = (n) => String(n).padStart(2, "0");
  // The day a fixed record keeps: its own if plausible (the last two days), else today.
  function fixDay(iso) {
    const d = new Date(iso), now = Date.now();
    return typeof iso === "string" && !isNaN(d) && d <= now + 3600000 && d >= now - 2 * 86400000 ? d : new Date();
  }
  const hhmm = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  function fixButton(act, label, record, extra) {
    const btn = document.createElement("button");
    btn.type = "button"; btn.className = "btn small" + (extra || ""); btn.dataset.fixAct = act; btn.dataset.uuid = record.uuid;
    btn.textContent = label;
    const sr = document.createElement("span");
    sr.className = "sr-only"; sr.textContent = " : " + describe(record);
    btn.appendChild(sr);
    return btn;
  }
  function fixField(labelText, control) {
    const label = document.createElement("label");
    label.append(labelText, control);
    return label;
  }
  function fixForm(record, index) {
    const f = document.createElement("form");
    f.className = "fix-form stack"; f.dataset.uuid = record.uuid; f.hidden = true; f.noValidate = true;
    const select = document.createElement("select");
    select.name = "stop";
    activeCards().forEach((card) => {
      const option = new Option(card.dataset.name, card.dataset.stop);
      option.selected = card.dataset.stop === String(record.stop_id);
      select.add(option);
    });
    const time = document.createElement("input");
    const day = fixDay(record.at);
    time.type = "time"; time.name = "time"; time.value = hhmm(day); time.required = true;
    f.append(fixField("Arrêt", select), fixField(`Heure (le ${day.toLocaleDateString("fr-FR")})`, time));
    if (record.kind === "invitation" && asObject(record.data).code !== null) {
      const code = document.createElement("input");
      code.name = "code"; code.className = "invite-code"; code.maxLength = 20; code.autocomplete = "off";
      code.value = typeof record.data.code === "string" ? record.data.code.slice(0, 20) : "";
      f.append(fixField("Code de la carte", code));
    }
    const row = document.createElement("p");
    row.className = "row";
    if (record.kind === "interaction") row.append(fixButton("form", "Modifier la rencontre", record));
    const send = document.createElement("button");
    send.type = "submit"; send.className = "btn small primary"; send.textContent = "Renvoyer";
    row.append(fixButton("cancel", "Annuler", record), send);
    f.append(row);
    f.setAttribute("aria-label", `Corriger l'enregistrement ${index + 1}`);
    return f;
  }
  function renderFix(rejected) {
    const section = $("#fix");
    if (!section) return;
    rejected.sort((a, b) => (a.queued_at || 0) - (b.queued_at || 0));
    const key = rejected.map((r) => r.uuid + ":" + (r.result && r.result.message)).join(",");
    if (section.hidden !== (rejected.length === 0)) section.hidden = rejected.length === 0;
    const list = $("#fix-list");
    if (list.dataset.key === key) return;
    list.dataset.key = key;
    setText($("#fix-count"), String(rejected.length));
    list.textContent = "";
    rejected.forEach((record, i) => {
      const li = document.createElement("li");
      li.dataset.uuid = record.uuid;
      const what = document.createElement("p");
      what.className = "what"; what.textContent = describe(record);
      const why = document.createElement("p");
      why.className = "reason";
      why.textContent = "Motif : " + String((record.result && record.result.message) || "refusé par le serveur").slice(0, 200);
      const row = document.createElement("p");
      row.className = "row";
      row.append(fixButton("edit", "Corriger", record), fixButton("discard", "Abandonner", record));
      li.append(what, why, row, fixForm(record, i));
      list.appendChild(li);
    });
  }
  const rejectedOne = (uid) => run([REJECTED], "readonly", (t) => t.objectStore(REJECTED).get(uid));
  function focusFix() {
    const next = $("#fix-list button[data-fix-act=edit]");
    if (next) next.focus();
    else { $("#fix-title").focus(); }
  }
  // The fixed record goes back to the queue under a new uuid (a refused uuid may be taken by a
  // record the server already holds: a ``conflict``); the refused one leaves « À corriger ».
  async function resend(old, changes) {
    const record = Object.assign({}, old, changes, { uuid: uuid4(), user: USER, queued_at: Date.now() });
    delete record.result;
    await run([QUEUE, REJECTED], "readwrite", (t) => {
      t.objectStore(QUEUE).add(record);
      t.objectStore(REJECTED).delete(old.uuid);
    });
    noteLocally(record);
    await refresh();
    focusFix();
    sync();
    return record;
  }
  function fixChanges(f, record) {
    const [h, m] = f.elements.time.value.split(":").map((x) => parseInt(x, 10));
    if (isNaN(h) || isNaN(m)) { toast("Indiquez l'heure."); f.elements.time.focus(); return null; }
    const stopId = parseInt(f.elements.stop.value, 10);
    if (isNaN(stopId)) { toast("Aucun arrêt aujourd'hui : abandonnez-le ou exportez la file."); return null; }
    const at = fixDay(record.at); at.setHours(h, m, 0, 0);
    const changes = { stop_id: stopId, at: at.toISOString() };
    if (f.elements.code) {
      const code = f.elements.code.value.replace(/[\s-]/g, "").toUpperCase();
      changes.data = Object.assign({}, asObject(record.data), { code: code });
    }
    return changes;
  }
  document.addEventListener("click", async (ev) => {
    const btn = ev.target.closest("button[data-fix-act]");
    if (!btn) return;
    const record = await rejectedOne(btn.dataset.uuid);
    if (!record) return;
    const li = btn.closest("li"), f = $("form.fix-form", li);
    const act = btn.dataset.fixAct;
    if (act === "edit") { f.hidden = false; btn.hidden = true; $("select, input", f).focus(); return; }
    if (act === "cancel") { f.hidden = true; const edit = $("[data-fix-act=edit]", li); edit.hidden = false; edit.focus(); return; }
    if (act === "discard") {
      if (!window.confirm(`Abandonner définitivement : ${describe(record)} ? Il ne sera jamais envoyé.`)) return;
      await run([REJECTED], "readwrite", (t) => t.objectStore(REJECTED).delete(record.uuid));
      await refresh();
      focusFix();
      toast("Enregistrement abandonné");
      return;
    }
    if (act === "form") {  // the encounter's own form, filled with what was refused
      const changes = fixChanges(f, record);
      if (!changes) return;
      const card = cardOf(changes.stop_id);
      openForm({ dataset: { stop: String(changes.stop_id), name: card ? card.dataset.name : "" } }, btn,
               { uuid: null, data: asObject(record.data) }, async (data, total) => {
                 await resend(record, Object.assign({}, changes, { data: data }));
                 toast(`Rencontre corrigée, renvoyée (${total} pers.)`);
               });
    }
  });
  document.addEventListener("submit", async (ev) => {
    const f = ev.target.closest("form.fix-form");
    if (!f) return;
    ev.preventDefault();
    const record = await rejectedOne(f.dataset.uuid);
    if (!record) return;
    const changes = fixChanges(f, record);
    if (!changes) return;
    await resend(record, changes);
    toast("Enregistrement corrigé, renvoyé");
  });

  // Where to park, as the server has it now (a plan published again while this phone was away).
  page.hooks.stops.push((now) => {
    $$("article.stop[data-stop] [data-park]").forEach((line) => {
      const stop = now.get(line.closest("article.stop").dataset.stop);
      if (!stop || !("parking" in stop)) return;
      const text = stop.parking ? stop.parking.text : "";
      setText(line, text);
      if (line.hidden !== !text) line.hidden = !text;
    });
  });
  page.hooks.refresh.push((rejected) => { renderFix(rejected); renderTeam(); });
  page.hooks.synced.push((sent) => teamTotals(sent));
  setInterval(() => teamTotals(false), 5000);
  refresh();
})();

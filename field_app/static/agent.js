// Dynamobile field app: queue every record in IndexedDB, send when the network allows.
// No framework; records carry a client UUID so the server stores each exactly once.
(function () {
  "use strict";
  const cfg = document.body.dataset;
  const USER = cfg.user;
  const BATCH = parseInt(cfg.batch, 10) || 50;
  const BACKOFF_BASE = parseInt(cfg.backoffBase, 10) || 2000;
  const BACKOFF_MAX = parseInt(cfg.backoffMax, 10) || 300000;
  const QUEUE = "queue", REJECTED = "rejected";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  const hooks = { refresh: [], synced: [], stops: [] };  // what agent_extra.js adds to the page
  let csrf = $('meta[name="csrf-token"]').content;
  let tokenFresh = false;

  // --- IndexedDB -----------------------------------------------------------------------------
  let dbPromise = null;
  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const req = indexedDB.open("dynamobile-field", 1);
        req.onupgradeneeded = () => {
          req.result.createObjectStore(QUEUE, { keyPath: "uuid" });
          req.result.createObjectStore(REJECTED, { keyPath: "uuid" });
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    return dbPromise;
  }
  async function run(stores, mode, fn) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const t = db.transaction(stores, mode);
      const req = fn(t);
      t.oncomplete = () => resolve(req ? req.result : undefined);
      t.onerror = t.onabort = () => reject(t.error);
    });
  }
  const allOf = (store) => run([store], "readonly", (t) => t.objectStore(store).getAll());
  const mine = (records) => records.filter((r) => r.user === USER);

  // --- records ---------------------------------------------------------------------------------
  function uuid4() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));  // plain-HTTP pages lack randomUUID
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // A correction or a deletion is a new record naming the one it replaces (``replaces``): the
  // server keeps the original for audit and counts only the current version.
  async function enqueue(kind, stopId, data, replaces) {
    const record = { uuid: uuid4(), kind: kind, stop_id: stopId, at: new Date().toISOString(),
                     data: data, user: USER, queued_at: Date.now() };
    if (replaces) record.replaces = replaces;
    await run([QUEUE], "readwrite", (t) => t.objectStore(QUEUE).add(record));
    noteLocally(record);
    await refresh();
    sync();
    return record;
  }

  // --- sync ------------------------------------------------------------------------------------
  let syncing = false, attempt = 0, timer = null, nextAt = 0;

  async function refreshToken() {
    const res = await fetch(cfg.sessionUrl, { credentials: "same-origin", cache: "no-store" });
    if (res.status === 401) throw Object.assign(new Error("login"), { login: true });
    if (!res.ok) throw new Error("HTTP " + res.status);
    csrf = (await res.json()).csrf_token;
    tokenFresh = true;
  }

  // Exponential back-off after a failure: base × 2^n up to the maximum, ±25 % jitter so that
  // the team's phones do not all come back at the same second after an outage.
  function schedule() {
    attempt += 1;
    const delay = Math.min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2);
    clearTimeout(timer);
    nextAt = Date.now() + delay;
    timer = setTimeout(() => { timer = null; sync(); }, delay);
  }

  // What the server gets of a record: not the phone's own fields (user, queued_at, result).
  function wire(r) {
    const out = { uuid: r.uuid, kind: r.kind, stop_id: r.stop_id, at: r.at, data: r.data };
    if (r.replaces) out.replaces = r.replaces;
    return out;
  }

  // A record the server refused for good leaves the queue for « À corriger »: never dropped,
  // no longer counted as done on this phone, and no longer in the way of the others.
  async function setAside(records) {
    if (!records.length) return;
    await run([QUEUE, REJECTED], "readwrite", (t) => {
      records.forEach(([record, result]) => {
        t.objectStore(REJECTED).put(Object.assign({}, record, { result: result }));
        t.objectStore(QUEUE).delete(record.uuid);
      });
    });
    records.forEach(([record]) => forgetLocally(record));
  }

  // Sends one batch; returns how many records left the queue. A batch the server cannot read at
  // all (400 « input », 413) throws ``split``: the caller halves it until the culprit is alone,
  // then that one is set aside like any refusal — one bad record never blocks the others.
  async function sendBatch(batch) {
    const parts = [], unreadable = [];
    batch.forEach((r) => {
      try { parts.push([r, JSON.stringify(wire(r))]); } catch (e) {
        unreadable.push([r, { status: "invalid", code: 0, message: "enregistrement illisible sur ce téléphone" }]);
      }
    });
    await setAside(unreadable);
    if (!parts.length) return unreadable.length;
    const res = await fetch(cfg.syncUrl, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: '{"records":[' + parts.map((p) => p[1]).join(",") + "]}",
    });
    if (res.status === 400 || res.status === 401 || res.status === 413) {
      const body = await res.json().catch(() => ({}));
      if (res.status === 401) throw Object.assign(new Error("login"), { login: true });
      if (body.kind === "csrf") { tokenFresh = false; throw new Error("csrf"); }
      if (body.kind === "input" || res.status === 413) {
        if (parts.length > 1) throw Object.assign(new Error("split"), { split: true });
        const message = body.error || "enregistrement refusé par le serveur";
        await setAside([[parts[0][0], { status: "invalid", code: res.status, message: message }]]);
        return unreadable.length + 1;
      }
    }
    if (!res.ok) throw new Error("HTTP " + res.status);
    const out = await res.json();
    const sent = parts.map((p) => p[0]);
    const done = [], refused = [];
    out.results.forEach((result, i) => {
      const record = sent[i];
      if (!record) return;
      if (result.code < 300) done.push(record);
      else if (result.code < 500) refused.push([record, result]);
    });
    if (done.length) {
      await run([QUEUE], "readwrite", (t) => done.forEach((r) => t.objectStore(QUEUE).delete(r.uuid)));
    }
    await setAside(refused);
    const progress = unreadable.length + done.length + refused.length;
    if (!progress) throw new Error("server error");
    return progress;
  }

  async function sync() {
    if (syncing || !navigator.onLine) { refresh(); return; }
    syncing = true;
    clearTimeout(timer); timer = null; nextAt = 0;
    let failed = false, size = BATCH, sent = 0;
    try {
      for (;;) {
        const waiting = mine(await allOf(QUEUE)).sort((a, b) => a.queued_at - b.queued_at);
        if (!waiting.length) break;
        if (!tokenFresh) await refreshToken();
        try {
          sent += await sendBatch(waiting.slice(0, size));
          size = Math.min(BATCH, size * 2);
        } catch (err) {
          if (!err.split) throw err;
          size = Math.max(1, Math.floor(size / 2));
        }
      }
      attempt = 0;
      message("");
      checkStops();
      hooks.synced.forEach((fn) => fn(sent > 0));
    } catch (err) {
      failed = true;
      if (err.login) message("Session expirée : reconnectez-vous. Vos enregistrements restent sur ce téléphone.");
    } finally {
      syncing = false;
    }
    if (failed && navigator.onLine) schedule();
    refresh();
  }

  // --- page ------------------------------------------------------------------------------------
  // Live regions are only written when their text changes: screen readers announce every write.
  function setText(el, text) { if (el.textContent !== text) el.textContent = text; }
  function message(text) { setText($("#sync-msg"), text); }

  // The toast sits in a live region present from the start; its text is set a moment after it is
  // shown, so that screen readers notice the change and announce it.
  let toastTimer = null, toastTextTimer = null;
  function toast(text) {
    const el = $("#toast");
    clearTimeout(toastTimer); clearTimeout(toastTextTimer);
    el.textContent = ""; el.hidden = false;
    toastTextTimer = setTimeout(() => {
      el.textContent = text;
      toastTimer = setTimeout(() => { el.hidden = true; el.textContent = ""; }, 2500);
    }, 100);
  }

  const LOG_KEY = "dynamobile-log-" + USER;
  function localLog() { try { return JSON.parse(localStorage.getItem(LOG_KEY)) || {}; } catch (e) { return {}; } }
  // Per stop: check-in/out times, people, and the encounters and +1s made on this phone (items),
  // which the agent can correct or delete.
  function noteLocally(record) {
    const log = localLog();
    const entry = log[record.stop_id] || { people: 0 };
    entry.items = entry.items || [];
    if (record.kind === "checkin" || record.kind === "checkout") entry[record.kind] = record.at;
    if (record.kind === "invitation") entry.invitations = (entry.invitations || 0) + 1;
    if (record.replaces) {
      const i = entry.items.findIndex((item) => item.uuid === record.replaces);
      if (i >= 0) { entry.people -= entry.items[i].people; entry.items.splice(i, 1); }
    }
    if (record.kind === "tally" || record.kind === "interaction") {
      const n = record.kind === "tally" ? 1 : Object.values(record.data.ages).reduce((a, b) => a + b, 0);
      entry.people += n;
      entry.items.push({ uuid: record.uuid, kind: record.kind, at: record.at, people: n, data: record.data });
    }
    entry.people = Math.max(0, entry.people);
    log[record.stop_id] = entry;
    localStorage.setItem(LOG_KEY, JSON.stringify(log));
  }
  // The opposite, for a record the server refused: this phone's counts show what was kept.
  function forgetLocally(record) {
    const log = localLog();
    const entry = log[record.stop_id];
    if (!entry) return;
    entry.items = (entry.items || []).filter((item) => {
      if (item.uuid !== record.uuid) return true;
      entry.people = Math.max(0, (entry.people || 0) - item.people);
      return false;
    });
    if (record.kind === "invitation") entry.invitations = Math.max(0, (entry.invitations || 0) - 1);
    if ((record.kind === "checkin" || record.kind === "checkout") && entry[record.kind] === record.at) delete entry[record.kind];
    log[record.stop_id] = entry;
    localStorage.setItem(LOG_KEY, JSON.stringify(log));
  }
  const asObject = (v) => (v && typeof v === "object" && !Array.isArray(v) ? v : {});
  const asList = (v) => (Array.isArray(v) ? v : []);
  const clock = (iso) => new Date(iso).toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris" });

  let pendingCount = 0;
  async function refresh() {
    const queue = mine(await allOf(QUEUE));
    const rejected = mine(await allOf(REJECTED));
    pendingCount = queue.length;
    setText($("#pending"), String(queue.length));
    setText($("#rejected"), String(rejected.length));
    if ($("#rejected-wrap").hidden !== (rejected.length === 0)) $("#rejected-wrap").hidden = rejected.length === 0;
    setText($("#net"), navigator.onLine ? "En ligne" : "Hors ligne");
    const netClass = navigator.onLine ? "net on" : "net off";
    if ($("#net").className !== netClass) $("#net").className = netClass;
    if (timer && nextAt && queue.length) {
      message(`Envoi impossible pour l'instant ; nouvel essai dans ${Math.max(1, Math.round((nextAt - Date.now()) / 1000))} s.`);
    }
    hooks.refresh.forEach((fn) => fn(rejected));
    const log = localLog();
    $$("article.stop[data-stop]").forEach((card) => {
      const status = $("[data-status]", card);
      if (!status) return;
      const entry = log[card.dataset.stop] || {};
      const parts = [];
      if (entry.checkin) parts.push("Arrivée " + clock(entry.checkin));
      if (entry.checkout) parts.push("Départ " + clock(entry.checkout));
      if (entry.people) parts.push(entry.people + " personne(s)");
      if (entry.invitations) parts.push(entry.invitations + " invitation(s)");
      setText(status, parts.join(" · "));
      renderMine(card, entry.items || []);
    });
  }

  const TOPIC_LABELS = {};
  $$('#interaction-form input[name="topics"]').forEach((i) => { TOPIC_LABELS[i.value] = i.nextElementSibling.textContent; });
  // The stop's own encounters, each with « Corriger » and « Supprimer »; redrawn only when they
  // change, so that focus stays where it is.
  function renderMine(card, items) {
    const undo = $('[data-act="undo-tally"]', card);
    if (undo) {
      const none = !items.some((item) => item.kind === "tally");
      if (undo.disabled !== none) undo.disabled = none;
    }
    const list = $("[data-mine-list]", card);
    if (!list) return;
    const forms = items.filter((item) => item.kind === "interaction");
    const key = forms.map((item) => item.uuid).join(",");
    if (list.dataset.key === key) return;
    list.dataset.key = key;
    setText($("[data-mine-count]", card), String(forms.length));
    $("[data-mine-empty]", card).hidden = forms.length > 0;
    list.textContent = "";
    forms.forEach((item) => {
      const li = document.createElement("li");
      const topics = (item.data.topics || []).map((code) => TOPIC_LABELS[code] || code).join(", ");
      const what = `${clock(item.at)} · ${item.people} pers.` + (topics ? ` · ${topics}` : "") + (item.data.note ? ` · « ${item.data.note} »` : "");
      const text = document.createElement("span");
      text.textContent = what;
      const row = document.createElement("p");
      row.className = "row";
      for (const [act, label] of [["edit", "Corriger"], ["delete", "Supprimer"]]) {
        const btn = document.createElement("button");
        btn.className = "btn small"; btn.dataset.act = act; btn.dataset.uuid = item.uuid;
        btn.textContent = label;
        const sr = document.createElement("span");
        sr.className = "sr-only"; sr.textContent = ` la rencontre de ${clock(item.at)} (${item.people} pers.)`;
        btn.appendChild(sr);
        row.appendChild(btn);
      }
      li.append(text, row);
      list.appendChild(li);
    });
  }
  const itemOf = (stopId, uid) => ((localLog()[stopId] || {}).items || []).find((item) => item.uuid === uid);

  // What a coordinator changed while this phone was offline: compared with the page's own state
  // after each successful sync, told in a live region (« L'arrêt … a été annulé »).
  let stopsChecked = false;  // false: check again at the next chance (load, failure, offline)
  async function checkStops() {
    const cards = $$("article.stop[data-stop]").filter((card) => card.dataset.gone !== "1");
    if (!cfg.stopsUrl || !cards.length) return;
    let body;
    try {
      const ids = cards.map((card) => card.dataset.stop).slice(0, 200).join(",");
      const res = await fetch(cfg.stopsUrl + "?ids=" + ids, { credentials: "same-origin", cache: "no-store" });
      if (!res.ok) return;
      body = await res.json();
    } catch (e) { return; }
    stopsChecked = true;
    const now = new Map(body.stops.map((stop) => [String(stop.id), stop]));
    hooks.stops.forEach((fn) => fn(now));
    const notes = [];
    cards.forEach((card) => {
      const stop = now.get(card.dataset.stop), name = card.dataset.name;
      if (!stop || !stop.in_plan) {
        card.dataset.gone = "1";
        notes.push(`L'arrêt ${name} a été retiré de votre tournée.`);
        return;
      }
      if (stop.cancelled && card.dataset.cancelled !== "1") {
        card.dataset.cancelled = "1";
        card.classList.add("cancelled");
        $("[data-badge]", card).hidden = false;
        const actions = $("[data-actions]", card);
        if (actions) actions.hidden = true;
        notes.push(`L'arrêt ${name} a été annulé.`);
      } else if (!stop.cancelled && card.dataset.cancelled === "1") {
        card.dataset.cancelled = "0";
        notes.push(`L'arrêt ${name} est rétabli : rechargez la page pour y enregistrer.`);
      }
      if (stop.hours !== card.dataset.hours) {
        card.dataset.hours = stop.hours;
        setText($("[data-hours-text]", card), stop.hours);
        notes.push(`L'arrêt ${name} a changé d'horaire : ${stop.hours}.`);
      }
    });
    const region = $("#changes");
    notes.forEach((text) => {
      const p = document.createElement("p");
      p.textContent = text;
      region.appendChild(p);
    });
  }

  function position() {
    if (!$("#gps").checked || !navigator.geolocation) return Promise.resolve({});
    return new Promise((resolve) => {
      navigator.geolocation.getCurrentPosition(
        (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy_m: p.coords.accuracy }),
        () => resolve({}), { timeout: 5000, maximumAge: 60000 });
    });
  }

  // Interaction form (the Coop's collective-CRA data: form version 2)
  const panel = $("#panel"), form = $("#interaction-form"), adminTopics = $("#admin-topics");
  const AIDE = "aide_aux_demarches_administratives", NONE = "aucun";
  let formStop = null, opener = null, formReplaces = null;
  let formFix = null;  // instead of queueing: a refused record corrected (agent_extra.js)
  // Everything but the dialog is made inert while it is open (modal dialog, WAI-ARIA pattern).
  const outside = () => $$("body > *").filter((el) => !el.contains(panel) && el.id !== "toast-live")
    .concat($$("main > *").filter((el) => el !== panel && el.id !== "toast-live"));
  const focusables = () => $$('button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])', panel)
    .filter((el) => !el.disabled && el.getClientRects().length > 0);
  function openForm(card, button, item, onSave) {
    formFix = onSave || null;
    formStop = parseInt(card.dataset.stop, 10);
    opener = button || null;
    formReplaces = item ? item.uuid : null;
    form.reset();
    $$("output[data-group]", form).forEach((o) => { o.value = "0"; o.textContent = "0"; });
    adminTopics.hidden = true;
    $("#form-title").textContent = item ? "Corriger la rencontre" : "Nouvelle rencontre";
    if (item) {  // the encounter as it was recorded (or as it was refused: any shape)
      const d = asObject(item.data);
      for (const group of ["ages", "genres", "statuts"]) {
        Object.entries(asObject(d[group])).forEach(([code, n]) => {
          const out = $(`output[data-group="${group}"][data-code="${CSS.escape(code)}"]`, form);
          const value = Number.isInteger(n) ? Math.max(0, Math.min(500, n)) : 0;
          if (out) { out.value = String(value); out.textContent = String(value); }
        });
      }
      for (const name of ["topics", "equipment", "invitations"]) {
        asList(d[name]).forEach((code) => {
          const input = $(`input[name="${name}"][value="${CSS.escape(String(code))}"]`, form);
          if (input) input.checked = true;
        });
      }
      adminTopics.hidden = !asList(d.topics).includes(AIDE);
      const visit = $(`input[name="visit"][value="${CSS.escape(String(d.visit || "unknown"))}"]`, form);
      if (visit) visit.checked = true;
      form.elements.note.value = typeof d.note === "string" ? d.note.slice(0, 280) : "";
    }
    $("#form-stop").textContent = card.dataset.name;
    panel.hidden = false;
    outside().forEach((el) => { el.inert = true; });
    panel.scrollTop = 0;
    const first = focusables()[0];
    (first || panel).focus();
  }
  function closeForm() {
    panel.hidden = true; formStop = null; formReplaces = null; formFix = null;
    outside().forEach((el) => { el.inert = false; });
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  }
  panel.addEventListener("keydown", (ev) => {
    if (panel.hidden) return;
    if (ev.key === "Escape") { ev.preventDefault(); closeForm(); return; }
    if (ev.key !== "Tab") return;
    const items = focusables();
    if (!items.length) { ev.preventDefault(); return; }
    const first = items[0], last = items[items.length - 1];
    if (ev.shiftKey && (document.activeElement === first || document.activeElement === panel)) {
      ev.preventDefault(); last.focus();
    } else if (!ev.shiftKey && document.activeElement === last) {
      ev.preventDefault(); first.focus();
    }
  });
  const counts = (group) => {
    const out = {};
    $$(`output[data-group="${group}"]`, form).forEach((o) => { out[o.dataset.code] = parseInt(o.textContent, 10) || 0; });
    return out;
  };
  const sum = (obj) => Object.values(obj).reduce((a, b) => a + b, 0);

  form.addEventListener("click", (ev) => {
    const btn = ev.target.closest("[data-step]");
    if (!btn) return;
    const out = $(`output[data-group="${btn.dataset.group}"][data-code="${btn.dataset.code}"]`, form);
    const value = Math.max(0, Math.min(500, parseInt(out.textContent, 10) + parseInt(btn.dataset.step, 10)));
    out.value = String(value); out.textContent = String(value);
  });
  form.addEventListener("change", (ev) => {
    const input = ev.target;
    if (input.name === "topics" && input.value === AIDE) {
      adminTopics.hidden = !input.checked;  // the Coop allows its sub-themes only with this one
      if (!input.checked) $$("input", adminTopics).forEach((i) => { i.checked = false; });
    }
    if (input.name === "equipment" && input.checked) {  // « Pas de matériel » excludes the others
      $$('input[name="equipment"]:checked', form).forEach((i) => {
        if (i !== input && (i.value === NONE || input.value === NONE)) i.checked = false;
      });
    }
  });
  $("#form-cancel").addEventListener("click", closeForm);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const ages = counts("ages"), genres = counts("genres"), statuts = counts("statuts");
    const total = sum(ages);
    if (!total) { toast("Indiquez au moins une personne."); return; }
    if (sum(genres) > total || sum(statuts) > total) {
      toast("Genre ou statut : plus de personnes que dans les tranches d'âge."); return;
    }
    const checked = (name) => $$(`input[name="${name}"]:checked`, form).map((i) => i.value);
    const data = { v: 2, ages: ages, genres: genres, statuts: statuts, topics: checked("topics"),
                   equipment: checked("equipment"), invitations: checked("invitations"),
                   visit: checked("visit")[0] || "unknown", note: form.elements.note.value.trim().slice(0, 280) };
    const stop = formStop, replaces = formReplaces, fix = formFix;
    closeForm();
    if (fix) { await fix(data, total); return; }
    await enqueue("interaction", stop, data, replaces);
    toast(replaces ? `Rencontre corrigée (${total} pers.)` : `Rencontre enregistrée (${total} pers.)`);
  });

  document.addEventListener("click", async (ev) => {
    const btn = ev.target.closest("button[data-act]");
    if (!btn) return;
    const card = btn.closest("article.stop");
    const stopId = parseInt(card.dataset.stop, 10);
    const act = btn.dataset.act;
    if (act === "interaction") { openForm(card, btn); return; }
    if (act === "invite-anon") {
      await enqueue("invitation", stopId, { code: null });
      toast("Invitation remise (sans code)");
      return;
    }
    if (act === "edit") {
      const item = itemOf(stopId, btn.dataset.uuid);
      if (item) openForm(card, btn, item);
      return;
    }
    if (act === "delete" || act === "undo-tally") {
      const items = ((localLog()[stopId] || {}).items || []);
      const item = act === "delete" ? items.find((i) => i.uuid === btn.dataset.uuid)
        : items.filter((i) => i.kind === "tally").pop();
      if (!item) return;
      if (act === "delete" && !window.confirm(`Supprimer la rencontre de ${clock(item.at)} (${item.people} pers.) ?`)) return;
      await enqueue("void", stopId, {}, item.uuid);
      toast(act === "delete" ? "Rencontre supprimée" : "Dernier +1 annulé");
      const summary = $(".mine summary", card);
      if (act === "delete" && summary) summary.focus();  // the button is gone with its line
      return;
    }
    btn.disabled = true;
    try {
      if (act === "tally") {
        await enqueue("tally", stopId, { v: 2, band: btn.dataset.band });
        if (navigator.vibrate) navigator.vibrate(30);
        toast("+1 " + btn.querySelector("small").textContent);
      } else {
        await enqueue(act, stopId, await position());
        toast(act === "checkin" ? "Arrivée enregistrée" : "Départ enregistré");
      }
    } finally { btn.disabled = false; }
  });

  // « Invitation remise »: the card's code, read like reception reads it (case, spaces and dashes
  // ignored); an unknown code is refused by the server and kept aside with the other refusals.
  const CODE_ALPHABET = /^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}$/;
  document.addEventListener("submit", async (ev) => {
    const inviteForm = ev.target.closest("form[data-invite]");
    if (!inviteForm) return;
    ev.preventDefault();
    const card = inviteForm.closest("article.stop");
    const input = inviteForm.elements.code;
    const code = input.value.replace(/[\s-]/g, "").toUpperCase();
    if (!code) { toast("Saisissez le code de la carte, ou « Sans code »."); input.focus(); return; }
    if (!CODE_ALPHABET.test(code)) {
      toast("Code invalide : 6 caractères, sans 0, O, 1 ni I."); input.focus(); return;
    }
    await enqueue("invitation", parseInt(card.dataset.stop, 10), { code: code });
    input.value = "";
    toast("Invitation " + code + " remise");
  });

  // Export of what waits (last resort when sync keeps failing)
  $("#export").addEventListener("click", async () => {
    const payload = { exported_at: new Date().toISOString(), user: USER,
                      queue: mine(await allOf(QUEUE)), rejected: mine(await allOf(REJECTED)) };
    const blob = new Blob([JSON.stringify(payload, null, 2)], { type: "application/json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "dynamobile-file-attente-" + new Date().toISOString().slice(0, 16).replace(/[:T]/g, "-") + ".json";
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  });
  $("#sync-now").addEventListener("click", () => { attempt = 0; sync(); });

  // No logout while records wait: they would be stranded on this phone.
  const logout = $("#logout");
  if (logout) {
    logout.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      await refresh();
      if (pendingCount > 0) {
        toast(`Déconnexion impossible : ${pendingCount} enregistrement(s) en attente. Envoyez-les ou exportez-les d'abord.`);
        return;
      }
      if (window.caches) for (const key of await caches.keys()) if (/^(dynamobile|accueil)-/.test(key)) await caches.delete(key);
      localStorage.removeItem(LOG_KEY);
      logout.submit();
    });
  }

  window.addEventListener("online", () => { attempt = 0; sync(); });
  window.addEventListener("offline", () => { stopsChecked = false; refresh(); });
  document.addEventListener("visibilitychange", () => { if (!document.hidden && !timer) sync(); });
  // Safety net for missed "online" events: try again when nothing is scheduled.
  setInterval(() => {
    refresh();
    if (!timer && !syncing && pendingCount && navigator.onLine) sync();
    else if (!stopsChecked && !syncing && navigator.onLine) checkStops();
  }, 5000);

  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persisted().then((p) => p || navigator.storage.persist()).catch(() => {});
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(cfg.swUrl, { scope: cfg.swScope }).catch(() => {});
  }
  refresh().then(sync);
  window.dynamobile = { sync: sync, pending: () => pendingCount, queue: async () => mine(await allOf(QUEUE)),
                        rejected: async () => mine(await allOf(REJECTED)),
                        // for agent_extra.js (« À corriger », the team's totals)
                        page: { $: $, $$: $$, run: run, USER: USER, QUEUE: QUEUE, REJECTED: REJECTED, hooks: hooks,
                                uuid4: uuid4, noteLocally: noteLocally, refresh: refresh, setText: setText,
                                toast: toast, clock: clock, asObject: asObject, asList: asList, openForm: openForm } };
})();

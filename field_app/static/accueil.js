// Reception (« /accueil »): send the code without leaving the page, say the answer in the live
// region, then empty the field and keep the focus there for the next card. Without this script
// the form posts and the page comes back with the same answer.
// Offline, like the agent's phone: the code is kept on this device (localStorage) with the time
// it was typed, counted as waiting, and sent when the network is back; the page itself stays
// available offline after a reload (its own service worker, scope /accueil). Each code typed
// gets an id (``submission``) kept until its answer arrives: sent again after a lost answer, the
// server recognises it (« déjà enregistrée ») instead of « déjà utilisée ».
(function () {
  "use strict";
  const form = document.getElementById("accueil-form");
  const input = document.getElementById("accueil-code");
  const region = document.getElementById("accueil-resultat");
  const waitingEl = document.getElementById("accueil-attente");
  if (!form || !input || !region || !window.fetch) return;
  const cfg = form.dataset;
  const KEY = "dynamobile-accueil-" + (cfg.user || "");
  let busy = false, flushing = false;
  // Ready for the first card (``autofocus`` is ignored in some browsers and after a back step).
  if (!region.textContent.trim() || region.classList.contains("ok")) input.focus();

  function waiting() {
    try { const list = JSON.parse(localStorage.getItem(KEY)); return Array.isArray(list) ? list : []; } catch (e) { return []; }
  }
  function save(list) {
    if (list.length) localStorage.setItem(KEY, JSON.stringify(list)); else localStorage.removeItem(KEY);
    showWaiting();
  }
  function showWaiting() {
    if (!waitingEl) return;
    const n = waiting().length;
    const text = n ? `${n} code(s) en attente d'envoi : ils partiront au retour du réseau.` : "";
    if (waitingEl.textContent !== text) waitingEl.textContent = text;
  }
  function say(ok, text, items) {
    region.className = "accueil-result " + (ok ? "ok" : "err");
    region.textContent = "";
    const p = document.createElement("p");
    p.textContent = text;
    region.appendChild(p);
    if (items && items.length) {
      const ul = document.createElement("ul");
      items.forEach((item) => { const li = document.createElement("li"); li.textContent = item; ul.appendChild(li); });
      region.appendChild(ul);
    }
  }
  const clock = (iso) => new Date(iso).toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });

  function uuid4() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));  // plain-HTTP pages lack randomUUID
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  const entry = (code) => ({ id: uuid4(), code: code, at: new Date().toISOString() });
  // Entries kept by an older page have no id: they are told apart by time and code.
  const same = (a, b) => (a.id ? a.id === b.id : a.at === b.at && a.code === b.code);

  // A page reloaded offline carries the token of the day it was cached: ask for a fresh one.
  async function freshToken() {
    const res = await fetch(cfg.sessionUrl, { credentials: "same-origin", cache: "no-store" });
    if (res.status === 401) throw Object.assign(new Error("login"), { login: true });
    if (!res.ok) throw new Error("HTTP " + res.status);
    form.elements.csrf_token.value = (await res.json()).csrf_token;
  }

  // One POST; resolves to the answer {ok, message}, or throws (network, session, server error).
  async function send(item, retried) {
    const body = new FormData(form);
    body.set("code", item.code);
    body.set("entered_at", item.at);
    if (item.id) body.set("submission", item.id);
    const res = await fetch(form.action, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { Accept: "application/json" }, body: body,
    });
    if (res.status === 401 || res.redirected) throw Object.assign(new Error("login"), { login: true });
    if (res.status === 400 && !retried && cfg.sessionUrl) {  // most likely an expired token
      await freshToken();
      return send(item, true);
    }
    const answer = await res.json().catch(() => null);
    if (!res.ok || !answer) throw Object.assign(new Error("HTTP " + res.status), { answer: answer });
    return answer;
  }

  function keep(item) {
    if (!waiting().some((other) => same(other, item))) save(waiting().concat([item]));
    say(true, navigator.onLine
      ? `Pas de réponse du serveur : le code ${item.code} est gardé sur cet appareil et sera renvoyé.`
      : `Hors ligne : le code ${item.code} est gardé sur cet appareil et sera envoyé au retour du réseau.`);
    input.value = "";
  }

  // The codes typed offline, oldest first; stops at the first failure and tries again later.
  async function flush() {
    if (flushing || !navigator.onLine || !waiting().length) return;
    flushing = true;
    const answers = [];
    try {
      for (;;) {
        const item = waiting()[0];
        if (!item) break;
        let answer;
        try {
          answer = await send(item);
        } catch (err) {
          if (err.login) say(false, "Session expirée : reconnectez-vous pour envoyer les codes en attente.");
          break;
        }
        save(waiting().filter((other) => !same(other, item)));
        answers.push(`${item.code} (saisi à ${clock(item.at)}) : ${answer.message}`);
      }
    } finally {
      flushing = false;
      showWaiting();
    }
    if (answers.length) say(true, `${answers.length} code(s) saisi(s) hors ligne envoyé(s) :`, answers);
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (busy) return;
    const code = input.value.trim().slice(0, 20);
    if (!code) { say(false, "Saisissez le code de la carte."); input.focus(); return; }
    busy = true;
    const item = entry(code);
    try {
      if (!navigator.onLine) { keep(item); return; }
      const body = await send(item);
      say(body.ok, body.message);
      if (body.ok) input.value = "";
    } catch (err) {
      if (err.login) say(false, "Session expirée : reconnectez-vous.");
      else if (err.answer) say(false, err.answer.error || "Erreur : réessayez dans un instant.");
      else keep(item);  // no network, or the answer was lost: sent again later, same id
    } finally {
      busy = false;
      input.select();
      input.focus();
    }
    flush();
  });

  // Logging out forgets this page's offline copy (it names the user), like the agent's page.
  const logout = document.getElementById("logout");
  if (logout) {
    logout.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (window.caches) for (const key of await caches.keys()) if (/^(dynamobile|accueil)-/.test(key)) await caches.delete(key);
      logout.submit();
    });
  }
  if ("serviceWorker" in navigator && cfg.swUrl) {
    navigator.serviceWorker.register(cfg.swUrl, { scope: cfg.swScope }).catch(() => {});
  }

  window.addEventListener("online", flush);
  window.addEventListener("offline", showWaiting);
  setInterval(flush, 10000);  // in case the "online" event is missed
  showWaiting();
  flush();
})();

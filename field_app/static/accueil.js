// Reception (« /accueil »): send the code without leaving the page, say the answer in the live
// region, then empty the field and keep the focus there for the next card. Without this script
// the form posts and the page comes back with the same answer.
// Offline, like the agent's phone: the code is kept on this device (localStorage) with the time
// it was typed, counted as waiting, and sent when the network is back.
(function () {
  "use strict";
  const form = document.getElementById("accueil-form");
  const input = document.getElementById("accueil-code");
  const region = document.getElementById("accueil-resultat");
  const waitingEl = document.getElementById("accueil-attente");
  if (!form || !input || !region || !window.fetch) return;
  const KEY = "dynamobile-accueil-" + (form.dataset.user || "");
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

  // One POST; resolves to the answer {ok, message}, or throws (network, session, server error).
  async function send(code, enteredAt) {
    const body = new FormData(form);
    body.set("code", code);
    if (enteredAt) body.set("entered_at", enteredAt);
    const res = await fetch(form.action, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { Accept: "application/json" }, body: body,
    });
    if (res.status === 401 || res.redirected) throw Object.assign(new Error("login"), { login: true });
    const answer = await res.json().catch(() => null);
    if (!res.ok || !answer) throw Object.assign(new Error("HTTP " + res.status), { answer: answer });
    return answer;
  }

  function keep(code) {
    save(waiting().concat([{ code: code, at: new Date().toISOString() }]));
    say(true, `Hors ligne : le code ${code} est gardé sur cet appareil et sera envoyé au retour du réseau.`);
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
          answer = await send(item.code, item.at);
        } catch (err) {
          if (err.login) say(false, "Session expirée : reconnectez-vous pour envoyer les codes en attente.");
          break;
        }
        save(waiting().filter((other) => other.at !== item.at || other.code !== item.code));
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
    try {
      if (!navigator.onLine) { keep(code); return; }
      const body = await send(code);
      say(body.ok, body.message);
      if (body.ok) input.value = "";
    } catch (err) {
      if (err.login) say(false, "Session expirée : reconnectez-vous.");
      else if (err.answer) say(false, err.answer.error || "Erreur : réessayez dans un instant.");
      else keep(code);  // no network after all
    } finally {
      busy = false;
      input.select();
      input.focus();
    }
    flush();
  });

  window.addEventListener("online", flush);
  window.addEventListener("offline", showWaiting);
  setInterval(flush, 10000);  // in case the "online" event is missed
  showWaiting();
  flush();
})();

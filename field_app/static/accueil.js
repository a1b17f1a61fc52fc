// Reception (« /accueil »): send the code without leaving the page, say the answer in the live
// region, then empty the field and keep the focus there for the next card. Without this script
// the form posts and the page comes back with the same answer.
(function () {
  "use strict";
  const form = document.getElementById("accueil-form");
  const input = document.getElementById("accueil-code");
  const region = document.getElementById("accueil-resultat");
  if (!form || !input || !region || !window.fetch) return;
  let busy = false;
  // Ready for the first card (``autofocus`` is ignored in some browsers and after a back step).
  if (!region.textContent.trim() || region.classList.contains("ok")) input.focus();
  function say(ok, text) {
    region.className = "accueil-result " + (ok ? "ok" : "err");
    region.textContent = "";
    const p = document.createElement("p");
    p.textContent = text;
    region.appendChild(p);
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (busy) return;
    busy = true;
    try {
      const res = await fetch(form.action, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { Accept: "application/json" }, body: new FormData(form),
      });
      if (res.status === 401 || res.redirected) { say(false, "Session expirée : reconnectez-vous."); return; }
      const body = await res.json().catch(() => null);
      if (!res.ok || !body) { say(false, (body && body.error) || "Erreur : réessayez dans un instant."); return; }
      say(body.ok, body.message);
      if (body.ok) input.value = "";
    } catch (err) {
      say(false, "Pas de connexion : le code n'est pas enregistré. Réessayez quand le réseau revient.");
    } finally {
      busy = false;
      input.select();
      input.focus();
    }
  });
})();

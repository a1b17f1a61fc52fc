// « Planifier »: start a planning job through /api/plan-jobs, follow it every second, cancel,
// retry, then publish (a plain form) or download its plan.json. No framework.
(function () {
  "use strict";
  const cfg = document.body.dataset;
  const $ = (sel) => document.querySelector(sel);
  const STAGES = {
    streets: "Chargement des rues",
    matrices: "Temps de trajet",
    optimisation: "Optimisation",
    done: "Terminé",
  };
  const ACTIVE = ["queued", "running", "cancelling"];
  let csrf = $('meta[name="csrf-token"]').content;
  let jobId = cfg.jobId ? parseInt(cfg.jobId, 10) : null;
  let timer = null;
  let lastAnnounced = "";
  // The job whose review the server rendered (if any); another job's plan needs the page again.
  const review = $("#plan-review");
  const reviewed = review ? parseInt(review.dataset.jobId, 10) : null;
  let sawActive = false;

  async function freshToken() {
    const res = await fetch(cfg.sessionUrl, { credentials: "same-origin", cache: "no-store" });
    if (res.ok) csrf = (await res.json()).csrf_token;
  }

  async function call(method, url, body) {
    await freshToken();
    const options = {
      method: method,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const res = await fetch(url, options);
    let data = {};
    try { data = await res.json(); } catch (e) { /* not JSON: keep {} */ }
    return { status: res.status, data: data };
  }

  function setText(sel, value) {
    const el = $(sel);
    if (el.textContent !== value) el.textContent = value;
  }

  function seconds(value) {
    return value === null || value === undefined ? "—" : String(Math.round(value));
  }

  function show(job) {
    if (ACTIVE.indexOf(job.state) >= 0) sawActive = true;
    else if (job.has_plan && job.id !== reviewed && sawActive) {
      // Finished while watched: the page renders its review (tours, changes, map). Nothing
      // else changes here meanwhile, so the result's buttons appear only on the new page.
      window.location.assign(cfg.pageUrl.replace(/\/0$/, "/" + job.id));
      return false;
    }
    $("#plan-job").hidden = false;
    setText("#job-id", String(job.id));
    // The live region changes only with the state or stage, not every second.
    if (job.message !== lastAnnounced) {
      lastAnnounced = job.message;
      setText("#job-status", job.message);
    }
    $("#job-progress").value = job.progress || 0;
    setText("#job-stage", STAGES[job.stage] || (job.state === "queued" ? "En attente" : "—"));
    setText("#job-elapsed", seconds(job.elapsed_s));
    setText("#job-remaining", seconds(job.remaining_s));
    setText("#job-visits", job.visits === null || job.visits === undefined ? "—" : String(job.visits));
    setText("#job-wanted", job.visits_wanted ? " sur " + job.visits_wanted : "");
    setText("#job-priority", job.priority_share === null || job.priority_share === undefined
      ? "—" : Math.round(job.priority_share * 100) + " %");
    const active = ACTIVE.indexOf(job.state) >= 0;
    $("#job-cancel").hidden = !active || job.state === "cancelling";
    $("#job-retry").hidden = ["failed", "cancelled"].indexOf(job.state) < 0;
    $("#plan-start").disabled = active;
    if (review) review.hidden = job.id !== reviewed;
    const result = $("#job-result");
    result.hidden = !job.has_plan;
    if (job.has_plan) {
      $("#publish-form").action = cfg.publishUrl.replace(/\/0\/publier$/, "/" + job.id + "/publier");
      $("#job-download").href = cfg.jobsUrl + "/" + job.id + "/plan?download=1";
    }
    return active;
  }

  async function poll() {
    timer = null;
    if (jobId === null) return;
    try {
      const res = await fetch(cfg.jobsUrl + "/" + jobId, { credentials: "same-origin", cache: "no-store" });
      if (res.ok) {
        if (!show(await res.json())) return;
      }
    } catch (e) { /* network hiccup: try again */ }
    timer = setTimeout(poll, 1000);
  }

  function follow(id) {
    jobId = id;
    lastAnnounced = "";
    if (timer) clearTimeout(timer);
    poll();
  }

  function clearErrors() {
    document.querySelectorAll("[data-error-for]").forEach(function (el) {
      el.textContent = "";
      const input = document.querySelector('[name="' + el.dataset.errorFor + '"]');
      if (input) input.removeAttribute("aria-invalid");
    });
    setText("#plan-error", "");
  }

  $("#plan-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    clearErrors();
    const form = event.target;
    const body = { from: form.from.value, days: form.days.value, seconds: form.seconds.value };
    try {
      const res = await call("POST", cfg.jobsUrl, body);
      if (res.status === 202) {
        follow(res.data.id);
        return;
      }
      const fields = res.data.fields || {};
      let first = null;
      Object.keys(fields).forEach(function (name) {
        const el = document.querySelector('[data-error-for="' + name + '"]');
        const input = form.elements[name];
        if (el) el.textContent = fields[name];
        if (input) {
          input.setAttribute("aria-invalid", "true");
          first = first || input;
        }
      });
      if (first) first.focus();
      else setText("#plan-error", res.data.error || "Le calcul n'a pas pu être lancé.");
    } catch (e) {
      setText("#plan-error", "Serveur injoignable : vérifiez la connexion et réessayez.");
    }
  });

  $("#job-cancel").addEventListener("click", async function () {
    if (jobId === null) return;
    const res = await call("DELETE", cfg.jobsUrl + "/" + jobId);
    if (res.status === 200) show(res.data);
    if (!timer) poll();
  });

  $("#job-retry").addEventListener("click", async function () {
    if (jobId === null) return;
    const res = await call("POST", cfg.jobsUrl + "/" + jobId + "/retry");
    if (res.status === 202) follow(res.data.id);
    else setText("#plan-error", res.data.error || "Le calcul n'a pas pu être relancé.");
  });

  // Hand edits of an opening time: the server checks the plan at once; saved only if feasible.
  document.querySelectorAll("input.edit-start").forEach(function (input) {
    const cell = input.closest("td");
    const out = cell.querySelector(".edit-feedback");
    const save = cell.querySelector(".save-start");
    const url = cfg.pageUrl.replace(/\/0$/, "/" + reviewed + "/horaire");
    async function send(keep) {
      const body = {
        tour: parseInt(input.dataset.tour, 10),
        stop: parseInt(input.dataset.stop, 10),
        start: input.value,
        save: keep,
      };
      try {
        const res = await call("POST", url, body);
        if (res.status !== 200) {
          out.textContent = res.data.error || "Vérification impossible pour l'instant.";
          save.hidden = true;
          return;
        }
        if (res.data.saved) {
          window.location.reload();
          return;
        }
        const problems = res.data.problems || [];
        out.textContent = problems.length ? "Impossible : " + problems.join(" ; ") : "Possible.";
        input.setAttribute("aria-invalid", problems.length ? "true" : "false");
        save.hidden = problems.length > 0 || input.value === input.defaultValue;
      } catch (e) {
        out.textContent = "Serveur injoignable : vérifiez la connexion et réessayez.";
      }
    }
    input.addEventListener("change", function () { send(false); });
    save.addEventListener("click", function () { send(true); });
  });

  if (jobId !== null) poll();
})();

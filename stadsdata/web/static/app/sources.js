// "Sources" (administrators): the sources the platform fetches from, with their status, run now,
// pause and resume; and a form to add one (its config checked and its connection tried by the
// server before it is saved). All through /api/v1/sources and /api/v1/source-kinds as the visitor.
"use strict";
(async () => {
  const body = document.querySelector("#source-list tbody");
  const form = document.getElementById("add-source");
  const kindSelect = document.getElementById("source-kind");
  let kinds = [];

  function lag(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    if (seconds < 120) return `${seconds} s`;
    if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
    if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
    return `${Math.round(seconds / 86400)} d`;
  }

  function lastRun(run) {
    if (!run) return "–";
    const counts = SD.t("sources.runcounts", { read: run.itemsRead, stored: run.itemsStored, duplicate: run.itemsDuplicate, quarantined: run.itemsQuarantined });
    return `${SD.t(`sources.status.${run.status}`)} · ${SD.time(run.startedAt)} · ${counts}`;
  }

  function problems(status) {
    const out = [];
    if (status.lastError) out.push(status.lastError);
    if (status.quarantinedHeld) out.push(SD.t("sources.quarantined", { n: status.quarantinedHeld }));
    return out.join(" · ") || "–";
  }

  async function act(source, change) {
    try {
      if (change === "run") {
        await SD.api(`/api/v1/sources/${source.name}/run`, { method: "POST" });
        SD.status(SD.t("sources.requested", { name: source.name }));
      } else {
        await SD.api(`/api/v1/sources/${source.name}`, { method: "PATCH", body: { state: change } });
      }
      await list();
    } catch (error) {
      SD.status(error.message, true);
    }
  }

  function row(source) {
    const s = source.status;
    const state = s.running ? SD.t("sources.running") : SD.t(`sources.state.${source.state}`);
    const toggle = source.state === "active" ? "paused" : "active";
    return SD.el("tr", { "data-source": source.name, "data-state": source.state },
      SD.el("td", {}, SD.el("strong", { text: source.title || source.name }), SD.el("br"), SD.el("code", { text: source.name })),
      SD.el("td", { text: source.kind }),
      SD.el("td", { text: state }),
      SD.el("td", { text: SD.time(s.lastSuccessAt) }),
      SD.el("td", { text: lag(s.lagSeconds) }),
      SD.el("td", { class: "run", text: lastRun(s.lastRun) }),
      SD.el("td", { class: s.lastError ? "error" : "", text: problems(s) }),
      SD.el("td", { text: SD.time(s.nextRunAt) }),
      SD.el("td", {},
        SD.el("button", { type: "button", "data-action": "run", onclick: () => act(source, "run") }, SD.t("sources.run")),
        " ",
        SD.el("button", { type: "button", "data-action": toggle, onclick: () => act(source, toggle) },
          SD.t(toggle === "paused" ? "sources.pause" : "sources.resume"))));
  }

  async function list() {
    const sources = (await SD.api("/api/v1/sources?limit=500"))._embedded.sources;
    body.replaceChildren(...sources.map(row));
    if (!sources.length) body.append(SD.el("tr", {}, SD.el("td", { colspan: "9", text: SD.t("sources.none") })));
  }

  function showKind() {
    const kind = kinds.find((k) => k.name === kindSelect.value);
    if (!kind) return;
    document.getElementById("source-file-field").hidden = kind.name !== "file";
    document.getElementById("source-kind-description").textContent = kind.description;
    document.getElementById("source-schema").textContent = JSON.stringify(kind.configSchema, null, 2);
  }

  // The file of a `file` source, kept on the server (POST /api/v1/source-files): its path goes in the config.
  async function upload(file) {
    const response = await fetch(`${SD.root}/api/v1/source-files?name=${encodeURIComponent(file.name)}`, {
      method: "POST", body: file, credentials: "same-origin",
      headers: { "Content-Type": "application/octet-stream", "X-Requested-With": "stadsdata", Accept: "application/json" },
    });
    const data = await response.json();
    if (!response.ok) throw new SD.ApiError(response.status, data);
    return data;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const source = { name: data.get("name"), kind: data.get("kind") };
    if (data.get("title")) source.title = data.get("title");
    if (data.get("dataset")) source.dataset = data.get("dataset");
    try {
      source.config = JSON.parse(data.get("config") || "{}");
      if (data.get("schedule")) source.schedule = JSON.parse(data.get("schedule"));
    } catch (error) {
      SD.status(`JSON: ${error.message}`, true);
      return;
    }
    try {
      const file = document.getElementById("source-file").files[0];
      if (source.kind === "file" && file) source.config.path = (await upload(file)).path;
      const made = await SD.api("/api/v1/sources", { method: "POST", body: source });
      SD.status(SD.t("sources.saved", { name: made.name, test: made.connectionTest || "–" }));
      form.reset();
      await list();
    } catch (error) {
      const field = error.problem && error.problem.field ? `${error.problem.field}: ` : "";
      SD.status(`${field}${error.message}`, true);
    }
  });

  try {
    kinds = (await SD.api("/api/v1/source-kinds"))._embedded.sourceKinds.filter((k) => k.pull);
    kindSelect.replaceChildren(...kinds.map((k) => SD.el("option", { value: k.name, text: `${k.title} (${k.name})` })));
    kindSelect.addEventListener("change", showKind);
    showKind();
    await list();
    setInterval(() => list().catch(() => {}), 10000);
    document.body.dataset.sourcesReady = "true";
  } catch (error) {
    SD.status(SD.t("error.load", { detail: error.message }), true);
  }
})();

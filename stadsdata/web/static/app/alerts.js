// Alerts (signed in): the alerts of the visitor's rules, newest first, by state, with their delivery
// per channel, to acknowledge and resolve; the visitor's rules, to switch on or off and delete; and
// a form to create a rule, with the fields of the chosen kind only. All as the visitor:
// GET /api/v1/alerts?state=, POST /api/v1/alerts/{id}/acknowledge|resolve, GET|POST /api/v1/alert-rules,
// PUT|DELETE /api/v1/alert-rules/{id}; the streams' names and Things from /v1.1/Datastreams({id}).
"use strict";
(() => {
  const REFRESH_MS = 15000;
  const alertBody = document.querySelector("#alert-list tbody");
  const ruleBody = document.querySelector("#rule-list tbody");
  const stateSelect = document.getElementById("alert-state");
  const form = document.getElementById("rule-form");
  const kindSelect = document.getElementById("rule-kind");
  let rules = new Map(); // id -> rule
  const streams = new Map(); // datastream id -> Promise of {name, unit, thingId} (null: not readable)
  const names = new Map(); // "ObservedProperties(3)" / "datasets/5" -> Promise of a name (null: unknown)

  const problemText = (error) => {
    const field = error.problem && error.problem.field ? `${error.problem.field}: ` : "";
    return `${field}${error.message}`;
  };
  const empty = (body, columns, key) => body.append(SD.el("tr", {}, SD.el("td", { colspan: String(columns), class: "empty", text: SD.t(key) })));

  function stream(id) {
    if (!streams.has(id)) {
      const query = `/v1.1/Datastreams(${id})?$select=id,name,unitOfMeasurement&$expand=Thing($select=id,name)`;
      streams.set(id, SD.api(query).then(
        (d) => ({ name: d.name, unit: SD.unit(d), thingId: d.Thing ? d.Thing["@iot.id"] : null, thing: d.Thing ? d.Thing.name : "" }),
        () => null));
    }
    return streams.get(id);
  }

  function named(path, pick) {
    if (!names.has(path)) names.set(path, SD.api(path).then(pick, () => null));
    return names.get(path);
  }

  // A rule's target as text (and a link for a Datastream): "Datastream 12 · NO2 · Box 4".
  async function target(rule) {
    if (rule.datastreamId !== undefined) {
      const d = await stream(rule.datastreamId);
      const text = `${SD.t("alerts.target.datastreamId")} ${rule.datastreamId}${d ? ` · ${d.name}` : ""}`;
      return d && d.thingId !== null ? SD.el("a", { href: `${SD.root}/sensors/${d.thingId}`, text }) : text;
    }
    if (rule.observedPropertyId !== undefined) {
      const name = await named(`/v1.1/ObservedProperties(${rule.observedPropertyId})?$select=name`, (p) => p.name);
      return `${SD.t("alerts.target.observedPropertyId")} ${rule.observedPropertyId}${name ? ` · ${name}` : ""}`;
    }
    if (rule.datasetId !== undefined) {
      const name = await named(`/api/v1/datasets/${rule.datasetId}`, (d) => d.title || d.name);
      return `${SD.t("alerts.target.datasetId")} ${rule.datasetId}${name ? ` · ${name}` : ""}`;
    }
    return "–";
  }

  // A rule's condition in words, from its params (the kinds' own fields; delivery left out).
  function condition(rule) {
    const p = rule.params || {};
    const seconds = (s) => { // in the largest whole unit: 3600 → 1 h
      for (const [size, unit] of [[86400, "d"], [3600, "h"], [60, "min"]]) if (s >= size && s % size === 0) return `${SD.number(s / size)} ${unit}`;
      return SD.t("alerts.seconds", { n: SD.number(s) });
    };
    switch (rule.kind) {
      case "threshold": {
        let text = `${SD.t(`alerts.p.operator.${p.operator}`)} ${SD.number(p.value)}`;
        if (p.hysteresis) text += ` · ${SD.t("alerts.p.hysteresis")} ${SD.number(p.hysteresis)}`;
        if (p.minDurationSeconds) text += ` · ≥ ${seconds(p.minDurationSeconds)}`;
        return text;
      }
      case "rate_of_change":
        return `${SD.t(`alerts.p.direction.${p.direction || "either"}`)} > ${SD.number(p.maxChange)} / ${seconds(p.perSeconds || 3600)}`;
      case "stuck":
        return `≥ ${seconds(p.minDurationSeconds)}${p.tolerance ? ` · ± ${SD.number(p.tolerance)}` : ""}`;
      case "stale":
        return `> ${seconds(p.maxAgeSeconds)}`;
      case "air_quality":
        return `${p.pollutant} · ${SD.t(`alerts.p.standard.${p.standard || "eu-2008"}`)}`;
      case "data_quality": {
        const range = [p.min !== undefined ? `min ${SD.number(p.min)}` : null, p.max !== undefined ? `max ${SD.number(p.max)}` : null];
        return [SD.t(`alerts.p.check.${p.check}`), ...range.filter(Boolean)].join(" · ");
      }
      default:
        return JSON.stringify(p);
    }
  }

  function channels(rule) {
    const p = (rule && rule.params) || {};
    return [p.webhook ? "webhook" : null, p.mqtt ? "mqtt" : null, p.email ? "email" : null].filter(Boolean);
  }

  // Delivery per channel: delivered (when), failing (the error, the attempt, the next try), gave up,
  // or waiting (a channel of the rule without an attempt yet).
  function delivery(alert) {
    const records = alert.delivery || {};
    const shown = [...new Set([...channels(rules.get(alert.ruleId)), ...Object.keys(records)])];
    if (!shown.length) return SD.el("span", { class: "muted", text: "–" });
    const list = SD.el("ul", { class: "delivery" });
    for (const channel of shown) {
      const r = records[channel];
      const label = SD.t(`alerts.channel.${channel}`);
      let item;
      if (!r) {
        item = SD.el("li", { "data-channel": channel, "data-delivery": "waiting", text: `${label}: ${SD.t("alerts.delivery.waiting")}` });
      } else if (r.deliveredAt) {
        item = SD.el("li", { "data-channel": channel, "data-delivery": "delivered",
          text: `${label}: ${SD.t("alerts.delivery.delivered", { time: SD.time(r.deliveredAt) })}` });
      } else {
        const next = r.nextTry ? SD.t("alerts.delivery.nextTry", { time: SD.time(r.nextTry) }) : SD.t("alerts.delivery.gaveUp");
        item = SD.el("li", { "data-channel": channel, "data-delivery": r.nextTry ? "failing" : "failed", class: "error" },
          `${label}: ${SD.t("alerts.delivery.failing", { n: r.attempts })} — `, SD.el("code", { text: r.error || "?" }), ` · ${next}`);
      }
      list.append(item);
    }
    return list;
  }

  function stateCell(alert) {
    const who = alert.state === "acknowledged" ? alert.acknowledgedBy : alert.state === "resolved" ? alert.resolvedBy : null;
    const when = alert.state === "acknowledged" ? alert.acknowledgedAt : alert.state === "resolved" ? alert.resolvedAt : null;
    return SD.el("td", { class: "state" },
      SD.el("span", { class: `badge ${alert.state}`, text: SD.t(`alerts.state.${alert.state}`) }),
      who ? SD.el("small", { text: ` ${SD.t("alerts.by", { who: who.replace(/^user:/, ""), time: SD.time(when) })}` }) : null);
  }

  async function move(alert, to, button) {
    button.disabled = true;
    try {
      const changed = await SD.api(`/api/v1/alerts/${alert.id}/${to}`, { method: "POST" });
      const row = alertBody.querySelector(`tr[data-alert="${alert.id}"]`);
      if (row) row.replaceWith(await alertRow(changed));
      SD.status(SD.t(`alerts.done.${to}`, { id: alert.id }));
    } catch (error) {
      button.disabled = false;
      SD.status(problemText(error), true);
    }
  }

  async function alertRow(alert) {
    const rule = rules.get(alert.ruleId);
    const d = await stream(alert.datastreamId);
    // the stream's name, and its Thing's when the name does not say it
    const streamText = d ? `${d.name}${d.thing && !d.name.includes(d.thing) ? ` · ${d.thing}` : ""}` : `${SD.t("alerts.target.datastreamId")} ${alert.datastreamId}`;
    const streamCell = d && d.thingId !== null
      ? SD.el("a", { href: `${SD.root}/sensors/${d.thingId}`, text: streamText }) : streamText;
    const actions = SD.el("td", { class: "actions" });
    if (alert.state === "open") {
      const ack = SD.el("button", { type: "button", "data-action": "acknowledge" }, SD.t("alerts.acknowledge"));
      ack.addEventListener("click", () => move(alert, "acknowledge", ack));
      actions.append(ack, " ");
    }
    if (alert.state !== "resolved") {
      const resolve = SD.el("button", { type: "button", "data-action": "resolve", class: "secondary" }, SD.t("alerts.resolve"));
      resolve.addEventListener("click", () => move(alert, "resolve", resolve));
      actions.append(resolve);
    }
    return SD.el("tr", { "data-alert": alert.id, "data-rule-of": alert.ruleId, "data-state": alert.state, "data-late": String(alert.late) },
      SD.el("td", { class: "when" }, SD.time(alert.phenomenonTime),
        alert.late ? SD.el("span", { class: "badge late", title: SD.t("alerts.lateNote"), text: SD.t("alerts.late") }) : null,
        SD.el("br"), SD.el("small", { text: SD.t("alerts.opened", { time: SD.time(alert.openedAt) }) })),
      SD.el("td", { text: rule ? rule.name : `#${alert.ruleId}`, title: alert.message }), // the message: the evaluator's, in English
      SD.el("td", {}, streamCell),
      SD.el("td", { class: "number", text: `${SD.number(alert.value)}${d && d.unit ? ` ${d.unit}` : ""}` }),
      stateCell(alert),
      SD.el("td", {}, delivery(alert)),
      actions);
  }

  async function ruleRow(rule) {
    const toggle = SD.el("button", { type: "button", "data-action": rule.active ? "deactivate" : "activate", class: "secondary" },
      SD.t(rule.active ? "alerts.deactivate" : "alerts.activate"));
    toggle.addEventListener("click", () => change(rule, { active: !rule.active }));
    const remove = SD.el("button", { type: "button", "data-action": "delete", class: "danger" }, SD.t("alerts.delete"));
    remove.addEventListener("click", () => drop(rule));
    const shown = channels(rule).map((c) => SD.t(`alerts.channel.${c}`)).join(", ") || "–";
    return SD.el("tr", { "data-rule": rule.id, "data-active": String(rule.active) },
      SD.el("td", { text: rule.name }),
      SD.el("td", { text: SD.t(`alerts.kind.${rule.kind}`) }),
      SD.el("td", {}, await target(rule)),
      SD.el("td", { text: condition(rule) }),
      SD.el("td", { text: shown }),
      SD.el("td", {}, SD.el("span", { class: `badge ${rule.active ? "on" : "off"}`, text: SD.t(rule.active ? "alerts.on" : "alerts.off") })),
      SD.el("td", { class: "actions" }, toggle, " ", remove));
  }

  async function change(rule, body) {
    try {
      const changed = await SD.api(`/api/v1/alert-rules/${rule.id}`, { method: "PUT", body });
      rules.set(changed.id, changed);
      const row = ruleBody.querySelector(`tr[data-rule="${rule.id}"]`);
      if (row) row.replaceWith(await ruleRow(changed));
      SD.status(SD.t(changed.active ? "alerts.activated" : "alerts.deactivated", { name: changed.name }));
    } catch (error) {
      SD.status(problemText(error), true);
    }
  }

  async function drop(rule) {
    if (!window.confirm(SD.t("alerts.confirmDelete", { name: rule.name }))) return;
    try {
      await SD.api(`/api/v1/alert-rules/${rule.id}`, { method: "DELETE" });
      SD.status(SD.t("alerts.deleted", { name: rule.name }));
      await loadRules();
    } catch (error) {
      SD.status(problemText(error), true);
    }
  }

  async function loadRules() {
    const listed = (await SD.api("/api/v1/alert-rules"))._embedded.alertRules;
    listed.sort((a, b) => b.id - a.id);
    rules = new Map(listed.map((r) => [r.id, r]));
    ruleBody.replaceChildren(...(await Promise.all(listed.map(ruleRow))));
    if (!listed.length) empty(ruleBody, 7, "alerts.noRules");
  }

  async function loadAlerts() {
    const state = stateSelect.value;
    const listed = (await SD.api(`/api/v1/alerts${state ? `?state=${state}` : ""}`))._embedded.alerts;
    if (listed.some((a) => !rules.has(a.ruleId))) await loadRules(); // a rule made elsewhere since
    const rows = await Promise.all(listed.map(alertRow));
    if (stateSelect.value !== state) return; // the filter changed meanwhile: that answer is shown
    alertBody.replaceChildren(...rows);
    if (!listed.length) empty(alertBody, 7, "alerts.noAlerts");
    document.body.dataset.alertsState = state || "all";
  }

  async function refresh() {
    document.body.dataset.alertsReady = "false";
    try {
      await loadRules();
      await loadAlerts();
      SD.status("");
      document.body.dataset.alertsReady = "true";
    } catch (error) {
      SD.status(SD.t("error.load", { detail: problemText(error) }), true);
      document.body.dataset.alertsReady = "error";
    }
  }

  // -- the form: the target's choices, and only the chosen kind's fields take part (the others are
  // disabled and hidden) --------------------------------------------------------------------------
  const choices = new Map(); // target kind -> Promise of [id, name] the visitor may read
  function targets(kind) {
    if (!choices.has(kind)) {
      const pairs = (list) => list.map((x) => [x["@iot.id"], x.name]);
      const load = kind === "datastreamId" ? SD.staAll("/v1.1/Datastreams?$select=id,name&$orderby=id&$top=1000").then(pairs)
        : kind === "observedPropertyId" ? SD.staAll("/v1.1/ObservedProperties?$select=id,name&$orderby=id&$top=1000").then(pairs)
          : SD.api("/api/v1/datasets?limit=1000").then((answer) => answer._embedded.datasets.map((d) => [d.id, d.title || d.name]));
      choices.set(kind, load.catch(() => []));
    }
    return choices.get(kind);
  }
  async function showTargets() {
    const kind = form.elements.targetKind.value;
    const list = await targets(kind);
    if (form.elements.targetKind.value !== kind) return;
    document.getElementById("rule-target-options").replaceChildren(...list.map(([id, name]) => SD.el("option", { value: String(id), label: name })));
  }

  function showKind() {
    for (const set of form.querySelectorAll("fieldset.params")) {
      const chosen = set.dataset.kind === kindSelect.value;
      set.hidden = !chosen;
      set.disabled = !chosen;
    }
    showCheck();
  }
  function showCheck() {
    const range = form.querySelector("[data-check=out_of_range]");
    const on = kindSelect.value === "data_quality" && document.getElementById("p-quality-check").value === "out_of_range";
    range.hidden = !on;
    for (const input of range.querySelectorAll("input")) input.disabled = !on;
  }

  // The params of the chosen kind, from its enabled fields (numbers as numbers; an empty optional
  // field left out, for the server's default); with the delivery channels.
  function params() {
    const set = form.querySelector(`fieldset.params[data-kind="${kindSelect.value}"]`);
    const out = {};
    for (const field of set.querySelectorAll("[data-param]")) {
      if (field.disabled || field.value === "") continue;
      out[field.dataset.param] = field.type === "number" ? Number(field.value) : field.value;
    }
    const url = form.elements.webhookUrl.value.trim();
    if (url) out.webhook = { url, secret: form.elements.webhookSecret.value };
    if (form.elements.mqtt.checked) out.mqtt = true;
    const email = form.elements.email.value.trim();
    if (email) out.email = email;
    return out;
  }

  // What the browser's own checks cannot say: > 0, a range with at least one end, a webhook's secret.
  function check() {
    for (const input of form.querySelectorAll("input")) input.setCustomValidity("");
    for (const input of form.querySelectorAll("input[data-positive]:enabled")) {
      if (input.value !== "" && Number(input.value) <= 0) input.setCustomValidity(SD.t("alerts.p.positive"));
    }
    const min = document.getElementById("p-quality-min");
    if (min.matches(":enabled") && min.value === "" && document.getElementById("p-quality-max").value === "") {
      min.setCustomValidity(SD.t("alerts.p.rangeHint"));
    }
    const secret = form.elements.webhookSecret;
    if (form.elements.webhookUrl.value.trim() && secret.value.length < 16) secret.setCustomValidity(SD.t("alerts.webhookSecretHint"));
    return form.reportValidity();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!check()) return;
    const body = { name: form.elements.name.value.trim(), kind: kindSelect.value, params: params() };
    body[form.elements.targetKind.value] = Number(form.elements.targetId.value);
    try {
      const made = await SD.api("/api/v1/alert-rules", { method: "POST", body });
      form.reset();
      showKind();
      showTargets();
      await loadRules();
      SD.status(SD.t("alerts.created", { name: made.name }));
    } catch (error) {
      SD.status(problemText(error), true);
    }
  });
  form.addEventListener("input", (event) => event.target.setCustomValidity(""));
  kindSelect.addEventListener("change", showKind);
  form.elements.targetKind.addEventListener("change", showTargets);
  document.getElementById("p-quality-check").addEventListener("change", showCheck);
  document.getElementById("alert-filter").addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
  stateSelect.addEventListener("change", () => { loadAlerts().catch((error) => SD.status(problemText(error), true)); });

  showKind();
  showTargets();
  refresh();
  setInterval(() => { if (!document.hidden) loadAlerts().catch(() => {}); }, REFRESH_MS);
})();

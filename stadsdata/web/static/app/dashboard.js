// A dashboard: its JSON document (config.dashboard, from /api/v1/dashboards/{slug}) drawn as
// KPI tiles, charts and map panels, each from public API calls made as the visitor. Admins
// edit the document here (PUT /api/v1/dashboards/{slug}).
"use strict";
(() => {
  const container = document.getElementById("panels");
  let doc = SD.config.dashboard;

  function streamsOf(property) {
    const filter = encodeURIComponent(`ObservedProperty/name eq '${property.replace(/'/g, "''")}'`);
    return SD.staAll(`/v1.1/Datastreams?$top=10000&$filter=${filter}&$select=id,name,unitOfMeasurement`);
  }

  // The latest value of each Datastream of a property, with its Thing: /api/v1/latest-values.
  async function latestOf(property) {
    const collection = await SD.api(`/api/v1/latest-values?observedProperty=${encodeURIComponent(property)}`);
    return collection.features.flatMap((f) => f.properties.datastreams.map((d) => ({ ...d, thing: f })));
  }

  async function kpi(panel, box) {
    const streams = await latestOf(panel.observedProperty);
    const values = streams.filter((d) => d.phenomenonTime && typeof d.result === "number").map((d) => d.result);
    const stats = {
      mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
      min: values.length ? Math.min(...values) : null,
      max: values.length ? Math.max(...values) : null,
      sum: values.reduce((a, b) => a + b, 0),
      count: statistic(panel) === "count" ? streams.length : values.length,
    };
    const unit = statistic(panel) === "count" ? "" : SD.unit(streams[0]);
    box.append(
      SD.el("p", { class: "kpi-value", text: `${SD.number(stats[statistic(panel)])} ${unit}`.trim() }),
      SD.el("p", { class: "kpi-note", text: `${SD.t(`kpi.${statistic(panel)}`)} ${SD.t("kpi.sensors", { n: streams.length })}` }),
    );
  }
  function statistic(panel) { return panel.statistic || "mean"; }

  async function chart(panel, box) {
    let ids = panel.datastreams || [];
    let streams;
    if (!ids.length && panel.observedProperty) {
      streams = (await streamsOf(panel.observedProperty)).slice(0, panel.limit || 5);
      ids = streams.map((d) => d["@iot.id"]);
    }
    const to = new Date();
    const from = new Date(to.getTime() - (panel.days || 7) * 86400000);
    const list = [];
    for (const id of ids) {
      try {
        const series = await SD.api(Charts.seriesUrl(id, from, to, null, null, 2 * Math.max(box.clientWidth, 300)));
        series.label = series.datastream.name;
        list.push(series);
      } catch (error) {
        if (error.status !== 404) throw error; // a stream the visitor may not read is left out
      }
    }
    const target = SD.el("div", { class: "chart", role: "img", "aria-label": SD.title(panel.title) });
    box.append(target);
    if (!list.some((s) => s.columns.time.length)) {
      target.append(SD.el("p", { text: SD.t("sensor.nodata") }));
      return;
    }
    Charts.draw(target, list, { height: 260 });
  }

  async function mapPanel(panel, box) {
    const streams = await latestOf(panel.observedProperty);
    const target = SD.el("div", { class: "map small", role: "region", "aria-label": SD.title(panel.title) });
    box.append(target);
    const map = L.map(target, { preferCanvas: true, maxZoom: 19 });
    SD.background(map);
    const values = streams.map((d) => (d.phenomenonTime ? d.result : null));
    const scale = Scales.scaleFor(panel.observedProperty, values);
    const points = [];
    streams.forEach((d, i) => {
      const at = SD.position({ Locations: [{ location: d.thing.geometry }] });
      if (!at) return;
      points.push(at);
      const name = d.thing.properties.name;
      L.circleMarker(at, { radius: 7, weight: 1.5, color: "#222", fillColor: scale.colour(values[i]), fillOpacity: 0.9 })
        .bindPopup(() => `<strong>${SD.el("span", { text: name }).innerHTML}</strong><br>${SD.number(values[i])} ${SD.unit(d)}<br><a href="${SD.root}/sensors/${d.thing.id}">${SD.t("map.open")}</a>`)
        .addTo(map);
    });
    target.dataset.markers = String(points.length);
    if (points.length) map.fitBounds(L.latLngBounds(points), { padding: [15, 15], maxZoom: 15 });
    else map.setView([52.1, 5.3], 8);
  }

  // A number from an analysis: one field (a dotted path; `.length` counts a list) of what an /api/v1
  // endpoint answers the visitor (a POST when the panel has a body), linked to the analysis' page.
  async function analysis(panel, box) {
    const answer = await SD.api(panel.path, panel.body ? { method: "POST", body: panel.body } : {});
    const value = panel.field.split(".").reduce((at, key) => (at === null || at === undefined ? at : at[key]), answer);
    box.append(SD.el("p", { class: "kpi-value", text: `${SD.number(value)} ${panel.unit || ""}`.trim() }));
    if (panel.link) box.append(SD.el("p", { class: "kpi-note" }, SD.el("a", { href: SD.root + panel.link, text: SD.t("dashboard.analysis") })));
  }

  const DRAW = { kpi, chart, map: mapPanel, analysis };

  async function render() {
    document.getElementById("dashboard-title").textContent = SD.title(doc.title);
    container.replaceChildren();
    document.body.dataset.dashboardReady = "loading";
    const jobs = doc.panels.map((panel) => {
      const box = SD.el("section", { class: `card panel-${panel.type}` }, SD.el("h2", { text: SD.title(panel.title) }));
      container.append(box);
      return DRAW[panel.type](panel, box).catch((error) => box.append(SD.el("p", { class: "error", text: SD.t("error.load", { detail: error.message }) })));
    });
    await Promise.all(jobs);
    document.body.dataset.dashboardReady = "true";
  }

  const editor = document.getElementById("document");
  if (editor) {
    const { slug, createdAt, updatedAt, ...body } = doc;
    editor.value = JSON.stringify(body, null, 2);
    document.getElementById("save").addEventListener("click", async () => {
      const out = document.getElementById("save-status");
      let body;
      try { body = JSON.parse(editor.value); } catch (error) { out.textContent = error.message; out.className = "error"; return; }
      try {
        doc = await SD.api(`/api/v1/dashboards/${encodeURIComponent(doc.slug)}`, { method: "PUT", body });
        out.textContent = SD.t("dashboard.saved");
        out.className = "";
        render();
      } catch (error) {
        out.textContent = error.problem.field ? `${error.problem.field}: ${error.message}` : error.message;
        out.className = "error";
      }
    });
  }
  render();
})();

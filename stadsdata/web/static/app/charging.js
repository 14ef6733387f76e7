// EV charging: occupancy per area and charge point, the areas ranked for new charge points, and a
// day's peak shaving — from what the visitor may read. Data, as the visitor:
// GET /api/v1/charging/occupancy, /placement, /peak-shaving (docs/analytics.md, "EV charging").
"use strict";
(() => {
  const percent = (share) => (share === null || share === undefined ? "–" : `${SD.number(share * 100, 0)} %`);
  const cell = (text, number) => SD.el("td", { class: number ? "number" : "", text: String(text) });
  const fill = (id, rows, empty) => {
    const body = document.querySelector(`#${id} tbody`);
    body.replaceChildren(...rows);
    if (!rows.length) body.append(SD.el("tr", {}, SD.el("td", { colspan: "7", class: "empty", text: SD.t(empty) })));
  };

  function showOccupancy(answer) {
    fill("charging-areas", answer.areas.map((a) => SD.el("tr", {}, cell(a.name), cell(a.chargePoints, true), cell(percent(a.occupancy), true),
      cell(percent(a.shares.charging), true), cell(percent(a.shares.idle), true), cell(percent(a.noFreePointShare), true),
      cell(SD.number(a.kwh, 1), true))), "charging.noAreas");
    fill("charging-points", answer.chargePoints.map((p) => SD.el("tr", { "data-key": p.key },
      SD.el("td", {}, SD.el("a", { href: `${SD.root}/sensors/${p.thingId}`, text: p.name })), cell(p.areas.join(", ")),
      cell(p.latestStatus || "–"), cell(percent(p.occupancy), true), cell(percent(p.shares.charging), true),
      cell(percent(p.shares.idle), true), cell(SD.number(p.kwh, 1), true))), "charging.noPoints");
  }

  function showRanking(answer) {
    fill("charging-ranking", answer.ranking.map((r) => SD.el("tr", {}, cell(r.rank, true), cell(r.area), cell(SD.number(r.score, 2), true),
      cell(percent(r.occupancy), true), cell(percent(r.noFreePointShare), true),
      cell(r.nearestFreePointM === null ? "–" : `${SD.number(r.nearestFreePointM, 0)} m`, true))), "charging.noAreas");
  }

  function showPeak(answer) {
    document.getElementById("peak-summary").textContent = answer.sessions.length
      ? SD.t("charging.peakSummary", { n: answer.sessions.length, date: answer.date, before: SD.number(answer.peakBeforeKw, 1),
        after: SD.number(answer.peakAfterKw, 1), saved: SD.number(answer.peakReductionKw, 1) })
      : SD.t("charging.noSessions", { date: answer.date });
    const svg = document.getElementById("peak-chart");
    const slots = answer.slots;
    const top = Math.max(1, ...slots.map((s) => Math.max(s.beforeKw, s.afterKw)));
    const x = (i) => (i / Math.max(1, slots.length)) * 960;
    const y = (kw) => 210 - (kw / top) * 195;
    const path = (key) => slots.map((s, i) => `${i ? "L" : "M"}${x(i)},${y(s[key])} L${x(i + 1)},${y(s[key])}`).join(" ");
    const ns = "http://www.w3.org/2000/svg";
    const line = (key, cls) => { const p = document.createElementNS(ns, "path"); p.setAttribute("d", path(key)); p.setAttribute("class", cls); return p; };
    svg.replaceChildren(line("beforeKw", "before"), line("afterKw", "after"));
  }

  async function load() {
    const hours = Number(document.getElementById("charging-hours").value) || 24;
    const to = new Date();
    const from = new Date(to.getTime() - hours * 3600 * 1000);
    const range = `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
    SD.status(SD.t("charging.loading"));
    document.body.dataset.chargingReady = "false";
    document.body.dataset.chargingRange = range; // the query the tables answer (for the browser tests)
    try {
      const [occupancy, ranking, peak] = await Promise.all([
        SD.api(`/api/v1/charging/occupancy?${range}`), SD.api(`/api/v1/charging/placement?${range}`), SD.api("/api/v1/charging/peak-shaving"),
      ]);
      showOccupancy(occupancy);
      showRanking(ranking);
      showPeak(peak);
      SD.status("");
      document.body.dataset.chargingReady = "true";
    } catch (error) {
      SD.status(SD.t("error.load", { detail: error.message }), true);
      document.body.dataset.chargingReady = "error";
    }
  }
  document.getElementById("charging-form").addEventListener("submit", (event) => { event.preventDefault(); load(); });
  load();
})();

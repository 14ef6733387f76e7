// Air quality: per pollutant a table of the sensors and one of the areas, each limit of the chosen
// standard a column: exceedances against the number allowed a year (or the annual mean), the verdict,
// means with too little data marked (not counted), citizen sensors marked indicative. Data, as the
// visitor: GET /api/v1/air-quality/exceedances (docs/analytics.md, "Air quality").
"use strict";
(() => {
  const form = document.getElementById("air-form");
  const year = document.getElementById("air-year");
  const params = new URLSearchParams(window.location.search);
  year.value = params.get("year") || String(new Date().getFullYear());
  year.max = String(new Date().getFullYear());
  for (const name of ["standard", "pollutant"]) {
    if (params.get(name)) document.getElementById(`air-${name}`).value = params.get(name);
  }
  const percent = (share) => `${SD.number(100 * share, 1)} %`;
  const limitText = (l) => SD.t(`air.period.${l.period}`, { value: SD.number(l.value), allowed: l.allowedPerYear });
  const verdictOf = (exceeded) => (exceeded === true ? "exceeded" : exceeded === false ? "within" : "unknown");
  const th = (text) => SD.el("th", { scope: "col", text });

  function limitCell(l) {
    const verdict = verdictOf(l.exceeded);
    const td = SD.el("td", { class: verdict === "exceeded" ? "error" : null, "data-period": l.period, "data-verdict": verdict });
    if (l.period === "year") {
      const m = l.annualMean;
      td.append(SD.t("air.mean", { value: SD.number(m.mean) }));
      if (!m.valid) td.append(SD.el("span", { class: "muted", "data-invalid": "true", text: ` (${SD.t("air.invalidCoverage", { coverage: percent(m.coverage) })})` }));
    } else {
      td.append(`${l.exceedances} / ${l.allowedPerYear}`);
      if (l.invalidAbove) td.append(SD.el("span", { class: "muted", "data-invalid": "true", text: ` (+${l.invalidAbove} ${SD.t("air.notCountedShort")})` }));
    }
    td.append(SD.el("div", { class: "verdict", text: SD.t(`air.verdict.${verdict}`) }));
    return td;
  }

  function sensorRow(s) {
    return SD.el("tr", { "data-datastream": String(s.datastreamId) },
      SD.el("th", { scope: "row" }, SD.el("a", { href: `${SD.root}/sensors/${s.thingId}`, text: s.thing })),
      SD.el("td", { "data-class": s.measurementClass, class: s.measurementClass === "indicative" ? "muted" : null, text: SD.t(`air.class.${s.measurementClass}`) }),
      SD.el("td", { text: s.area || "–" }),
      SD.el("td", { text: `${percent(s.validHours / s.hours)} · ${s.validDays}/${s.days} ${SD.t("air.days")}` }),
      ...s.limits.map(limitCell));
  }

  function areaRow(a) {
    return SD.el("tr", { "data-area": a.area || "" },
      SD.el("th", { scope: "row", text: a.area || SD.t("air.noArea") }),
      SD.el("td", { text: SD.t("air.sensorCount", { reference: a.referenceSensors, indicative: a.indicativeSensors }) }),
      ...a.limits.map((l) => SD.el("td", { class: l.sensorsExceeding ? "error" : null, "data-period": l.period },
        SD.t("air.exceedingCount", { n: l.sensorsExceeding, reference: l.referenceSensorsExceeding, unknown: l.sensorsUnknown }),
        SD.el("div", { class: "muted", text: l.period === "year" ? (l.highestAnnualMean === null ? "–" : SD.t("air.highest", { value: SD.number(l.highestAnnualMean) }))
                                                               : SD.t("air.most", { n: l.mostExceedances }) }))));
  }

  // One table per pollutant: a column per limit of the standard for it.
  function tables(target, report, items, head, row) {
    const box = document.getElementById(target);
    const parts = report.pollutants.map((pollutant) => {
      const limits = report.standard.limits.filter((l) => l.pollutant === pollutant);
      const mine = items.filter((x) => x.pollutant === pollutant);
      const body = SD.el("tbody", {}, ...mine.map(row));
      if (!mine.length) body.append(SD.el("tr", {}, SD.el("td", { colspan: String(head.length + limits.length), text: SD.t("air.none") })));
      return SD.el("section", { "data-pollutant": pollutant }, SD.el("h3", { text: pollutant }),
        SD.el("table", {}, SD.el("thead", {}, SD.el("tr", {}, ...head.map(th), ...limits.map((l) => th(limitText(l))))), body));
    });
    box.replaceChildren(...parts);
  }

  async function load() {
    const ask = new URLSearchParams({ standard: document.getElementById("air-standard").value, year: year.value });
    const pollutant = document.getElementById("air-pollutant").value;
    if (pollutant) ask.set("pollutant", pollutant);
    document.body.dataset.airReady = "false";
    try {
      const report = await SD.api(`/api/v1/air-quality/exceedances?${ask}`);
      SD.status("");
      document.getElementById("air-summary").textContent = SD.t("air.report", {
        standard: SD.t(`air.standard.${report.standard.key}`), from: report.from, to: report.to, zone: report.timeZone, n: report.sensors.length,
        exceeding: report.summary.exceeding, unknown: report.summary.unknown });
      tables("air-sensors", report, report.sensors, [SD.t("air.sensor"), SD.t("air.class"), SD.t("air.area"), SD.t("air.coverage")], sensorRow);
      tables("air-areas", report, report.areas, [SD.t("air.area"), SD.t("air.sensors")], areaRow);
      document.body.dataset.airReady = "true";
    } catch (error) {
      SD.status(SD.t("error.load", { detail: error.message }), true);
      document.body.dataset.airReady = "error";
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
  load();
})();

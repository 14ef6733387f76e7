// Green and public space: the mow-when-needed list, the groundwater wells against the thresholds
// in the form, and the street lights that failed or burn by day. Data, as the visitor:
// GET /api/v1/public-space/mowing, /groundwater and /street-lights (docs/analytics.md).
"use strict";
(() => {
  const sensor = (item) => SD.el("a", { href: `${SD.root}/sensors/${item.thingId}`, text: item.thing });
  const fill = (table, rows, empty) => {
    const body = document.querySelector(`#${table} tbody`);
    body.replaceChildren(...rows);
    if (!rows.length) body.append(SD.el("tr", {}, SD.el("td", { colspan: "4", text: SD.t(empty) })));
  };
  const pending = new Set(["mowing", "wells", "lights"]);
  const done = (part) => {
    pending.delete(part);
    if (!pending.size) document.body.dataset.spaceReady = "true";
  };
  const failed = (part, error) => {
    SD.status(SD.t("error.load", { detail: error.message }), true);
    document.body.dataset.spaceReady = "error";
    pending.delete(part);
  };

  async function mowing() {
    const height = document.getElementById("mowing-height").value;
    try {
      const report = await SD.api(`/api/v1/public-space/mowing?${new URLSearchParams({ mowingHeight: height })}`);
      document.getElementById("mowing-summary").textContent = SD.t("space.mowNow", { n: report.mowNow, total: report.fields.length });
      fill("mowing", report.fields.map((f) => SD.el("tr", { "data-mow-now": String(f.mowNow) },
        SD.el("th", { scope: "row" }, sensor(f)),
        SD.el("td", { text: f.heightCm === null ? "–" : `${SD.number(f.heightCm)} cm` }),
        SD.el("td", { text: f.growthCmPerDay === null ? "–" : SD.t("space.perDay", { n: SD.number(f.growthCmPerDay, 2) }) }),
        SD.el("td", { class: f.mowNow ? "error" : null,
                      text: f.mowNow ? SD.t("space.now") : f.daysUntilMowing === null ? "–" : SD.t("space.inDays", { n: SD.number(f.daysUntilMowing, 1) }) }))),
        "space.none");
      done("mowing");
    } catch (error) { failed("mowing", error); }
  }

  async function wells() {
    const params = new URLSearchParams();
    for (const name of ["low", "high"]) {
      const value = document.getElementById(`wells-${name}`).value;
      if (value !== "") params.set(name, value);
    }
    try {
      const report = await SD.api(`/api/v1/public-space/groundwater?${params}`);
      fill("wells", report.wells.map((w) => SD.el("tr", { "data-state": w.state },
        SD.el("th", { scope: "row" }, sensor(w)),
        SD.el("td", { text: w.level === null ? "–" : SD.number(w.level, 2) }),
        SD.el("td", { text: w.trendPerWeek === null ? "–" : SD.t("space.perWeek", { n: SD.number(w.trendPerWeek, 3) }) }),
        SD.el("td", { class: w.state === "ok" ? null : "error",
                      text: SD.t(`space.state.${w.state}`) + (w.headingFor ? ` · ${SD.t(`space.heading.${w.headingFor}`, { n: SD.number(w.daysUntil, 0) })}` : "") }))),
        "space.none");
      done("wells");
    } catch (error) { failed("wells", error); }
  }

  async function lights() {
    try {
      const report = await SD.api("/api/v1/public-space/street-lights");
      document.getElementById("lights-summary").textContent = SD.t("space.lightCounts", report.counts);
      fill("lights", report.lights.map((l) => SD.el("tr", { "data-state": l.state },
        SD.el("th", { scope: "row" }, sensor(l)),
        SD.el("td", { class: l.state === "ok" ? null : "error", text: SD.t(`space.light.${l.state}`) }),
        SD.el("td", { text: `${l.darkHoursOff} / ${l.darkHours}` }),
        SD.el("td", { text: `${l.dayHoursOn} / ${l.dayHours}` }))),
        "space.none");
      done("lights");
    } catch (error) { failed("lights", error); }
  }

  for (const [form, load] of [["mowing-form", mowing], ["wells-form", wells]]) {
    document.getElementById(form).addEventListener("submit", (event) => { event.preventDefault(); load(); });
  }
  mowing();
  wells();
  lights();
})();

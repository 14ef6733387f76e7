// Waste collection: the truck's route over the containers at or above the fill threshold, around
// the streets that full garages block, planned with the visitor's own rights. Data, as the
// visitor: POST /api/v1/waste/routes (docs/analytics.md, "Waste collection").
"use strict";
(() => {
  const map = L.map("map", { zoomControl: true, maxZoom: 19 }).setView([52.1, 5.3], 8);
  SD.background(map); // tiles, or offline the demo city's own map
  const layers = L.layerGroup().addTo(map);
  window.stadsdataWaste = { map, layers }; // for the browser tests
  const metres = (m) => (m >= 1000 ? `${SD.number(m / 1000, 1)} km` : `${SD.number(m, 0)} m`);
  const latlng = (point) => [point.coordinates[1], point.coordinates[0]];
  const list = (id, items, empty) => {
    const node = document.getElementById(id);
    node.replaceChildren(...items);
    if (!items.length && empty) node.append(SD.el("li", { class: "empty", text: SD.t(empty) }));
  };
  const sensor = (site) => SD.el("a", { href: `${SD.root}/sensors/${site.thingId}`, text: site.name });

  function draw(answer) {
    layers.clearLayers();
    const bounds = [];
    for (const street of answer.blockedStreets) {
      const line = L.geoJSON(street.geometry, { style: { color: "#d12f1f", weight: 7, opacity: 0.85, className: "waste-blocked" } });
      line.bindTooltip(`${street.street || SD.t("waste.unnamed")}: ${street.reason}`);
      layers.addLayer(line);
    }
    if (answer.route) {
      const route = L.geoJSON(answer.route, { style: { color: "#1f6fd1", weight: 4, opacity: 0.9, className: "waste-route" } });
      layers.addLayer(route);
      bounds.push(route.getBounds());
    }
    for (const stop of answer.stops) {
      const icon = L.divIcon({ className: "waste-stop-number", html: String(stop.order), iconSize: [22, 22] });
      layers.addLayer(L.marker(latlng(stop.location), { icon, title: `${stop.order}. ${stop.name}`, alt: stop.name })
        .bindPopup(`<strong>${stop.order}. ${escape(stop.name)}</strong><br>${SD.number(stop.fillLevel)} %`));
    }
    for (const lost of answer.unreachable.filter((u) => u.location)) {
      layers.addLayer(L.circleMarker(latlng(lost.location), { radius: 7, color: "#666", fillColor: "#bbb", fillOpacity: 1, className: "waste-unreachable" })
        .bindTooltip(`${lost.name}: ${SD.t(`waste.reason.${lost.reason}`)}`));
    }
    const depot = L.marker(latlng(answer.depot), { icon: L.divIcon({ className: "waste-depot", iconSize: [14, 14] }), title: SD.t("waste.legend.depot") });
    layers.addLayer(depot);
    bounds.push(L.latLngBounds([latlng(answer.depot)]));
    const all = bounds.reduce((a, b) => a.extend(b));
    map.fitBounds(all, { padding: [24, 24], maxZoom: 16 });
  }
  function escape(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function show(answer) {
    const summary = answer.route
      ? SD.t("waste.summary.route", { n: answer.stops.length, length: metres(answer.totalLengthM), trips: answer.trips.length })
      : SD.t("waste.summary.none", { threshold: answer.fillThreshold });
    document.getElementById("waste-summary").textContent = summary;
    list("waste-notes", answer.notes.map((note) => SD.el("li", { text: note === "garage occupancy not readable: not taken into account" ? SD.t("waste.noGarages") : note })));
    list("waste-stops", answer.stops.map((s) => SD.el("li", { "data-thing": String(s.thingId) }, sensor(s),
      ` · ${SD.number(s.fillLevel)} % · `, SD.el("small", { text: `+${metres(s.legM)}${answer.trips.length > 1 ? ` · ${SD.t("waste.trip", { n: s.trip })}` : ""}` }))), "waste.noStops");
    list("waste-blocked", answer.blockedStreets.map((b) => SD.el("li", {}, `${b.street || SD.t("waste.unnamed")} (${metres(b.lengthM)}) — `,
      sensor(b.garage), `: ${b.garage.occupancyPercent === null ? "" : `${SD.number(b.garage.occupancyPercent, 0)} % · `}${SD.t("waste.vacant", { n: b.garage.vacant })}`)), "waste.noBlocked");
    list("waste-unreachable", answer.unreachable.map((u) => SD.el("li", {}, sensor(u), ` — ${SD.t(`waste.reason.${u.reason}`)}`)), "waste.noUnreachable");
    draw(answer);
  }

  async function plan() {
    const body = {};
    for (const name of ["fillThreshold", "garageOccupancy", "capacity"]) {
      const value = document.querySelector(`#waste-form [name=${name}]`).value;
      if (value !== "") body[name] = Number(value);
    }
    SD.status(SD.t("waste.planning"));
    document.body.dataset.wasteReady = "false";
    try {
      const answer = await SD.api("/api/v1/waste/routes", { method: "POST", body });
      show(answer);
      SD.status("");
      document.body.dataset.wasteReady = "true";
    } catch (error) {
      SD.status(SD.t("error.load", { detail: error.message }), true);
      document.body.dataset.wasteReady = "error";
    }
  }
  document.getElementById("waste-form").addEventListener("submit", (event) => { event.preventDefault(); plan(); });
  plan();
})();

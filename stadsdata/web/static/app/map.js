// The map page: every Thing the visitor may see, coloured by the latest value of the chosen
// ObservedProperty, clustered. Data: /api/v1/latest-values (GeoJSON; the latest values come
// from the store's per-Datastream summary) — the same as the SensorThings query
// Things?$expand=Locations,Datastreams($expand=ObservedProperty,Observations($top=1;…)).
"use strict";
(() => {
  const QUERY = "/api/v1/latest-values";
  document.getElementById("api-link").href = SD.root + QUERY;
  document.querySelector("#api-link code").textContent = QUERY;

  const map = L.map("map", { preferCanvas: true, zoomControl: true, maxZoom: 19 }).setView([52.1, 5.3], 8);
  SD.background(map); // tiles, or offline the demo city's own map
  const clusters = new PointClusters({ clusterLabel: (n) => SD.t("map.count", { n }) });
  map.addLayer(clusters);

  let sensors = []; // {thing, position, theme}
  let shownIds = [];
  window.stadsdataMap = { map, clusters, shown: () => shownIds }; // for scripts and the browser tests
  const themeSelect = document.getElementById("theme");
  const propertySelect = document.getElementById("property");
  const legend = document.getElementById("legend");
  const list = document.getElementById("sensor-list");

  function themeOf(thing) {
    const theme = thing.properties && thing.properties.theme;
    return typeof theme === "string" ? theme : "other";
  }
  function streamFor(sensor, property) {
    if (!property) return sensor.thing.datastreams[0] || null;
    return sensor.thing.datastreams.find((d) => d.observedProperty === property) || null;
  }
  function valueOf(stream) {
    return stream && stream.phenomenonTime ? stream.result : null;
  }

  function popup(sensor) {
    const rows = sensor.thing.datastreams.map((d) => {
      const value = valueOf(d);
      return `<tr><th scope="row">${escape(d.observedProperty)}</th><td>${value !== null ? `${SD.number(value)} ${escape(SD.unit(d))}` : SD.t("map.nodata")}</td></tr>`;
    }).join("");
    return `<strong>${escape(sensor.thing.name)}</strong><table class="popup">${rows}</table>` +
      `<a href="${SD.root}/sensors/${sensor.thing.id}">${SD.t("map.open")}</a>`;
  }
  function escape(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function draw() {
    const theme = themeSelect.value;
    const property = propertySelect.value;
    const shown = sensors.filter((s) => (!theme || s.theme === theme) && (!property || streamFor(s, property)));
    const values = shown.map((s) => valueOf(streamFor(s, property)));
    const scale = Scales.scaleFor(property, values);
    // With a property chosen: its scale over the values shown. Without: each sensor by the
    // scale of its first Datastream's property.
    const colourOf = property
      ? (s, i) => scale.colour(values[i])
      : (s, i) => {
          const d = streamFor(s, "");
          return d ? ownScale(d.observedProperty, values).colour(values[i]) : Scales.NODATA;
        };
    const scales = new Map();
    function ownScale(name) {  // one scale per property, over the values of that property shown
      if (!scales.has(name)) scales.set(name, Scales.scaleFor(name, shown.map((s) => streamFor(s, "")).filter((d) => d && d.observedProperty === name).map(valueOf)));
      return scales.get(name);
    }
    clusters.setPoints(shown.map((s, i) => ({ id: s.thing.id, latlng: s.position, colour: colourOf(s, i), popup: () => popup(s) })));
    shownIds = shown.map((s) => s.thing.id);
    legend.replaceChildren();
    if (property) {
      legend.append(SD.el("h2", { text: SD.t("map.legend") }));
      const ul = SD.el("ul", { class: "legend" });
      for (const [label, colour] of scale.legend()) ul.append(SD.el("li", {}, SD.el("span", { class: "swatch", style: `background:${colour}` }), ` ${label} ${escape(unitOf(property))}`));
      ul.append(SD.el("li", {}, SD.el("span", { class: "swatch", style: `background:${Scales.NODATA}` }), ` ${SD.t("map.nodata")}`));
      legend.append(ul);
    }
    list.replaceChildren(...shown.slice(0, 500).map((s) => SD.el("li", {}, SD.el("a", { href: `${SD.root}/sensors/${s.thing.id}`, text: s.thing.name }))));
    SD.status(SD.t("map.count", { n: shown.length.toLocaleString() }));
    document.body.dataset.mapMarkers = String(shown.length);
  }
  function unitOf(property) {
    for (const s of sensors) {
      const d = streamFor(s, property);
      if (d) return SD.unit(d);
    }
    return "";
  }

  function fillFilters() {
    const themes = [...new Set(sensors.map((s) => s.theme))].sort();
    for (const theme of themes) themeSelect.append(SD.el("option", { value: theme, text: SD.t(`theme.${theme}`) === `theme.${theme}` ? theme : SD.t(`theme.${theme}`) }));
    fillProperties();
  }
  function fillProperties() {
    const theme = themeSelect.value;
    const current = propertySelect.value;
    const names = new Set();
    for (const s of sensors) if (!theme || s.theme === theme) for (const d of s.thing.datastreams) names.add(d.observedProperty);
    propertySelect.replaceChildren(SD.el("option", { value: "", text: SD.t("map.filter.all") }), ...[...names].sort().map((n) => SD.el("option", { value: n, text: n })));
    if (names.has(current)) propertySelect.value = current;
  }
  themeSelect.addEventListener("change", () => { fillProperties(); draw(); });
  propertySelect.addEventListener("change", draw);

  SD.api(QUERY).then((collection) => {
    sensors = collection.features.map((f) => {
      const thing = { id: f.id, ...f.properties };
      return { thing, position: SD.position({ Locations: [{ location: f.geometry }] }), theme: themeOf(thing) };
    }).filter((s) => s.position);
    fillFilters();
    const params = new URLSearchParams(location.search);
    if (params.get("property")) { propertySelect.value = params.get("property"); }
    draw();
    if (sensors.length) map.fitBounds(L.latLngBounds(sensors.map((s) => s.position)), { padding: [20, 20], maxZoom: 15 });
    requestAnimationFrame(() => {
      document.body.dataset.readyMs = String(Math.round(performance.now())); // since navigation started
      document.body.dataset.mapReady = "true";
    });
  }).catch((error) => SD.status(SD.t("error.load", { detail: error.message }), true));
})();

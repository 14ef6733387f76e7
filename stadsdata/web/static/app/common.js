// Shared by every page: the page's configuration, texts, and calls to the public APIs.
"use strict";
const SD = (() => {
  const config = JSON.parse(document.getElementById("config").textContent);
  const root = config.root || "";

  function t(key, values) {
    let text = config.texts[key] || key;
    for (const [name, value] of Object.entries(values || {})) text = text.replace(`{${name}}`, value);
    return text;
  }

  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
      this.status = status;
      this.problem = problem || {};
    }
  }

  // A call to our own APIs as the visitor (the session cookie, if signed in). Changes carry
  // X-Requested-With: the server refuses cookie-authenticated changes without it (CSRF).
  async function api(path, options = {}) {
    const headers = { Accept: "application/json", ...(options.headers || {}) };
    const method = (options.method || "GET").toUpperCase();
    if (method !== "GET") headers["X-Requested-With"] = "stadsdata";
    let body = options.body;
    if (body !== undefined && typeof body !== "string") {
      body = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    const response = await fetch(path.startsWith("http") ? path : root + path, { method, headers, body, credentials: "same-origin" });
    if (response.status === 204) return null;
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (!response.ok) {
      if (response.status === 401 && config.user) window.location.href = `${root}/login?expired=true`;
      throw new ApiError(response.status, data);
    }
    return data;
  }

  // Every page of a SensorThings collection (following @iot.nextLink).
  async function staAll(path) {
    let out = [];
    let next = path;
    while (next) {
      const page = await api(next);
      out = out.concat(page.value || []);
      next = page["@iot.nextLink"] || null;
    }
    return out;
  }

  const locale = config.lang === "en" ? "en-GB" : "nl-NL";
  function number(value, digits) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    if (typeof value !== "number") return String(value);
    const d = digits !== undefined ? digits : Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
    return value.toLocaleString(locale, { maximumFractionDigits: d });
  }
  function time(iso) {
    if (!iso) return "–";
    const start = String(iso).split("/")[0];
    return new Date(start).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
  }
  function unit(stream) {
    const u = (stream && stream.unitOfMeasurement) || {};
    return u.symbol || u.name || "";
  }
  function status(message, isError) {
    const el = document.getElementById("status");
    if (!el) return;
    el.textContent = message || "";
    el.classList.toggle("error", Boolean(isError));
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }
  // A Thing's position: its first Location's point, or the centre of a line or polygon.
  function position(thing) {
    const loc = thing.Locations && thing.Locations[0] && thing.Locations[0].location;
    if (!loc) return null;
    const geometry = loc.type === "Feature" ? loc.geometry : loc;
    if (!geometry || !geometry.coordinates) return null;
    if (geometry.type === "Point") return [geometry.coordinates[1], geometry.coordinates[0]];
    const flat = JSON.stringify(geometry.coordinates).match(/-?\d+(\.\d+)?(e-?\d+)?,-?\d+(\.\d+)?(e-?\d+)?/g) || [];
    if (!flat.length) return null;
    let x = 0, y = 0;
    for (const pair of flat) { const [a, b] = pair.split(",").map(Number); x += a; y += b; }
    return [y / flat.length, x / flat.length];
  }
  function latest(stream) {
    const obs = stream.Observations && stream.Observations[0];
    return obs ? obs : null;
  }
  function title(textByLang) {
    if (!textByLang) return "";
    return textByLang[config.lang] || textByLang.nl || Object.values(textByLang)[0] || "";
  }

  // A Leaflet map's background. The tiles of the `basemap` setting (config.basemap); when they do
  // not load — the first few fail before any arrives: no network, a proxy in the way — the tile layer
  // goes and the demo city's own map is drawn instead (config.cityBackground, GeoJSON from this
  // server; only a server that runs the demo city has one), else the plain background. With no tile
  // layer set (`none`) the city map is drawn at once. When no tile has come after a while (a
  // request that hangs) the city map is drawn under the tiles, and taken away when a tile comes.
  // The map's container tells which is shown in data-background: tiles, city or plain.
  const TILE_FAILURES = 3;
  const TILE_PATIENCE_MS = 10000;
  function background(map) {
    const box = map.getContainer();
    const city = config.cityBackground ? cityMap(map) : null;
    const tiles = config.basemap;
    box.dataset.background = "plain";
    if (!tiles) {
      if (city) city.show();
      return;
    }
    const layer = L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: tiles.maxZoom }).addTo(map);
    box.dataset.background = "tiles";
    let loaded = 0, failed = 0, patience = null;
    const offline = () => {
      box.dataset.background = "plain";
      if (city) city.show();
    };
    layer.on("tileloadstart", () => {
      if (!patience && !loaded) patience = setTimeout(() => { if (!loaded) offline(); }, TILE_PATIENCE_MS);
    });
    layer.on("tileload", () => {
      loaded += 1;
      clearTimeout(patience);
      if (city) city.hide();
      box.dataset.background = "tiles";
    });
    layer.on("tileerror", () => {
      failed += 1;
      if (!loaded && failed === TILE_FAILURES) {
        clearTimeout(patience);
        map.removeLayer(layer);
        offline();
      }
    });
  }

  // The city map: its data (one request per page, however many maps) and its drawing
  // (static/app/city_map.js, loaded only when a map needs it).
  let cityLoad = null;
  function loadCity() {
    cityLoad = cityLoad || Promise.all([
      api(config.cityBackground.url),
      new Promise((resolve, reject) => {
        const script = el("script", { src: `${root}/static/app/city_map.js`, onload: resolve, onerror: reject });
        document.head.append(script);
      }),
    ]).then(([collection]) => collection);
    return cityLoad;
  }
  function cityMap(map) {
    let drawn = null, wanted = false;
    async function show() {
      wanted = true;
      if (drawn) return;
      let collection;
      try { collection = await loadCity(); } catch (error) { return; } // without it: the plain background
      if (!wanted || drawn) return;
      drawn = CityMap.draw(map, collection, config.cityBackground.attribution);
      map.getContainer().dataset.background = "city";
    }
    function hide() {
      wanted = false;
      if (drawn) drawn.remove();
      drawn = null;
    }
    return { show, hide };
  }

  return { config, root, t, api, staAll, number, time, unit, status, el, position, latest, title, ApiError, background };
})();

// The catalog page: every dataset the visitor is shown, searched by words, filtered by facets
// (OR within a facet, AND across them; the counts are those of the matching datasets), sorted and
// paged, with the coverage of the results on a map. Data: GET /api/v1/catalog as the visitor; the
// page's state is in its address (q, the facets, sort, offset), so a search can be shared.
"use strict";
(() => {
  const FACETS = ["theme", "publisher", "accessLevel", "format", "keyword", "area"];
  const LIMIT = 20;
  const SHOWN_VALUES = 8; // more values of a facet behind "more"
  const form = document.getElementById("catalog-search");
  const input = document.getElementById("catalog-q");
  const sortSelect = document.getElementById("catalog-sort");
  const facetBox = document.getElementById("facets");
  const list = document.getElementById("results");
  const clear = document.getElementById("clear-filters");
  const inView = document.getElementById("in-view");
  const apiLink = document.getElementById("api-link");

  // The state, from the address.
  const state = { q: "", facets: Object.fromEntries(FACETS.map((f) => [f, []])), sort: "relevance", order: "asc", offset: 0, bbox: null };
  function readAddress() {
    const params = new URLSearchParams(location.search);
    state.q = params.get("q") || "";
    for (const f of FACETS) state.facets[f] = params.getAll(f).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
    state.sort = params.get("sort") || "relevance";
    state.order = params.get("order") === "desc" ? "desc" : "asc";
    state.offset = Math.max(0, Number(params.get("offset")) || 0);
    state.bbox = params.get("bbox") || null;
  }
  function params(withPaging) {
    const out = new URLSearchParams();
    if (state.q) out.set("q", state.q);
    for (const f of FACETS) for (const v of state.facets[f]) out.append(f, v);
    if (state.bbox) out.set("bbox", state.bbox);
    if (state.sort !== "relevance" || state.order !== "asc") { out.set("sort", state.sort); out.set("order", state.order); }
    if (withPaging && state.offset) out.set("offset", String(state.offset));
    return out;
  }

  // The map of the results' coverage.
  const map = L.map("catalog-map", { maxZoom: 19 }).setView([52.1, 5.3], 8);
  SD.background(map);
  const boxes = L.featureGroup().addTo(map);
  const layers = new Map(); // dataset name -> its layer
  window.stadsdataCatalog = { map, boxes, layers }; // for scripts and the browser tests

  function drawCoverage(entries) {
    boxes.clearLayers();
    layers.clear();
    const covered = entries.filter((e) => Array.isArray(e.bbox));
    for (const entry of covered) {
      const layer = CatalogUI.boxLayer(entry.bbox, { color: "#004b87" });
      const link = SD.el("a", { href: CatalogUI.href(entry), text: CatalogUI.title(entry) });
      layer.bindPopup(() => SD.el("div", {}, SD.el("strong", {}, link), SD.el("br"), CatalogUI.levelLabel(entry.accessLevel)));
      layer.bindTooltip(CatalogUI.title(entry), { sticky: true });
      layer.on("mouseover", () => highlight(entry.name, true));
      layer.on("mouseout", () => highlight(entry.name, false));
      boxes.addLayer(layer);
      layers.set(entry.name, layer);
    }
    const box = map.getContainer();
    box.dataset.boxes = String(covered.length);
    document.getElementById("coverage-note").textContent = SD.t("catalog.coverage.note", { shown: covered.length, total: entries.length });
    if (covered.length && !state.bbox) map.fitBounds(boxes.getBounds(), { padding: [20, 20], maxZoom: 15 });
  }
  function highlight(name, on) {
    const layer = layers.get(name);
    if (layer) layer.setStyle({ color: on ? "#b35900" : "#004b87", weight: on ? 4 : 2 });
    const item = list.querySelector(`[data-name="${CSS.escape(name)}"]`);
    if (item) item.classList.toggle("active", on);
  }

  // The facets: a fieldset of checkboxes per facet, with the counts of the matching datasets.
  function valueLabel(facet, value) {
    if (facet === "theme") return CatalogUI.themeLabel(value);
    if (facet === "accessLevel") return CatalogUI.levelLabel(value);
    return value;
  }
  function drawFacets(facets) {
    facetBox.replaceChildren();
    let n = 0;
    for (const facet of FACETS) {
      const counts = { ...(facets[facet] || {}) };
      for (const chosen of state.facets[facet]) if (!(chosen in counts)) counts[chosen] = 0; // a chosen value stays, at 0
      const values = Object.entries(counts).sort((a, b) => b[1] - a[1] || valueLabel(facet, a[0]).localeCompare(valueLabel(facet, b[0])));
      if (!values.length && facet === "area") continue; // no named areas on this server
      const fieldset = SD.el("fieldset", { "data-facet": facet }, SD.el("legend", { text: SD.t(`catalog.facet.${facet}`) }));
      const items = values.map(([value, count]) => {
        const id = `facet-${n++}`;
        const box = SD.el("input", { type: "checkbox", id, value, "data-facet": facet, "data-value": value });
        box.checked = state.facets[facet].includes(value);
        box.addEventListener("change", () => toggle(facet, value, box.checked));
        return SD.el("li", {}, SD.el("label", { for: id }, box, SD.el("span", { text: valueLabel(facet, value) }),
          SD.el("span", { class: "count", "data-count": String(count), text: String(count) })));
      });
      if (!items.length) fieldset.append(SD.el("p", { class: "none", text: SD.t("catalog.facet.none") }));
      fieldset.append(SD.el("ul", {}, ...items.slice(0, SHOWN_VALUES)));
      if (items.length > SHOWN_VALUES) {
        const more = SD.el("details", {}, SD.el("summary", { text: SD.t("catalog.facet.more", { n: items.length - SHOWN_VALUES }) }),
          SD.el("ul", {}, ...items.slice(SHOWN_VALUES)));
        if (items.slice(SHOWN_VALUES).some((li) => li.querySelector("input").checked)) more.open = true;
        fieldset.append(more);
      }
      facetBox.append(fieldset);
    }
    const filtered = FACETS.some((f) => state.facets[f].length) || state.q || state.bbox;
    clear.hidden = !filtered;
  }
  function toggle(facet, value, on) {
    const chosen = state.facets[facet].filter((v) => v !== value);
    if (on) chosen.push(value);
    state.facets[facet] = chosen;
    state.offset = 0;
    search({ keepFocus: `input[data-facet="${facet}"][data-value="${CSS.escape(value)}"]` });
  }

  // The results.
  function result(entry) {
    const publisher = CatalogUI.publisherName(entry.publisher);
    const text = CatalogUI.description(entry);
    const item = SD.el("li", { class: "result", "data-name": entry.name, "data-level": entry.accessLevel },
      SD.el("article", {},
        SD.el("h3", {}, SD.el("a", { href: CatalogUI.href(entry), text: CatalogUI.title(entry) })),
        SD.el("p", {}, CatalogUI.badge(entry.accessLevel), ...CatalogUI.themeBadges(entry)),
        text ? SD.el("p", { text: text.length > 240 ? `${text.slice(0, 240)}…` : text }) : null,
        SD.el("p", { class: "info", text: `${publisher} · ${SD.t("catalog.modified")} ${CatalogUI.date(entry.modified)}` +
          (entry.streamCount ? ` · ${SD.t("catalog.streams.count", { n: entry.streamCount })}` : "") })));
    item.addEventListener("mouseenter", () => highlight(entry.name, true));
    item.addEventListener("mouseleave", () => highlight(entry.name, false));
    item.addEventListener("focusin", () => highlight(entry.name, true));
    item.addEventListener("focusout", () => highlight(entry.name, false));
    return item;
  }
  function drawPaging(count) {
    const paging = document.getElementById("paging");
    paging.hidden = count <= LIMIT;
    const last = Math.min(state.offset + LIMIT, count);
    document.getElementById("page-info").textContent = SD.t("catalog.page", { from: count ? state.offset + 1 : 0, to: last, count });
    document.getElementById("previous").disabled = state.offset === 0;
    document.getElementById("next").disabled = last >= count;
  }

  // One search; an answer that comes after a newer search started is dropped.
  let asked = 0;
  async function search(options = {}) {
    const mine = ++asked;
    const query = params(true);
    query.set("limit", String(LIMIT));
    const path = `/api/v1/catalog?${query}`;
    apiLink.href = SD.root + path;
    apiLink.querySelector("code").textContent = path;
    const shown = params(true).toString();
    history.replaceState(null, "", shown ? `?${shown}` : location.pathname);
    for (const a of document.querySelectorAll(".lang a[data-lang]")) {
      const there = params(true);
      there.set("lang", a.dataset.lang);
      a.href = `?${there}`;
    }
    document.body.dataset.catalogReady = "loading";
    let body;
    try {
      body = await SD.api(path);
    } catch (error) {
      if (mine !== asked) return;
      SD.status(SD.t("error.load", { detail: error.message }), true);
      document.body.dataset.catalogReady = "error";
      return;
    }
    if (mine !== asked) return;
    const entries = body._embedded.datasets;
    SD.status(body.count === 0 ? SD.t("catalog.count.none") : body.count === 1 ? SD.t("catalog.count.one") : SD.t("catalog.count", { n: body.count }));
    list.replaceChildren(...entries.map(result));
    drawFacets(body.facets || {});
    drawPaging(body.count);
    drawCoverage(entries);
    if (options.keepFocus) {
      const again = facetBox.querySelector(options.keepFocus);
      if (again) again.focus();
    }
    document.body.dataset.catalogCount = String(body.count);
    document.body.dataset.catalogReady = "true";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    state.q = input.value.trim();
    state.offset = 0;
    search();
  });
  sortSelect.addEventListener("change", () => {
    [state.sort, state.order] = sortSelect.value.split(":");
    state.offset = 0;
    search();
  });
  clear.addEventListener("click", () => {
    for (const f of FACETS) state.facets[f] = [];
    state.q = "";
    input.value = "";
    state.bbox = null;
    inView.checked = false;
    state.offset = 0;
    search();
    input.focus();
  });
  document.getElementById("previous").addEventListener("click", () => { state.offset = Math.max(0, state.offset - LIMIT); search(); list.focus(); });
  document.getElementById("next").addEventListener("click", () => { state.offset += LIMIT; search(); list.focus(); });
  list.tabIndex = -1;

  // "Only datasets within the map": the map's view as the bbox filter, again after every move.
  function viewBox() {
    const b = map.getBounds();
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
      .map((v) => v.toFixed(5)).join(",");
  }
  inView.addEventListener("change", () => {
    state.bbox = inView.checked ? viewBox() : null;
    state.offset = 0;
    search();
  });
  map.on("moveend", () => {
    if (!inView.checked) return;
    const next = viewBox();
    if (next === state.bbox) return;
    state.bbox = next;
    state.offset = 0;
    search();
  });

  readAddress();
  input.value = state.q;
  const sortValue = `${state.sort}:${state.order}`;
  if ([...sortSelect.options].some((o) => o.value === sortValue)) sortSelect.value = sortValue;
  if (state.bbox) {
    inView.checked = true;
    const [w, s, e, n] = state.bbox.split(",").map(Number);
    if ([w, s, e, n].every(Number.isFinite)) map.fitBounds([[s, w], [n, e]]);
  }
  search();
})();

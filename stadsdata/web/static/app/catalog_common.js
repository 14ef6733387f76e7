// What the catalog pages share (/catalog, /catalog/{name}, /processing-register): a catalog
// entry's texts in the page's language, its access-level badge, its themes, and its coverage
// drawn on a Leaflet map.
"use strict";
const CatalogUI = (() => {
  const english = SD.config.lang === "en";
  const vocab = SD.config.vocabularies || {};

  // An entry's title and description: the English ones on the English page where there are any.
  function title(entry) {
    return (english && entry.titleEn) || entry.title || entry.name;
  }
  function description(entry) {
    return (english && entry.descriptionEn) || entry.description || "";
  }
  // A vocabulary term ({nl, en, uri}) in the page's language.
  function label(term) {
    if (!term) return "";
    return (english ? term.en : term.nl) || term.nl || term.en || "";
  }
  // A theme's label in the facets, where the EU themes and the Dutch ones ('nl:…') stand together.
  function themeLabel(code) {
    const term = (vocab.themes || {})[code];
    if (!term) return code;
    return code.startsWith("nl:") ? `${label(term)} (overheid.nl)` : label(term);
  }
  function levelLabel(level) {
    return SD.t(`access.${level}`);
  }
  function badge(level) {
    return SD.el("span", { class: `badge level-${level}`, "data-level": level, title: SD.t(`catalog.level.${level}.explain`) },
      SD.el("span", { class: "sr-only", text: `${SD.t("catalog.access")}: ` }), levelLabel(level));
  }
  function themeBadges(entry) {
    return (entry.themes || []).map((t) => SD.el("span", { class: "badge theme", "data-theme": t.code, text: label(t) }));
  }
  function publisherName(party) {
    if (!party) return "–";
    return party.kind === "resident" && party.id === 0 ? SD.t("catalog.resident") : party.name;
  }
  function date(iso) {
    if (!iso) return "–";
    return new Date(String(iso).split("/")[0]).toLocaleDateString(english ? "en-GB" : "nl-NL", { dateStyle: "medium" });
  }
  function period(text) {
    if (!text) return "–";
    const [start, end] = String(text).split("/");
    return `${SD.time(start)} – ${SD.time(end)}`;
  }
  function href(entry) {
    return `${SD.root}/catalog/${encodeURIComponent(entry.name)}`;
  }

  // A coverage box [minLon, minLat, maxLon, maxLat] as a Leaflet layer: a rectangle, or a circle
  // where the box is a point (one sensor).
  function boxLayer(bbox, style) {
    const [w, s, e, n] = bbox;
    if (w === e && s === n) return L.circleMarker([s, w], { radius: 8, weight: 2, fillOpacity: 0.25, ...style });
    return L.rectangle([[s, w], [n, e]], { weight: 2, fillOpacity: 0.12, ...style });
  }

  return { english, vocab, title, description, label, themeLabel, levelLabel, badge, themeBadges, publisherName, date, period, href, boxLayer };
})();

// A dataset's page: its DCAT-AP-NL metadata in Dutch and English, what its access level means and
// how to get access (its contact point; signed in: an access request under one of its Offers),
// its distributions with a download form, its streams (linked to their sensor pages, with their
// data quality of the last 7 days), its coverage on a map, its record of processing, and for who
// manages it a form to edit the metadata.
// Data: GET /api/v1/catalog/{name} as the visitor; /api/v1/datasets/{id}/datastreams (the
// streams' Things), /api/v1/datastreams/{id}/quality (each stream's quality, lazily),
// /api/v1/offers?datasetId=… (to ask for access); PATCH /api/v1/datasets/{id}.
"use strict";
(async () => {
  const QUERY = SD.config.entryQuery;
  const STREAMS_SHOWN = 25; // rows of the streams table before "show all"
  const QUALITY_MAX = 50; // streams whose data quality the table shows (the others': on their sensor pages)
  const QUALITY_AT_ONCE = 3; // quality reports asked for at the same time
  const vocab = CatalogUI.vocab;
  const used = [QUERY]; // the API calls the page is built from, named at its foot
  let entry = null;
  let map = null;

  const $ = (id) => document.getElementById(id);
  function row(term, ...values) {
    const shown = values.filter((v) => v !== null && v !== undefined && v !== "");
    if (!shown.length) return [];
    return [SD.el("dt", { text: term }), SD.el("dd", {}, ...shown)];
  }
  function link(href, text) {
    return SD.el("a", { href, text: text || href });
  }
  function list(items) {
    return items.length ? SD.el("ul", {}, ...items.map((i) => SD.el("li", {}, i))) : null;
  }
  function inline(items) {
    if (!items.length) return null;
    return SD.el("span", {}, ...items.flatMap((item, i) => (i ? [", ", item] : [item])));
  }
  function inDutch(text) {
    // Dutch text on the English page (no English given) says so, for screen readers' pronunciation.
    return CatalogUI.english ? SD.el("span", { lang: "nl", text }) : text;
  }
  function catalogLink(facet, value, text) {
    return link(`${SD.root}/catalog?${new URLSearchParams({ [facet]: value })}`, text);
  }
  function yes(value) {
    return SD.t(value ? "catalog.yes" : "catalog.no");
  }

  // -- the metadata -------------------------------------------------------------------------
  function drawHead() {
    const title = CatalogUI.title(entry);
    $("dataset-title").textContent = title;
    if (CatalogUI.english && !entry.titleEn) $("dataset-title").lang = "nl";
    document.title = `${title} · ${SD.t("catalog.title")} · ${SD.t("site.title")}`;
    $("badges").replaceChildren(CatalogUI.badge(entry.accessLevel), ...CatalogUI.themeBadges(entry),
      entry.unlisted ? SD.el("span", { class: "badge", text: SD.t("catalog.unlisted") }) : "");
    const description = CatalogUI.description(entry);
    $("dataset-description").replaceChildren(CatalogUI.english && !entry.descriptionEn && description ? inDutch(description) : description);
  }

  function drawAbout() {
    const contact = entry.contactPoint;
    const rows = [
      ...row(SD.t("catalog.identifier"), SD.el("code", { text: entry.name })),
      ...row(SD.t("catalog.publisher"), CatalogUI.publisherName(entry.publisher)),
      ...(entry.owner && entry.publisher && entry.owner.id !== entry.publisher.id ? row(SD.t("catalog.owner"), CatalogUI.publisherName(entry.owner)) : []),
      ...row(CatalogUI.english ? SD.t("catalog.title.nl") : SD.t("catalog.title.en"), CatalogUI.english ? inDutch(entry.title) : entry.titleEn),
      ...row(CatalogUI.english ? SD.t("catalog.description.nl") : SD.t("catalog.description.en"),
        CatalogUI.english ? (entry.descriptionEn ? inDutch(entry.description) : null) : entry.descriptionEn),
      ...row(SD.t("catalog.facet.theme"), inline(entry.themes.map((t) => catalogLink("theme", t.code, CatalogUI.label(t))))),
      ...row(SD.t("catalog.facet.keyword"), inline(entry.keywords.map((k) => catalogLink("keyword", k, k)))),
      ...row(SD.t("catalog.license"), link(entry.license.uri, CatalogUI.label(entry.license))),
      ...row(SD.t("catalog.frequency"), entry.accrualPeriodicity ? CatalogUI.label(entry.accrualPeriodicity) : SD.t("catalog.unknown")),
      ...row(SD.t("catalog.contact"), contact ? SD.el("span", {}, contact.name,
        contact.email ? SD.el("span", {}, " · ", link(`mailto:${contact.email}`, contact.email)) : "",
        contact.url ? SD.el("span", {}, " · ", link(contact.url)) : "") : null),
      ...row(SD.t("catalog.conformsTo"), inline((entry.conformsTo || []).map((uri) => link(uri)))),
      ...row(SD.t("catalog.landingPage"), entry.landingPage ? link(entry.landingPage) : null),
      ...row(SD.t("catalog.attribution"), entry.attribution),
      ...row(SD.t("catalog.created"), CatalogUI.date(entry.created)),
      ...row(SD.t("catalog.modified.full"), SD.time(entry.modified)),
      ...row(SD.t("catalog.temporal"), entry.temporal ? CatalogUI.period(entry.temporal) : null),
      ...row(SD.t("catalog.streams"), entry.streamCount !== null ? SD.number(entry.streamCount, 0) : null),
      ...row(SD.t("catalog.observations"), entry.observationCount !== null ? SD.number(entry.observationCount, 0) : null),
      ...row(SD.t("catalog.personalData"), yes(entry.personalData)),
      ...row(SD.t("catalog.accessRights"), link(entry.accessRights.uri, CatalogUI.label(entry.accessRights))),
    ];
    $("about").replaceChildren(...rows);
  }

  // -- access ---------------------------------------------------------------------------------
  function drawAccess() {
    const box = $("access-explained");
    const lines = [SD.el("p", {}, SD.el("strong", { text: `${CatalogUI.levelLabel(entry.accessLevel)}: ` }), SD.t(`catalog.level.${entry.accessLevel}.explain`))];
    if (entry.managed) lines.push(SD.el("p", { text: SD.t("catalog.access.managed") }));
    else if (entry.readable) lines.push(SD.el("p", { text: entry.accessLevel === "public" ? SD.t("catalog.access.open") : SD.t("catalog.access.granted") }));
    else lines.push(SD.el("p", { id: "access-denied", text: SD.t("catalog.access.denied") }));
    box.replaceChildren(...lines);
    box.dataset.readable = String(entry.readable);
    if (entry.readable) return;
    $("ask").hidden = false;
    const contact = entry.contactPoint;
    const whom = contact
      ? SD.el("p", {}, `${SD.t("catalog.ask.contact")} `, SD.el("strong", { text: contact.name }),
        contact.email ? SD.el("span", {}, " · ", link(`mailto:${contact.email}?subject=${encodeURIComponent(`${SD.t("catalog.ask.subject")}: ${entry.name}`)}`, contact.email)) : "",
        contact.url ? SD.el("span", {}, " · ", link(contact.url)) : "")
      : SD.el("p", {}, `${SD.t("catalog.ask.contact")} `, SD.el("strong", { text: CatalogUI.publisherName(entry.publisher) }));
    $("ask-contact").replaceChildren(whom);
    if ($("ask-form")) offers();
  }

  function purposesOf(policy) {
    const out = new Set();
    for (const rule of [].concat((policy && policy.permission) || [])) {
      for (const c of [].concat(rule.constraint || [])) {
        if (c && c.leftOperand === "purpose") for (const v of [].concat(c.rightOperand)) if (typeof v === "string") out.add(v);
      }
    }
    return [...out];
  }

  async function offers() {
    const path = `/api/v1/offers?datasetId=${entry.id}`;
    used.push(path);
    let found = [];
    try {
      found = ((await SD.api(path))._embedded.offers || []).filter((o) => !o.withdrawnAt);
    } catch (error) {
      found = [];
    }
    const form = $("ask-form");
    if (!found.length) {
      $("ask-no-offer").hidden = false;
      return;
    }
    const select = $("ask-offer");
    select.replaceChildren(...found.map((o, i) => SD.el("option", { value: String(o.id),
      text: `${SD.t("catalog.ask.offer.item", { n: i + 1 })}${purposesOf(o.policy).length ? ` — ${purposesOf(o.policy).join(", ")}` : ""}${o.autoAccept ? ` (${SD.t("catalog.ask.auto")})` : ""}` })));
    const fill = () => {
      const offer = found.find((o) => String(o.id) === select.value);
      const purposes = offer ? purposesOf(offer.policy) : [];
      $("ask-purposes").replaceChildren(...purposes.map((p) => SD.el("option", { value: p })));
      if (purposes.length === 1) $("ask-purpose").value = purposes[0];
    };
    select.addEventListener("change", fill);
    fill();
    form.hidden = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const out = $("ask-status");
      out.classList.remove("error");
      try {
        const made = await SD.api("/api/v1/access-requests", { method: "POST",
          body: { offerId: Number(select.value), purpose: $("ask-purpose").value.trim(), message: $("ask-message").value } });
        out.textContent = SD.t(made.status === "approved" ? "catalog.ask.approved" : "catalog.ask.sent", { id: made.id });
        if (made.status === "approved") setTimeout(() => location.reload(), 1500);
      } catch (error) {
        const field = error.problem && error.problem.field ? `${error.problem.field}: ` : "";
        out.textContent = `${field}${error.message}`;
        out.classList.add("error");
      }
    });
  }

  // -- distributions and the download form -------------------------------------------------------
  function drawDistributions() {
    const body = $("distributions").querySelector("tbody");
    body.replaceChildren(...(entry.distributions || []).map((d) => SD.el("tr", { "data-distribution": d.key },
      SD.el("td", { text: d.format }),
      SD.el("td", { text: SD.t(`catalog.kind.${d.kind}`) }),
      SD.el("td", {}, SD.el("code", { text: d.mediaType })),
      SD.el("td", {}, link(d.license, CatalogUI.label(entry.license))),
      SD.el("td", {}, link(d.url, d.kind === "service" ? SD.t("catalog.open") : SD.t("catalog.download"))))));
    if (!entry.readable || !entry.streams.length) return;
    const form = $("download-form");
    form.hidden = false;
    const choice = $("download-streams");
    const all = $("download-all");
    const boxes = entry.streams.map((s) => {
      const box = SD.el("input", { type: "checkbox", value: String(s.id), "data-stream": String(s.id), "data-entity": s.entity });
      choice.append(SD.el("label", {}, box, ` ${s.name}`));
      box.addEventListener("change", () => { all.checked = !boxes.some((b) => b.checked); update(); });
      return box;
    });
    all.addEventListener("change", () => { if (all.checked) for (const b of boxes) b.checked = false; update(); });
    if (entry.temporal) { // the form starts at the data's last day
      const [start, end] = entry.temporal.split("/");
      for (const id of ["download-from", "download-to"]) { $(id).min = start.slice(0, 10); $(id).max = end.slice(0, 10); }
      $("download-from").value = $("download-to").value = end.slice(0, 10);
    }
    function url() {
      const q = new URLSearchParams({ format: $("download-format").value });
      const from = $("download-from").value, to = $("download-to").value;
      if (from) q.set("from", new Date(`${from}T00:00:00`).toISOString());
      if (to) { const day = new Date(`${to}T00:00:00`); day.setDate(day.getDate() + 1); q.set("to", day.toISOString()); } // through that day
      const chosen = (entity) => boxes.filter((b) => b.checked && b.dataset.entity === entity).map((b) => b.value);
      if (chosen("Datastream").length) q.set("datastreams", chosen("Datastream").join(","));
      if (chosen("MultiDatastream").length) q.set("multiDatastreams", chosen("MultiDatastream").join(","));
      return `/api/v1/datasets/${entry.id}/download?${q}`;
    }
    function update() {
      const path = url();
      $("download-link").href = SD.root + path;
      $("download-link").querySelector("code").textContent = path;
    }
    for (const id of ["download-format", "download-from", "download-to"]) $(id).addEventListener("change", update);
    update();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      window.location.href = SD.root + url();
    });
  }

  // -- streams and coverage ----------------------------------------------------------------------
  async function thingsOfStreams() {
    if (!entry.streams.some((s) => s.entity === "Datastream")) return {};
    const path = `/api/v1/datasets/${entry.id}/datastreams?limit=1000`;
    used.push(path);
    try {
      const rows = (await SD.api(path))._embedded.datastreams || [];
      return Object.fromEntries(rows.map((r) => [r.id, r.thingId]));
    } catch (error) {
      return {}; // the streams are listed without links to their sensor pages
    }
  }

  function sensorHref(stream, things) {
    const thing = stream.entity === "Datastream" ? things[stream.id] : null;
    return thing ? `${SD.root}/sensors/${thing}?datastream=${stream.id}` : null;
  }

  // -- the streams' data quality ----------------------------------------------------------------
  // Each of the first QUALITY_MAX Datastreams of the table gets the counts of its quality report
  // over the last 7 days (GET /api/v1/datastreams/{id}/quality: completeness and findings by kind),
  // asked for once its row comes into view and a few at a time: the report reads a week of raw
  // readings, so a page that is not scrolled to its streams asks for none. A stream the visitor
  // may not read (404) shows no figure.
  const qualityJobs = new Map(); // cell → its report to ask for
  const qualityQueue = [];
  let qualityBusy = 0;
  const qualityWatch = "IntersectionObserver" in window
    ? new IntersectionObserver((seen) => {
      for (const e of seen) if (e.isIntersecting) { qualityWatch.unobserve(e.target); queueQuality(e.target); }
    }, { rootMargin: "200px" })
    : null;

  function watchQuality(rows) {
    for (const tr of rows) {
      const cell = tr.querySelector("td.quality[data-quality=waiting]");
      if (!cell) continue;
      if (qualityWatch) qualityWatch.observe(cell);
      else queueQuality(cell);
    }
  }

  function queueQuality(cell) {
    const job = qualityJobs.get(cell);
    if (!job) return;
    qualityJobs.delete(cell);
    cell.dataset.quality = "queued";
    qualityQueue.push(job);
    pumpQuality();
  }

  function pumpQuality() {
    while (qualityBusy < QUALITY_AT_ONCE && qualityQueue.length) {
      const job = qualityQueue.shift();
      qualityBusy += 1;
      job().finally(() => { qualityBusy -= 1; pumpQuality(); });
    }
  }

  async function fillQuality(cell, stream, href) {
    cell.dataset.quality = "loading";
    let report;
    try {
      report = await SD.api(`/api/v1/datastreams/${stream.id}/quality`); // the last 7 days up to now
    } catch (error) {
      cell.dataset.quality = error.status === 404 ? "none" : "error";
      if (error.status !== 404) cell.replaceChildren(SD.el("span", { title: SD.t("catalog.quality.failed", { detail: error.message }), text: "–" }));
      return;
    }
    const counts = Object.entries(report.counts).filter(([, n]) => n > 0);
    const complete = report.readings === 0 ? SD.t("catalog.quality.noreadings")
      : report.completeness === null ? null : SD.t("catalog.quality.complete", { complete: `${Math.round(report.completeness * 100)} %` });
    const parts = [complete === null ? null : SD.el("span", { class: "complete", text: complete }),
      ...(counts.length
        ? counts.map(([kind, n]) => SD.el("span", { class: "finding", "data-kind": kind, "data-count": String(n), text: `${SD.t(`sensor.quality.${kind}`)}: ${n}` }))
        : [SD.el("span", { class: "clean", text: SD.t("catalog.quality.clean") })])].filter(Boolean);
    const figures = parts.flatMap((part, i) => (i ? [" · ", part] : [part]));
    cell.replaceChildren(href ? SD.el("a", { href: `${href}#quality`, title: SD.t("catalog.quality.link") }, ...figures) : SD.el("span", {}, ...figures));
    cell.dataset.completeness = report.completeness === null ? "" : String(report.completeness);
    cell.dataset.quality = "true";
  }

  function qualityCell(stream, href, index) {
    if (stream.entity !== "Datastream" || index >= QUALITY_MAX) return SD.el("td", { class: "quality", "data-quality": "none" });
    const cell = SD.el("td", { class: "quality", "data-quality": "waiting" });
    qualityJobs.set(cell, () => fillQuality(cell, stream, href));
    return cell;
  }

  async function drawStreams() {
    const body = $("streams").querySelector("tbody");
    if (!entry.readable || !entry.streams.length) {
      $("streams").hidden = true;
      const none = $("streams-none");
      none.hidden = false;
      none.textContent = entry.readable ? SD.t("catalog.streams.none") : SD.t("catalog.streams.hidden");
      return {};
    }
    const things = await thingsOfStreams();
    const streams = [...entry.streams].sort((a, b) => a.thing.localeCompare(b.thing) || a.name.localeCompare(b.name));
    const rows = streams.map((s, i) => {
      const href = sensorHref(s, things);
      const units = s.units.filter(Boolean);
      return SD.el("tr", { "data-stream": String(s.id) },
        SD.el("td", {}, href ? link(href, s.name) : s.name),
        SD.el("td", { text: s.observedProperties.join(", ") + (units.length ? ` (${units.join(", ")})` : "") }),
        SD.el("td", { text: s.thing }),
        SD.el("td", { text: SD.number(s.observationCount, 0) }),
        SD.el("td", { text: CatalogUI.period(s.phenomenonTime) }),
        qualityCell(s, href, i));
    });
    const first = streams.find((s) => s.entity === "Datastream");
    if (first) used.push(`/api/v1/datastreams/${first.id}/quality`);
    if (streams.length > QUALITY_MAX) {
      $("quality-more").hidden = false;
      $("quality-more").textContent = SD.t("catalog.quality.more", { n: QUALITY_MAX });
    }
    body.replaceChildren(...rows.slice(0, STREAMS_SHOWN));
    watchQuality(rows.slice(0, STREAMS_SHOWN));
    if (rows.length > STREAMS_SHOWN) { // the rest on request: a dataset may have hundreds
      const more = SD.el("button", { type: "button", id: "streams-all", text: SD.t("catalog.streams.all", { n: rows.length }) });
      more.addEventListener("click", () => {
        body.append(...rows.slice(STREAMS_SHOWN));
        watchQuality(rows.slice(STREAMS_SHOWN));
        more.remove();
        rows[STREAMS_SHOWN].querySelector("td").tabIndex = -1;
        rows[STREAMS_SHOWN].querySelector("td").focus();
      });
      $("streams").after(more);
    }
    return things;
  }

  function drawCoverage(things) {
    const box = $("dataset-map");
    if (!entry.bbox) {
      box.hidden = true;
      $("coverage-text").textContent = entry.readable ? SD.t("catalog.coverage.unknown") : SD.t("catalog.coverage.hidden");
      return;
    }
    map = L.map(box, { maxZoom: 19 });
    SD.background(map);
    const area = CatalogUI.boxLayer(entry.bbox, { color: "#004b87" }).bindTooltip(SD.t("catalog.coverage.box")).addTo(map);
    let points = 0;
    const seen = new Set();
    for (const s of entry.streams) {
      const g = s.location && (s.location.type === "Feature" ? s.location.geometry : s.location);
      if (!g || g.type !== "Point" || points >= 1000) continue;
      const key = g.coordinates.join(",");
      if (seen.has(key)) continue;
      seen.add(key);
      points += 1;
      const href = sensorHref(s, things);
      L.circleMarker([g.coordinates[1], g.coordinates[0]], { radius: 5, weight: 1.5, color: "#222", fillColor: "#ffbf47", fillOpacity: 0.9 })
        .bindPopup(() => SD.el("div", {}, SD.el("strong", { text: s.thing }), SD.el("br"), href ? link(href, SD.t("map.open")) : ""))
        .addTo(map);
    }
    box.dataset.boxes = "1";
    box.dataset.points = String(points);
    const [w, s, e, n] = entry.bbox;
    $("coverage-text").textContent = SD.t("catalog.coverage.text", { w: w.toFixed(4), s: s.toFixed(4), e: e.toFixed(4), n: n.toFixed(4), points });
    if (w === e && s === n) map.setView([s, w], 15);
    else map.fitBounds(area.getBounds(), { padding: [15, 15], maxZoom: 16 });
  }

  // -- the record of processing ------------------------------------------------------------------
  function drawProcessing() {
    const p = entry.processing;
    if (!p) return;
    $("processing-section").hidden = false;
    $("processing").replaceChildren(
      ...row(SD.t("processing.purpose"), p.purpose),
      ...row(SD.t("processing.legalBasis"), SD.t(`processing.legal.${p.legalBasis}`)),
      ...row(SD.t("processing.dataCategories"), list(p.dataCategories || [])),
      ...row(SD.t("processing.subjectCategories"), list(p.subjectCategories || [])),
      ...row(SD.t("processing.retention"), p.retention),
      ...row(SD.t("processing.controller"), p.controller || CatalogUI.publisherName(entry.owner)));
  }

  // -- editing (who manages the dataset) --------------------------------------------------------------
  function fillEditForm() {
    $("edit-section").hidden = false;
    $("edit-title-nl").value = entry.title || "";
    $("edit-description-nl").value = entry.description || "";
    $("edit-title-en").value = entry.titleEn || "";
    $("edit-description-en").value = entry.descriptionEn || "";
    const chosen = new Set(entry.themes.map((t) => t.code));
    for (const [id, dutch] of [["edit-themes-eu", false], ["edit-themes-nl", true]]) { // the EU themes, and the Dutch ones ('nl:…')
      const group = $(id);
      const terms = Object.entries(vocab.themes || {}).filter(([code]) => code.startsWith("nl:") === dutch);
      group.hidden = !terms.length;
      group.replaceChildren(group.querySelector("legend"), ...terms.map(([code, term]) => {
        const box = SD.el("input", { type: "checkbox", name: "themes", value: code });
        box.checked = chosen.has(code);
        return SD.el("label", {}, box, ` ${CatalogUI.label(term)}`);
      }));
    }
    $("edit-keywords").value = entry.keywords.join(", ");
    const licenceCode = Object.entries(vocab.licenses || {}).find(([, term]) => term.uri === entry.license.uri);
    $("edit-license").replaceChildren(SD.el("option", { value: "", text: SD.t("catalog.edit.default") }),
      ...Object.entries(vocab.licenses || {}).map(([code, term]) => SD.el("option", { value: code, text: CatalogUI.label(term) })));
    const byDefault = licenceCode && (vocab.defaultLicenses || {})[entry.accessLevel] === licenceCode[0]; // shown as "the default"
    $("edit-license").value = licenceCode && !byDefault ? licenceCode[0] : "";
    const frequency = entry.accrualPeriodicity ? Object.entries(vocab.frequencies || {}).find(([, term]) => term.uri === entry.accrualPeriodicity.uri) : null;
    $("edit-frequency").replaceChildren(SD.el("option", { value: "", text: SD.t("catalog.unknown") }),
      ...Object.entries(vocab.frequencies || {}).map(([code, term]) => SD.el("option", { value: code, text: CatalogUI.label(term) })));
    $("edit-frequency").value = frequency ? frequency[0] : "";
    const contact = entry.contactPoint || {};
    $("edit-contact-name").value = contact.name || "";
    $("edit-contact-email").value = contact.email || "";
    $("edit-contact-url").value = contact.url || "";
    $("edit-unlisted").checked = Boolean(entry.unlisted);
  }

  function editChange() {
    const text = (id) => $(id).value.trim();
    const orNull = (value) => (value ? value : null); // an emptied member is removed (a JSON merge patch)
    const name = text("edit-contact-name");
    const contact = name ? { name, ...(text("edit-contact-email") ? { email: text("edit-contact-email") } : {}), ...(text("edit-contact-url") ? { url: text("edit-contact-url") } : {}) } : null;
    return {
      title: text("edit-title-nl"),
      description: $("edit-description-nl").value,
      unlisted: $("edit-unlisted").checked,
      metadata: {
        titleEn: orNull(text("edit-title-en")), descriptionEn: orNull($("edit-description-en").value.trim()),
        themes: [...document.querySelectorAll("#edit-form input[name=themes]:checked")].map((b) => b.value),
        keywords: text("edit-keywords").split(",").map((k) => k.trim()).filter(Boolean),
        license: orNull($("edit-license").value), accrualPeriodicity: orNull($("edit-frequency").value), contactPoint: contact,
      },
    };
  }

  function wireEditForm() {
    $("edit-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const out = $("edit-status");
      out.classList.remove("error");
      try {
        await SD.api(`/api/v1/datasets/${entry.id}`, { method: "PATCH", body: editChange() });
        entry = await SD.api(QUERY);
        render();
        out.textContent = SD.t("catalog.edit.saved");
      } catch (error) {
        const field = error.problem && error.problem.field ? `${error.problem.field}: ` : "";
        out.textContent = `${field}${error.message}`;
        out.classList.add("error");
      }
    });
  }

  function render() {
    drawHead();
    drawAbout();
    drawProcessing();
    if (entry.managed) fillEditForm();
  }

  function drawApiLinks() {
    $("api-more").replaceChildren(...used.slice(1).flatMap((path) => [", ", SD.el("a", { href: SD.root + path }, SD.el("code", { text: path }))]));
    for (const [id, ext] of [["dcat-ttl", "ttl"], ["dcat-jsonld", "jsonld"], ["dcat-rdf", "rdf"]]) $(id).href = `${SD.root}/datasets/${entry.id}.${ext}`;
  }

  try {
    entry = await SD.api(QUERY);
  } catch (error) {
    SD.status(error.status === 404 ? SD.t("catalog.notfound") : SD.t("error.load", { detail: error.message }), true);
    document.body.dataset.datasetReady = "error";
    return;
  }
  SD.status("");
  $("dataset-body").hidden = false;
  render();
  drawAccess();
  drawDistributions();
  const things = await drawStreams();
  drawCoverage(things);
  if (entry.managed) wireEditForm();
  drawApiLinks();
  document.body.dataset.datasetReady = "true";
})();

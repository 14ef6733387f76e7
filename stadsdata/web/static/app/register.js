// The sensor register's page: every registered device the visitor is shown, on a map and as a
// list, with filters and each entry's details; for signed-in visitors a form to register a device
// or change their own, and for administrators the review. Data: /api/v1/register/devices.geojson
// (the JSON twin of this page); changes through /api/v1/register/devices.
"use strict";
(() => {
  const config = SD.config;
  const vocab = config.registerVocabularies;
  const user = config.user;
  const API = "/api/v1/register/devices";
  const PLAIN = "#004b87", PERSONAL = "#c2410c";
  const $ = (id) => document.getElementById(id);

  const map = L.map("map", { zoomControl: true, maxZoom: 19 }).setView([52.1, 5.3], 8);
  SD.background(map);
  const layer = L.featureGroup().addTo(map);
  let devices = []; // GeoJSON Features
  let selected = null; // the id shown in the details
  let editing = null; // the Feature being changed, or "new"
  let pin = null; // the form's position on the map
  window.stadsdataRegister = { map, shown: () => devices.map((f) => f.id) }; // for scripts and the browser tests

  const label = (entry) => (entry ? entry[config.lang] || entry.nl : "");
  const text = (value) => (value === null || value === undefined || value === "" ? "–" : String(value));

  // -- filters --------------------------------------------------------------------------------------
  function fillSelect(select, entries) {
    for (const [code, names] of Object.entries(entries)) select.append(SD.el("option", { value: code, text: label(names) }));
  }
  fillSelect($("register-type-filter"), vocab.types);
  fillSelect($("register-theme-filter"), vocab.themes);
  if ($("register-status-filter")) fillSelect($("register-status-filter"), vocab.statuses);
  function query() {
    const params = new URLSearchParams();
    const q = $("register-q").value.trim();
    if (q) params.set("q", q);
    for (const [name, id] of [["type", "register-type-filter"], ["theme", "register-theme-filter"], ["status", "register-status-filter"]]) {
      if ($(id) && $(id).value) params.set(name, $(id).value);
    }
    return params.toString();
  }
  let typing = null;
  $("register-filters").addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(load, 250); });
  $("register-filters").addEventListener("submit", (event) => { event.preventDefault(); load(); });

  // -- the map and the list -------------------------------------------------------------------------
  function style(feature) {
    const p = feature.properties;
    const colour = p.personalData ? PERSONAL : PLAIN;
    return { color: "#1b1b1b", weight: 2, fillColor: colour, fillOpacity: p.status === "approved" ? 0.85 : 0.35,
             dashArray: p.status === "approved" ? null : "4 3" };
  }
  function draw() {
    layer.clearLayers();
    for (const feature of devices) {
      const shape = feature.geometry.type === "Point"
        ? L.circleMarker([feature.geometry.coordinates[1], feature.geometry.coordinates[0]], { radius: 9, ...style(feature) })
        : L.geoJSON(feature.geometry, { style: () => style(feature) });
      shape.bindTooltip(feature.properties.name);
      shape.on("click", () => select(feature.id));
      shape.addTo(layer);
    }
    const list = $("register-list");
    list.replaceChildren(...devices.map((f) => {
      const p = f.properties;
      const sub = [label(p.type), p.owner.name || SD.t("register.resident"), label(p.statusLabel)].join(" · ");
      const button = SD.el("button", { type: "button", "data-id": f.id, onclick: () => select(f.id, true) },
        SD.el("span", { text: p.name }), SD.el("span", { class: "sub", text: sub + (p.personalData ? ` · ${SD.t("register.personal")}` : "") }));
      return SD.el("li", {}, button);
    }));
    SD.status(devices.length === 1 ? SD.t("register.count.one") : SD.t("register.count", { n: devices.length }));
    document.body.dataset.registerMarkers = String(devices.length);
  }
  async function load(keepView) {
    const qs = query();
    for (const [id, path] of [["register-geojson", `${API}.geojson`], ["register-csv", `${API}.csv`], ["register-sensrnet", "/api/v1/register/sensrnet"]]) {
      $(id).href = SD.root + path + (qs ? `?${qs}` : "");
    }
    try {
      const collection = await SD.api(`${config.registerData}${qs ? `?${qs}` : ""}`);
      devices = collection.features;
    } catch (error) {
      SD.status(SD.t("error.load", { detail: error.message }), true);
      return;
    }
    draw();
    if (!keepView && devices.length) map.fitBounds(layer.getBounds(), { padding: [30, 30], maxZoom: 16 });
    if (selected !== null) showDetail(devices.find((f) => f.id === selected) || null);
    document.body.dataset.registerReady = "true";
  }

  // -- an entry's details ---------------------------------------------------------------------------
  function select(id, fly) {
    if (editing) return; // a click on the map while the form is open places the device
    selected = id;
    const feature = devices.find((f) => f.id === id) || null;
    for (const button of $("register-list").querySelectorAll("button")) button.setAttribute("aria-current", String(Number(button.dataset.id) === id));
    if (feature && fly) map.fitBounds(L.geoJSON(feature.geometry).getBounds(), { maxZoom: 17, padding: [40, 40] });
    showDetail(feature);
  }
  function row(term, value) {
    return [SD.el("dt", { text: SD.t(term) }), SD.el("dd", {}, value instanceof Node ? value : text(value))];
  }
  function link(url) {
    return url ? SD.el("a", { href: url, rel: "noopener", text: url }) : "–";
  }
  function showDetail(feature) {
    const box = $("register-detail");
    if (!feature) { box.hidden = true; return; }
    if ($("register-form-section")) $("register-form-section").hidden = true;
    const p = feature.properties;
    const yes = (flag) => SD.t(flag ? "register.yes" : "register.no");
    const contact = p.contact ? [p.contact.name, p.contact.email, p.contact.phone].filter(Boolean).join(", ") : null;
    const sensors = SD.el("ul", {}, ...p.sensors.map((s) => SD.el("li", {},
      `${s.name}${s.manufacturer ? ` (${s.manufacturer})` : ""}: ${s.observes.join(", ") || "–"}`,
      ...s.datastreams.map((d) => SD.el("span", {}, " · ", SD.el("a", { href: d._links.self.href, text: d.name }))))));
    const owner = p.owner.name || SD.t("register.resident");
    const dl = SD.el("dl", { class: "meta" },
      ...row("register.type", label(p.type)), ...row("register.owner", owner), ...row("register.contact", contact),
      ...row("register.purpose", p.purpose), ...row("register.personalData", yes(p.personalData)),
      ...row("register.legalGround", p.legalGround), ...row("register.legalGroundUrl", link(p.legalGroundUrl)),
      ...row("register.privacyStatementUrl", link(p.privacyStatementUrl)),
      ...row("register.themes", p.themes.map(label).join(", ")), ...row("register.observes", p.observes.join(", ")),
      ...row("register.where", [p.locationDescription, p.generalised ? SD.t("register.generalised") : ""].filter(Boolean).join(" — ")),
      ...row("register.active", `${p.activeFrom || "…"} – ${p.activeUntil || "…"}`),
      ...row("register.isPublic", yes(p.isPublic)), ...row("register.isOpenData", yes(p.isOpenData)),
      ...row("register.sensors", sensors));
    const parts = [SD.el("h2", { text: p.name }),
      SD.el("p", {}, SD.el("span", { class: `badge ${p.status}`, text: label(p.statusLabel) }), " ",
        p.personalData ? SD.el("span", { class: "badge personal", text: SD.t("register.personal") }) : null),
      p.description ? SD.el("p", { text: p.description }) : null, dl];
    if (p.thingId !== null) parts.push(SD.el("p", {}, SD.el("a", { href: `${SD.root}/sensors/${p.thingId}`, text: SD.t("map.open") })));
    if (p.review && p.review.note) parts.push(SD.el("p", { class: "hint", text: `${SD.t("register.review.note")}: ${p.review.note}` }));
    const actions = SD.el("div", { class: "register-actions" });
    if (p.managed) {
      actions.append(SD.el("button", { type: "button", text: SD.t("register.edit"), onclick: () => openForm(feature) }));
      actions.append(SD.el("button", { type: "button", class: "secondary", text: SD.t("register.delete"), onclick: () => remove(feature) }));
    }
    parts.push(actions);
    if (user && user.admin) parts.push(reviewBlock(feature));
    box.replaceChildren(...parts.filter(Boolean));
    box.hidden = false;
  }
  function reviewBlock(feature) {
    const note = SD.el("textarea", { id: "register-review-note", rows: "2" });
    const decide = async (decision) => {
      try {
        await SD.api(`${API}/${feature.id}/review`, { method: "POST", body: { decision, note: note.value || null } });
        SD.status(SD.t(decision === "approve" ? "register.approved" : "register.rejected"));
        await load(true);
      } catch (error) { SD.status(error.message, true); }
    };
    return SD.el("div", { class: "register-review" }, SD.el("h3", { text: SD.t("register.review") }),
      SD.el("label", { for: "register-review-note", text: SD.t("register.review.note") }), note,
      SD.el("div", { class: "register-actions" },
        SD.el("button", { type: "button", text: SD.t("register.approve"), onclick: () => decide("approve") }),
        SD.el("button", { type: "button", class: "secondary", text: SD.t("register.reject"), onclick: () => decide("reject") })));
  }
  async function remove(feature) {
    if (!window.confirm(SD.t("register.delete.confirm", { name: feature.properties.name }))) return;
    try {
      await SD.api(`${API}/${feature.id}`, { method: "DELETE" });
      selected = null;
      $("register-detail").hidden = true;
      await load(true);
    } catch (error) { SD.status(error.message, true); }
  }

  // -- registering and changing ---------------------------------------------------------------------
  const form = $("register-form");
  if (form) setUpForm();

  function setUpForm() {
    $("register-type").append(SD.el("option", { value: "", text: SD.t("register.choose") }));
    fillSelect($("register-type"), vocab.types);
    for (const [code, names] of Object.entries(vocab.themes)) {
      $("register-themes").append(SD.el("label", {}, SD.el("input", { type: "checkbox", name: "themes", value: code }), label(names)));
    }
    if ($("register-owner")) {
      $("register-owner").append(SD.el("option", { value: "", text: SD.t("register.choose") }));
      SD.api("/api/v1/parties?limit=1000").then((page) => {
        for (const party of page._embedded.parties) $("register-owner").append(SD.el("option", { value: party.id, text: party.name }));
      }).catch(() => {});
    }
    $("register-new").addEventListener("click", () => openForm(null));
    $("register-cancel").addEventListener("click", closeForm);
    form.addEventListener("submit", (event) => { event.preventDefault(); save(); });
    map.on("click", (event) => {
      if ($("register-form-section").hidden) return;
      $("register-lon").value = event.latlng.lng.toFixed(6);
      $("register-lat").value = event.latlng.lat.toFixed(6);
      placePin();
    });
    for (const id of ["register-lon", "register-lat"]) $(id).addEventListener("change", placePin);
  }
  function placePin() {
    const lon = number($("register-lon").value), lat = number($("register-lat").value);
    if (pin) { map.removeLayer(pin); pin = null; }
    if (Number.isFinite(lon) && Number.isFinite(lat) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
      pin = L.circleMarker([lat, lon], { radius: 10, color: "#1b1b1b", weight: 3, fillColor: "#ffbf47", fillOpacity: 1 }).addTo(map);
    }
  }
  const number = (value) => (String(value).trim() === "" ? NaN : Number(String(value).replace(",", ".")));
  const FIELDS = { // form control -> [document member, kind]
    "register-name": ["name"], "register-type": ["type"], "register-description": ["description"], "register-purpose": ["purpose"],
    "register-location": ["locationDescription"], "register-legal": ["legalGround"], "register-legal-url": ["legalGroundUrl"],
    "register-privacy": ["privacyStatementUrl"], "register-from": ["activeFrom"], "register-until": ["activeUntil"],
    "register-personal": ["personalData", "check"], "register-public": ["isPublic", "check"], "register-open": ["isOpenData", "check"],
  };
  function openForm(feature) {
    editing = feature || "new";
    form.reset();
    clearErrors();
    const p = feature ? feature.properties : null;
    $("register-form-title").textContent = SD.t(p ? "register.editing" : "register.new");
    for (const [id, [member, kind]] of Object.entries(FIELDS)) {
      if (kind === "check") $(id).checked = p ? Boolean(p[member]) : id === "register-public";
      else $(id).value = p ? (member === "type" ? p.type.code : p[member] || "") : "";
    }
    for (const box of form.querySelectorAll("input[name=themes]")) box.checked = Boolean(p && p.themes.some((t) => t.code === box.value));
    const point = p ? centre(feature.geometry) : null;
    $("register-lon").value = point ? point[0] : "";
    $("register-lat").value = point ? point[1] : "";
    $("register-contact-name").value = (p && p.contact && p.contact.name) || "";
    $("register-contact-email").value = (p && p.contact && p.contact.email) || "";
    $("register-contact-phone").value = (p && p.contact && p.contact.phone) || "";
    if ($("register-owner")) {
      $("register-owner").value = p && p.owner.id !== null ? String(p.owner.id) : "";
    }
    const sensor = p && p.sensors[0];
    const many = Boolean(p && p.sensors.length > 1);
    $("register-sensor-hint").hidden = !many;
    for (const id of ["register-sensor-name", "register-sensor-observes", "register-sensor-streams"]) $(id).disabled = many;
    $("register-sensor-name").value = sensor ? sensor.name : "";
    $("register-sensor-observes").value = sensor ? sensor.observes.join(", ") : "";
    $("register-sensor-streams").value = sensor ? sensor.datastreams.map((d) => d.id).join(", ") : "";
    form.dataset.sensor = sensorKey();
    $("register-detail").hidden = true;
    $("register-form-section").hidden = false;
    placePin();
    $("register-name").focus();
  }
  function closeForm() {
    editing = null;
    $("register-form-section").hidden = true;
    if (pin) { map.removeLayer(pin); pin = null; }
    if (selected !== null) showDetail(devices.find((f) => f.id === selected) || null);
  }
  function centre(geometry) {
    if (geometry.type === "Point") return geometry.coordinates;
    const bounds = L.geoJSON(geometry).getBounds().getCenter();
    return [Number(bounds.lng.toFixed(6)), Number(bounds.lat.toFixed(6))];
  }
  const sensorKey = () => ["register-sensor-name", "register-sensor-observes", "register-sensor-streams"].map((id) => $(id).value).join("|");
  const list = (value) => value.split(",").map((v) => v.trim()).filter(Boolean);

  function documentOfForm() {
    const doc = {};
    for (const [id, [member, kind]] of Object.entries(FIELDS)) {
      const value = kind === "check" ? $(id).checked : $(id).value.trim();
      doc[member] = value === "" ? null : value;
    }
    doc.themes = [...form.querySelectorAll("input[name=themes]:checked")].map((box) => box.value);
    const lon = number($("register-lon").value), lat = number($("register-lat").value);
    const feature = editing !== "new" ? editing : null;
    const moved = !feature || feature.geometry.type === "Point" || String(centre(feature.geometry)) !== String([lon, lat]);
    if (moved) doc.geometry = Number.isNaN(lon) && Number.isNaN(lat) ? null : { type: "Point", coordinates: [lon, lat] };
    const contact = { name: $("register-contact-name").value.trim(), email: $("register-contact-email").value.trim(), phone: $("register-contact-phone").value.trim() };
    doc.contact = Object.values(contact).some(Boolean) ? Object.fromEntries(Object.entries(contact).filter(([, v]) => v)) : null;
    if ($("register-owner") && $("register-owner").value) doc.ownerPartyId = Number($("register-owner").value);
    if (!$("register-sensor-name").disabled && (editing === "new" || form.dataset.sensor !== sensorKey())) {
      const name = $("register-sensor-name").value.trim();
      doc.sensors = name ? [{ name, observes: list($("register-sensor-observes").value),
        datastreamIds: list($("register-sensor-streams").value).map(Number) }] : [];
    }
    if (editing === "new") for (const key of Object.keys(doc)) if (doc[key] === null) delete doc[key];
    return doc;
  }
  async function save() {
    clearErrors();
    const doc = documentOfForm();
    try {
      const saved = editing === "new"
        ? await SD.api(API, { method: "POST", body: doc })
        : await SD.api(`${API}/${editing.id}`, { method: "PATCH", body: doc });
      editing = null;
      $("register-form-section").hidden = true;
      if (pin) { map.removeLayer(pin); pin = null; }
      selected = saved.id;
      await load(true);
      select(saved.id, true);
      SD.status(SD.t(saved.status === "approved" ? "register.saved" : "register.saved.review"));
    } catch (error) {
      showError(error);
    }
  }
  const INPUTS = {
    name: "register-name", type: "register-type", description: "register-description", purpose: "register-purpose",
    themes: "register-themes", geometry: "register-lon", "geometry.coordinates": "register-lon", locationDescription: "register-location",
    personalData: "register-personal", legalGround: "register-legal", legalGroundUrl: "register-legal-url",
    privacyStatementUrl: "register-privacy", isPublic: "register-public", isOpenData: "register-open", activeFrom: "register-from",
    activeUntil: "register-until", "contact.name": "register-contact-name", "contact.email": "register-contact-email",
    "contact.phone": "register-contact-phone", ownerPartyId: "register-owner", "sensors.0.name": "register-sensor-name",
    "sensors.0.observes": "register-sensor-observes", "sensors.0.datastreamIds": "register-sensor-streams",
  };
  function showError(error) {
    const field = (error.problem && error.problem.field) || "";
    let path = field;
    while (path && !INPUTS[path]) path = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "";
    const control = path ? $(INPUTS[path]) : null;
    $("register-form-error").textContent = field ? `${field}: ${error.message}` : error.message;
    if (control) {
      const message = SD.el("p", { id: "register-field-error", class: "error", text: error.message });
      (control.closest("label.check") || control).after(message);
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", "register-field-error");
      if (control.focus) control.focus();
    }
  }
  function clearErrors() {
    $("register-form-error").textContent = "";
    if ($("register-field-error")) $("register-field-error").remove();
    for (const control of form.querySelectorAll("[aria-invalid]")) { control.removeAttribute("aria-invalid"); control.removeAttribute("aria-describedby"); }
  }

  load();
})();

// The processing register (GDPR art. 30): for every dataset with personal data the visitor is
// shown, the record of processing its owner keeps and the recipients — the parties that may read
// it now by a grant, a consent or an agreement; a resident is never named. Data:
// GET /api/v1/processing-register as the visitor (and as CSV with ?format=csv).
"use strict";
(async () => {
  const body = document.querySelector("#register tbody");
  const list = (items) => (items && items.length ? SD.el("ul", {}, ...items.map((i) => SD.el("li", {}, i))) : "–");

  function recipient(r) {
    const who = r.name || SD.t("catalog.resident");
    const basis = SD.t(`processing.basis.${r.basis}`);
    return `${who} (${basis}${r.purpose ? `: ${r.purpose}` : ""})`;
  }

  function row(record) {
    const d = record.dataset;
    const p = record.processing;
    const title = CatalogUI.title(d);
    const cells = p
      ? [
          SD.el("td", { text: p.purpose }),
          SD.el("td", { text: SD.t(`processing.legal.${p.legalBasis}`) }),
          SD.el("td", {}, list(p.dataCategories)),
          SD.el("td", {}, list(p.subjectCategories)),
        ]
      : [SD.el("td", { colspan: "4", class: "error", text: SD.t("processing.missing") })];
    return SD.el("tr", { "data-dataset": d.name, "data-recorded": String(Boolean(p)) },
      SD.el("th", { scope: "row" }, SD.el("a", { href: `${SD.root}/catalog/${encodeURIComponent(d.name)}`, text: title }), " ", CatalogUI.badge(d.accessLevel)),
      SD.el("td", { text: record.controller || SD.t("catalog.resident") }),
      ...cells,
      SD.el("td", {}, list(record.recipients.map(recipient))),
      SD.el("td", { text: (p && p.retention) || "–" }));
  }

  try {
    const register = await SD.api("/api/v1/processing-register");
    const records = register._embedded.records;
    body.replaceChildren(...records.map(row));
    if (!records.length) body.append(SD.el("tr", {}, SD.el("td", { colspan: "8", text: SD.t("processing.none") })));
    SD.status(SD.t("processing.count", { n: records.length }));
    document.body.dataset.processingReady = "true";
  } catch (error) {
    SD.status(SD.t("error.load", { detail: error.message }), true);
    document.body.dataset.processingReady = "error";
  }
})();

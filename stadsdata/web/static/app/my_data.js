// "My data": the signed-in party's datasets, who may read them by consent (withdraw here), and
// who read them (the audit log). All from /api/v1 as the visitor.
"use strict";
(async () => {
  const consentsBody = document.querySelector("#consents tbody");
  const auditBody = document.querySelector("#audit tbody");
  try {
    const me = await SD.api("/api/v1/me");
    const datasets = (await SD.api("/api/v1/datasets?limit=1000"))._embedded.datasets;
    const myParty = me.party ? me.party.id : null;
    const mine = datasets.filter((d) => myParty !== null && d.ownerPartyId === myParty);
    const names = Object.fromEntries(datasets.map((d) => [d.id, d.title || d.name]));
    const list = document.getElementById("datasets");
    list.replaceChildren(...(mine.length ? mine.map((d) => SD.el("li", {}, SD.el("strong", { text: d.title || d.name }), ` — ${SD.t(`access.${d.accessLevel}`)}`)) : [SD.el("li", { text: SD.t("mydata.none") })]));

    async function consents() {
      const rows = (await SD.api("/api/v1/consents?limit=1000"))._embedded.consents;
      const parties = {};
      for (const p of (await SD.api("/api/v1/parties?limit=1000"))._embedded.parties) parties[p.id] = p.name;
      consentsBody.replaceChildren(...rows.map((c) => {
        const withdraw = c.status === "given" && mine.some((d) => d.id === c.datasetId)
          ? SD.el("button", { type: "button", "data-consent": c.id, onclick: async () => {
              await SD.api(`/api/v1/consents/${c.id}`, { method: "PATCH", body: { status: "withdrawn" } });
              await consents();
            } }, SD.t("mydata.consent.withdraw"))
          : "";
        return SD.el("tr", { "data-consent-row": c.id },
          SD.el("td", { text: names[c.datasetId] || c.datasetId }),
          SD.el("td", { text: parties[c.partyId] || c.partyId }),
          SD.el("td", { text: c.purpose }),
          SD.el("td", { text: SD.t(`mydata.consent.${c.status}`) }),
          SD.el("td", {}, withdraw));
      }));
      if (!rows.length) consentsBody.append(SD.el("tr", {}, SD.el("td", { colspan: "5", text: SD.t("mydata.none") })));
    }
    await consents();

    const events = (await SD.api("/api/v1/audit-events?limit=100"))._embedded.auditEvents || [];
    auditBody.replaceChildren(...events.map((e) => SD.el("tr", {},
      SD.el("td", { text: SD.time(e.time) }),
      SD.el("td", { text: names[e.datasetId] || e.datasetId }),
      SD.el("td", { text: e.subject }),
      SD.el("td", { text: e.records }),
      SD.el("td", { text: e.basis }))));
    if (!events.length) auditBody.append(SD.el("tr", {}, SD.el("td", { colspan: "5", text: SD.t("mydata.none") })));
    document.body.dataset.mydataReady = "true";
  } catch (error) {
    SD.status(SD.t("error.load", { detail: error.message }), true);
  }
})();

// The sensor page: a Thing's metadata, its Datastreams, and a chart of the chosen one over a
// chosen period (raw readings, or hourly/daily means from the rollups for long periods).
"use strict";
(async () => {
  const thingId = SD.config.thingId;
  const THING = SD.config.thingQuery; // preloaded by the page while the scripts load
  const apiThing = document.getElementById("api-thing");
  apiThing.href = SD.root + THING;
  apiThing.querySelector("code").textContent = THING;
  const select = document.getElementById("datastream");
  const chart = document.getElementById("chart");
  const caption = document.getElementById("chart-caption");
  let thing;
  let days = 7;
  let range = null; // a range picked by dragging on the chart

  try {
    thing = await SD.api(THING);
  } catch (error) {
    SD.status(error.status === 404 ? SD.t("sensor.notfound") : SD.t("error.load", { detail: error.message }), true);
    document.body.dataset.chartReady = "error";
    return;
  }
  document.getElementById("sensor-name").textContent = thing.name;
  document.title = `${thing.name} · ${SD.t("site.title")}`;
  const streams = thing.Datastreams || [];
  for (const d of streams) {
    const name = (d.ObservedProperty && d.ObservedProperty.name) || d.name;
    select.append(SD.el("option", { value: d["@iot.id"], text: `${name} (${SD.unit(d)})` }));
  }
  const params = new URLSearchParams(location.search);
  if (params.get("datastream")) select.value = params.get("datastream");
  if (params.get("days")) days = Number(params.get("days")) || 7;

  function meta(stream, info) {
    const dl = document.getElementById("meta");
    const rows = [];
    const props = thing.properties || {};
    if (info && info.dataset) {
      rows.push([SD.t("sensor.dataset"), info.dataset.title || info.dataset.name]);
      rows.push([SD.t("sensor.access"), SD.t(`access.${info.dataset.accessLevel}`)]);
      if (info.dataset.owner) rows.push([SD.t("sensor.owner"), info.dataset.owner]);
    } else if (props.owner) {
      rows.push([SD.t("sensor.owner"), props.owner]);
    }
    rows.push([SD.t("sensor.what"), `${(stream.ObservedProperty || {}).name || stream.name} — ${stream.description || ""}`]);
    if (stream.phenomenonTime) rows.push([SD.t("sensor.since"), SD.time(stream.phenomenonTime)]);
    const obs = SD.latest(stream);
    if (obs) rows.push([SD.t("sensor.latest"), `${SD.number(obs.result)} ${SD.unit(stream)} · ${SD.time(obs.phenomenonTime)}`]);
    const place = thing.Locations && thing.Locations[0];
    if (place && place.name) rows.push([SD.t("sensor.location"), place.name]);
    const provenance = (stream.properties && stream.properties.provenance) || props.provenance;
    if (provenance) rows.push([SD.t("sources.provenance"), SD.t("sources.provenance.value", provenance)]);
    dl.replaceChildren(...rows.flatMap(([k, v]) => [SD.el("dt", { text: k }), SD.el("dd", { text: v })]));
  }

  // The end of a stream's data (its phenomenonTime extent), else now.
  function endOf(stream) {
    const extent = stream.phenomenonTime ? String(stream.phenomenonTime).split("/") : null;
    const end = extent ? new Date(extent[extent.length - 1]) : new Date();
    return new Date(end.getTime() + 1000);
  }

  async function show() {
    const stream = streams.find((d) => String(d["@iot.id"]) === select.value);
    if (!stream) {
      SD.status(SD.t("sensor.nodata"));
      document.body.dataset.chartReady = "empty";
      return;
    }
    const to = range ? range[1] : endOf(stream);
    const from = range ? range[0] : new Date(to.getTime() - days * 86400000);
    const points = 2 * Math.max(chart.clientWidth, 300);
    const url = Charts.seriesUrl(stream["@iot.id"], from, to, null, null, points);
    const apiSeries = document.getElementById("api-series");
    apiSeries.href = SD.root + url;
    apiSeries.querySelector("code").textContent = url.split("?")[0];
    document.getElementById("download-csv").href = SD.root + Charts.seriesUrl(stream["@iot.id"], from, to, null, "csv", points);
    document.getElementById("download-geojson").href = SD.root + Charts.seriesUrl(stream["@iot.id"], from, to, null, "geojson", points);
    document.body.dataset.chartReady = "loading";
    let series;
    try {
      series = await SD.api(url);
    } catch (error) {
      SD.status(SD.t("error.load", { detail: error.message }), true);
      document.body.dataset.chartReady = "error";
      return;
    }
    meta(stream, series);
    showQuality(stream, from, to);
    const name = (stream.ObservedProperty && stream.ObservedProperty.name) || stream.name;
    series.label = `${name} (${SD.unit(stream)})`;
    chart.setAttribute("aria-label", SD.t("sensor.chart", { name }));
    const every = series.resolution === "raw" ? SD.t("sensor.resolution.raw")
      : SD.t(`sensor.resolution.${series.resolution}`) + (series.bucketHours > 1 && series.bucketHours !== 24 ? ` (${series.bucketHours % 24 === 0 ? `${series.bucketHours / 24} d` : `${series.bucketHours} h`})` : "");
    caption.textContent = `${SD.time(series.from)} – ${SD.time(series.to)} · ${every} · ${series.columns.time.length.toLocaleString()}`;
    if (!series.columns.time.length) {
      chart.replaceChildren(SD.el("p", { text: SD.t("sensor.nodata") }));
      SD.status(SD.t("sensor.nodata"));
    } else {
      SD.status("");
      Charts.draw(chart, [series], { onSelect: (a, b) => { range = [a, b]; show(); } });
    }
    requestAnimationFrame(() => {
      document.body.dataset.readyMs = String(Math.round(performance.now())); // since navigation started
      document.body.dataset.chartReady = "true";
      document.body.dataset.chartPoints = String(series.columns.time.length);
      document.body.dataset.chartResolution = series.resolution;
    });
  }

  // The stream's data quality over the same period (/api/v1/datastreams/{id}/quality): the
  // counts of each kind of finding and the first findings; a period too long to assess says so.
  async function showQuality(stream, from, to) {
    const summary = document.getElementById("quality-summary");
    const list = document.getElementById("quality-findings");
    const params = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
    list.replaceChildren();
    document.body.dataset.qualityReady = "loading";
    let report;
    try {
      report = await SD.api(`/api/v1/datastreams/${stream["@iot.id"]}/quality?${params}`);
    } catch (error) {
      summary.textContent = SD.t("sensor.quality.unavailable", { detail: error.message });
      document.body.dataset.qualityReady = "error";
      return;
    }
    const counts = Object.entries(report.counts).filter(([, n]) => n > 0);
    const complete = report.completeness === null ? "–" : `${Math.round(report.completeness * 100)} %`;
    summary.textContent = SD.t("sensor.quality.summary", { readings: report.readings.toLocaleString(), complete })
      + " " + (counts.length ? counts.map(([kind, n]) => `${SD.t(`sensor.quality.${kind}`)}: ${n}`).join(" · ") : SD.t("sensor.quality.none"));
    for (const f of report.findings.slice(0, 10)) {
      const when = f.start === f.end ? SD.time(f.start) : `${SD.time(f.start)} – ${SD.time(f.end)}`;
      list.append(SD.el("li", { "data-kind": f.kind, text: `${SD.t(`sensor.quality.${f.kind}`)} · ${when} · ${f.detail}` }));
    }
    document.body.dataset.qualityReady = "true";
  }

  select.addEventListener("change", () => { range = null; show(); });
  for (const button of document.querySelectorAll(".range button")) {
    if (Number(button.dataset.days) === days) {
      document.querySelectorAll(".range button").forEach((b) => b.setAttribute("aria-pressed", "false"));
      button.setAttribute("aria-pressed", "true");
    }
    button.addEventListener("click", () => {
      days = Number(button.dataset.days);
      range = null;
      document.querySelectorAll(".range button").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
      show();
    });
  }
  show();
})();

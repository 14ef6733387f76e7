// Time-series charts with uPlot: one or more series of /api/v1/datastreams/{id}/series. For
// aggregates (hour, day) the mean is drawn with a min–max band. Dragging across the chart
// selects a range (`onSelect`), so a page can fetch it at a finer resolution.
"use strict";
const Charts = (() => {
  const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];

  // maxPoints: about twice the chart's width in pixels — more points than that cannot be seen.
  function seriesUrl(id, from, to, resolution, format, maxPoints) {
    const params = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
    if (resolution) params.set("resolution", resolution);
    if (maxPoints) params.set("maxPoints", String(Math.max(10, Math.round(maxPoints))));
    params.set("format", format || "columns");
    return `/api/v1/datastreams/${id}/series?${params}`;
  }

  // Axis labels in the page's language: times for a short span, dates for a longer one.
  const locale = SD.config.lang === "en" ? "en-GB" : "nl-NL";
  function tick(seconds, ticks) {
    const step = ticks.length > 1 ? ticks[1] - ticks[0] : 86400;
    const d = new Date(seconds * 1000);
    const midnight = d.getHours() === 0 && d.getMinutes() === 0;
    if (step < 86400 && !midnight) return d.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
    if (step < 60 * 86400) return d.toLocaleDateString(locale, { day: "numeric", month: "short" });
    return d.toLocaleDateString(locale, { month: "short", year: "numeric" });
  }

  // Align several series (format=columns) on one time axis (uPlot wants one x array).
  function align(list) {
    if (list.length === 1) {
      const c = list[0].columns;
      return list[0].resolution !== "raw" ? [c.time, c.mean, c.min, c.max] : [c.time, c.mean];
    }
    const times = [...new Set(list.flatMap((s) => s.columns.time))].sort((a, b) => a - b);
    const index = new Map(times.map((t, i) => [t, i]));
    const columns = [times];
    for (const s of list) {
      const mean = new Array(times.length).fill(null);
      s.columns.time.forEach((t, i) => { mean[index.get(t)] = s.columns.mean[i]; });
      columns.push(mean);
    }
    return columns;
  }

  // Draw `list` (series responses, with .label) into `target`; returns the uPlot instance.
  function draw(target, list, { height = 320, onSelect } = {}) {
    target.replaceChildren();
    const band = list.length === 1 && list[0].resolution !== "raw";
    const series = [{}];
    list.forEach((s, i) => {
      series.push({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: false, points: { show: s.columns.time.length < 200 } });
    });
    if (band) {
      series.push({ label: "min", stroke: "rgba(31,119,180,0.35)", width: 1 });
      series.push({ label: "max", stroke: "rgba(31,119,180,0.35)", width: 1 });
    }
    const opts = {
      width: Math.max(target.clientWidth || 600, 300),
      height,
      series,
      bands: band ? [{ series: [3, 2], fill: "rgba(31,119,180,0.15)" }] : [],
      scales: { x: { time: true } },
      axes: [{ values: (u, ticks) => ticks.map((t) => tick(t, ticks)) }, { size: 60 }],
      cursor: { drag: { x: true, y: false } },
      hooks: onSelect ? {
        setSelect: [(u) => {
          if (u.select.width < 5) return;
          const from = u.posToVal(u.select.left, "x");
          const to = u.posToVal(u.select.left + u.select.width, "x");
          u.setSelect({ left: 0, width: 0 }, false);
          onSelect(new Date(from * 1000), new Date(to * 1000));
        }],
      } : {},
    };
    const plot = new uPlot(opts, align(list), target);
    new ResizeObserver(() => plot.setSize({ width: Math.max(target.clientWidth, 300), height })).observe(target);
    return plot;
  }
  return { seriesUrl, draw };
})();

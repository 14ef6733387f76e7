// Clustering of many sensors on a Leaflet map, for the current view only: the points in view
// are binned into a grid of screen cells; a cell with several points is drawn as one cluster
// (a numbered, focusable marker that zooms in when activated), a lone point as its own circle.
// Binning 10 000 points takes milliseconds, so the view is redrawn after every move or zoom —
// unlike Leaflet.markercluster, which builds every zoom level's clusters up front (seconds for
// 10 000 markers).
"use strict";
const PointClusters = L.Layer.extend({
  initialize(options) {
    L.setOptions(this, { cell: 60, radius: 8, singlesFromZoom: 17, ...options });
    this.points = []; // {latlng, colour, popup(): html, id}
    this.group = L.layerGroup();
    this.renderer = L.canvas({ padding: 0.3 });
    this.drawn = []; // circle markers of lone points, by point
  },
  onAdd(map) {
    this.group.addTo(map);
    map.on("moveend", this.redraw, this);
    this.redraw();
  },
  onRemove(map) {
    map.off("moveend", this.redraw, this);
    this.group.remove();
  },
  setPoints(points) {
    this.points = points.map((p) => ({ ...p, latlng: L.latLng(p.latlng) }));
    if (this._map) this.redraw();
  },
  redraw() {
    const map = this._map;
    const zoom = map.getZoom();
    const view = map.getBounds().pad(0.25);
    const cell = this.options.cell;
    const cells = new Map();
    for (const p of this.points) {
      if (!view.contains(p.latlng)) continue;
      const at = map.project(p.latlng, zoom);
      const key = `${Math.floor(at.x / cell)}:${Math.floor(at.y / cell)}`;
      const members = cells.get(key);
      if (members) members.push(p); else cells.set(key, [p]);
    }
    this.group.clearLayers();
    this.drawn = [];
    for (const members of cells.values()) {
      if (members.length === 1 || zoom >= this.options.singlesFromZoom) {
        for (const p of members) this.single(p);
      } else {
        this.cluster(members);
      }
    }
    this.fire("redrawn", { cells: cells.size });
  },
  single(p) {
    const marker = L.circleMarker(p.latlng, { renderer: this.renderer, radius: this.options.radius, weight: 1.5, color: "#222", fillColor: p.colour, fillOpacity: 0.9 });
    marker.bindPopup(p.popup);
    marker.point = p;
    this.group.addLayer(marker);
    this.drawn.push(marker);
  },
  cluster(members) {
    let lat = 0, lng = 0;
    for (const p of members) { lat += p.latlng.lat; lng += p.latlng.lng; }
    const centre = L.latLng(lat / members.length, lng / members.length);
    // The cluster shows the colour most of its members have (ties: the later band, i.e. worse).
    const counts = new Map();
    for (const p of members) counts.set(p.colour, (counts.get(p.colour) || 0) + 1);
    const colour = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const size = members.length < 10 ? 30 : members.length < 100 ? 36 : 44;
    const icon = L.divIcon({
      className: "sensor-cluster",
      html: `<span style="background:${colour}">${members.length}</span>`,
      iconSize: [size, size],
    });
    const label = this.options.clusterLabel ? this.options.clusterLabel(members.length) : String(members.length);
    const marker = L.marker(centre, { icon, keyboard: true, title: label, alt: label });
    marker.on("click keypress", (event) => {
      if (event.type === "keypress" && !["Enter", " "].includes(event.originalEvent.key)) return;
      this._map.fitBounds(L.latLngBounds(members.map((p) => p.latlng)), { padding: [40, 40], maxZoom: this.options.singlesFromZoom });
    });
    this.group.addLayer(marker);
  },
  // Zoom to one point until it is drawn on its own; calls back with its circle marker.
  reveal(id, done) {
    const p = this.points.find((q) => q.id === id);
    if (!p) return;
    this.once("redrawn", () => done(this.drawn.find((m) => m.point.id === id)));
    this._map.setView(p.latlng, this.options.singlesFromZoom, { animate: false });
  },
});

// The demo city's own map, drawn with Leaflet from its GeoJSON (/demo/background.geojson, see
// stadsdata/demo/basemap.py) as a sober topographic background: light land, blue water, green
// parks, white streets with grey edges, names at the zoom levels where they fit. It lies in panes
// below the sensors and takes no clicks. Loaded by SD.background (common.js) when a map needs it.
"use strict";
const CityMap = (() => {
  const LAND = "#e4ead6"; // meadow: the country round the city, and the polder
  const BUILT = { residential: "#f2efe9", industrial: "#ebe5ea" };
  const WATER = "#a9cde4";
  // Streets: [width in metres, thinnest in pixels, fill, edge].
  const STREETS = {
    minor: [6, 0.7, "#ffffff", "#d8d1c7"],
    local: [7, 0.8, "#ffffff", "#d3ccc2"],
    side: [9, 1.2, "#ffffff", "#c4bcb0"],
    main: [13, 2.4, "#ffffff", "#a39a8c"],
    ring: [18, 3.2, "#fdf6dc", "#b3a06d"],
  };
  const ORDER = ["minor", "local", "side", "main", "ring"];
  // A neighbourhood's streets appear as one zooms in: [first zoom of the street, of its edges].
  const SHOWN_FROM = { minor: [14, 15], local: [13, 14] };
  // The first zoom level at which each kind (or kind.class) of name is written.
  const LABEL_ZOOM = { district: 13, water: 13, "water.pond": 15, park: 14, street: 15, square: 16 };
  const LABEL_STYLE = {
    district: "font-size:12px;font-weight:600;letter-spacing:.12em;text-transform:uppercase;color:#5e5866",
    water: "font-size:12px;font-style:italic;color:#2c6a96",
    park: "font-size:11px;font-style:italic;color:#3d6b30",
    street: "font-size:11px;color:#3b3b3b",
    square: "font-size:11px;font-weight:600;color:#3b3b3b",
  };

  function kind(name, streetClass) {
    return (f) => f.properties.kind === name && (!streetClass || f.properties.class === streetClass);
  }
  function metresPerPixel(map) {
    return (40075016.686 * Math.cos((map.getCenter().lat * Math.PI) / 180)) / Math.pow(2, map.getZoom() + 8);
  }
  function pane(map, name, zIndex) {
    const node = map.getPane(name) || map.createPane(name);
    node.style.zIndex = String(zIndex);
    node.style.pointerEvents = "none";
    return name;
  }

  function draw(map, collection, attribution) {
    const box = map.getContainer();
    // Below the tile pane (200): tiles that come late cover it. Names: below the sensors (400+).
    const shapes = pane(map, "city", 150);
    const names = pane(map, "cityNames", 350);
    const renderer = L.svg({ pane: shapes, padding: 0.5 });
    const data = collection.features;
    const layer = (filter, style) =>
      L.geoJSON(data, { filter, style, renderer, pane: shapes, interactive: false });

    const built = layer(kind("built-up"), (f) => ({ className: "city-built-up", fillColor: BUILT[f.properties.class] || BUILT.residential, fillOpacity: 1, stroke: false }));
    const districts = layer(kind("district"), () => ({ className: "city-district", fill: false, color: "#b1a7b8", weight: 1, dashArray: "5 4" }));
    const parks = layer(kind("park"), () => ({ className: "city-park", fillColor: "#cfe3bd", fillOpacity: 1, color: "#b2d09c", weight: 1 }));
    const ditches = layer(kind("ditch"), () => ({ className: "city-ditch", color: WATER, weight: 1 }));
    const water = layer(kind("water"), () => ({ className: "city-water", fillColor: WATER, fillOpacity: 1, stroke: false }));
    const railBed = layer(kind("railway"), () => ({ className: "city-railway", color: "#8c8c8c", weight: 3.5 }));
    const railTies = layer(kind("railway"), () => ({ color: "#ffffff", weight: 1.6, dashArray: "7 7" }));
    const edges = ORDER.map((c) => layer(kind("street", c), () => ({ className: `city-street-edge ${c}`, color: STREETS[c][3], lineCap: "round" })));
    const fills = ORDER.map((c) => layer(kind("street", c), () => ({ className: `city-street ${c}`, color: STREETS[c][2], lineCap: "round" })));
    const squares = layer(kind("square"), () => ({ className: "city-square", fillColor: "#fbf9f4", fillOpacity: 1, color: "#b9b0a2", weight: 1 }));
    const boundary = layer(kind("boundary"), () => ({ className: "city-boundary", color: "#8d6f9c", weight: 2, opacity: 0.7, dashArray: "10 4 2 4", fill: false }));
    const group = L.layerGroup([built, parks, districts, ditches, water, railBed, railTies, ...edges, ...fills, squares, boundary]);

    const labels = {};
    for (const f of data) {
      const { kind: what, name, labelPoint } = f.properties;
      const key = `${what}.${f.properties.class}` in LABEL_ZOOM ? `${what}.${f.properties.class}` : what;
      if (!name || !labelPoint || !(key in LABEL_ZOOM)) continue;
      (labels[key] = labels[key] || L.layerGroup()).addLayer(label(f, what, names));
    }

    function restyle() {
      const zoom = map.getZoom();
      const mpp = metresPerPixel(map);
      ORDER.forEach((c, i) => {
        const [metres, thinnest] = STREETS[c];
        const width = Math.min(40, Math.max(zoom >= 13 ? thinnest : thinnest * 0.55, metres / mpp));
        const [street, edge] = SHOWN_FROM[c] || [0, 0];
        fills[i].setStyle({ weight: width, opacity: zoom >= street ? 1 : 0 });
        edges[i].setStyle({ weight: width + (zoom >= 14 ? 2 : zoom >= 13 ? 1.6 : 1), opacity: zoom >= edge ? 1 : 0 });
      });
      ditches.setStyle({ opacity: zoom >= 14 ? 0.7 : 0 });
      railBed.setStyle({ weight: zoom >= 13 ? 3.5 : 2.2 });
      railTies.setStyle({ weight: zoom >= 13 ? 1.6 : 0.9 });
      for (const [key, written] of Object.entries(labels)) {
        if (zoom >= LABEL_ZOOM[key]) group.addLayer(written);
        else group.removeLayer(written);
      }
    }

    const before = box.style.backgroundColor;
    box.style.backgroundColor = LAND;
    group.addTo(map);
    map.whenReady(restyle); // a dashboard's map gets its view a moment later
    map.on("zoomend", restyle);
    map.attributionControl.addAttribution(attribution);
    return {
      remove() {
        map.off("zoomend", restyle);
        map.removeLayer(group);
        map.attributionControl.removeAttribution(attribution);
        box.style.backgroundColor = before;
      },
    };
  }

  function label(feature, what, pane) {
    const [lon, lat] = feature.properties.labelPoint;
    const angle = -(feature.properties.labelAngle || 0); // CSS turns clockwise
    const text = document.createElement("span");
    text.textContent = feature.properties.name;
    text.setAttribute("aria-hidden", "true"); // the map's own background, not its content
    text.setAttribute("style", `position:absolute;transform:translate(-50%,-50%) rotate(${angle}deg);white-space:nowrap;` +
      `font-family:system-ui,sans-serif;text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff;${LABEL_STYLE[what]}`);
    const icon = L.divIcon({ className: `city-label ${what}`, html: text.outerHTML, iconSize: [0, 0] });
    return L.marker([lat, lon], { icon, pane, interactive: false, keyboard: false });
  }

  return { draw };
})();

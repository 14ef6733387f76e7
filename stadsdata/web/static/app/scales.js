// Colour scales per ObservedProperty (by name, case-insensitive). Known properties have fixed
// bands (air quality roughly after the Dutch Luchtmeetnet index); others a scale from the
// lowest to the highest latest value on the map. Colours are distinguishable for common colour
// blindness (ColorBrewer RdYlBu / YlGnBu) and markers have a dark outline for contrast.
"use strict";
const Scales = (() => {
  const GOOD_TO_BAD = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"];
  const COLD_TO_WARM = ["#313695", "#74add1", "#e0f3f8", "#fdae61", "#a50026"];
  const LOW_TO_HIGH = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"];
  const FIXED = {
    pm10: { bands: [0, 20, 40, 60, 100], colours: GOOD_TO_BAD },
    "pm2.5": { bands: [0, 10, 20, 25, 50], colours: GOOD_TO_BAD },
    pm25: { bands: [0, 10, 20, 25, 50], colours: GOOD_TO_BAD },
    no2: { bands: [0, 20, 40, 100, 200], colours: GOOD_TO_BAD },
    temperature: { bands: [-10, 0, 10, 20, 30], colours: COLD_TO_WARM },
    temperatuur: { bands: [-10, 0, 10, 20, 30], colours: COLD_TO_WARM },
    "relative humidity": { bands: [0, 30, 50, 70, 90], colours: LOW_TO_HIGH },
    "fill level": { bands: [0, 25, 50, 75, 90], colours: GOOD_TO_BAD },
    "grass height": { bands: [0, 5, 8, 12, 15], colours: GOOD_TO_BAD },
  };
  const NODATA = "#9e9e9e";

  function key(name) { return String(name || "").toLowerCase(); }

  // A scale for a property given the latest values on the map: {colour(v), legend: [[label, colour]]}.
  function scaleFor(name, values) {
    const fixed = FIXED[key(name)];
    let bands, colours;
    if (fixed) {
      ({ bands, colours } = fixed);
    } else {
      const numbers = values.filter((v) => typeof v === "number" && Number.isFinite(v));
      const lo = numbers.length ? Math.min(...numbers) : 0;
      const hi = numbers.length ? Math.max(...numbers) : 1;
      const step = (hi - lo) / 5 || 1;
      bands = [0, 1, 2, 3, 4].map((i) => lo + i * step);
      colours = LOW_TO_HIGH;
    }
    function colour(v) {
      if (typeof v !== "number" || !Number.isFinite(v)) return NODATA;
      let i = 0;
      while (i + 1 < bands.length && v >= bands[i + 1]) i += 1;
      return colours[i];
    }
    // Formatting numbers is slow in browsers (Intl): the legend is made only when shown.
    const legend = () => bands.map((b, i) => [`≥ ${SD.number(b)}`, colours[i]]);
    return { colour, legend };
  }
  return { scaleFor, NODATA };
})();

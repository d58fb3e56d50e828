// The land around the region (console/geo/land.json, cut from OpenStreetMap data by
// scripts/extract-land.mjs), loaded once, as SVG path data for a projection.
let land = null;

export function loadLand() {
  if (!land) land = fetch('/console/geo/land.json').then((response) => response.json()).catch(() => ({ rings: [], credit: '' }));
  return land;
}

/// One SVG path for every ring, through `to(latitude, longitude) -> [x, y]`.
export function landPath(rings, to) {
  return rings.map((ring) => ring.map(([lon, lat], index) => {
    const [x, y] = to(lat, lon);
    return `${index ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`;
  }).join('') + 'Z').join('');
}

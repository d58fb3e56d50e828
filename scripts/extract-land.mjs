// Cuts the land around the region out of @geo-maps/countries-land-10km (map data
// © OpenStreetMap contributors, ODbL; package MIT) into console/geo/land.json, for the
// console's maps, which draw without tiles. Run by scripts/vendor-console.sh.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';

// [south, west, north, east] of Sumatera Selatan with a margin (console/screens/minimap.js
// frames a little less).
const AROUND = [-6.2, 101.0, -0.8, 107.4];
const source = JSON.parse(readFileSync('node_modules/@geo-maps/countries-land-10km/map.geo.json', 'utf8'));
const version = JSON.parse(readFileSync('node_modules/@geo-maps/countries-land-10km/package.json', 'utf8')).version;

const round = (value) => Math.round(value * 1000) / 1000;
const touches = (ring) => ring.some(([lon, lat]) => lat >= AROUND[0] && lat <= AROUND[2] && lon >= AROUND[1] && lon <= AROUND[3]);

const rings = [];
for (const feature of source.features) {
  if (feature.properties.A3 !== 'IDN') continue;
  const polygons = feature.geometry.type === 'Polygon' ? [feature.geometry.coordinates] : feature.geometry.coordinates;
  for (const polygon of polygons) {
    const outer = polygon[0];
    if (!touches(outer)) continue;
    const points = [];
    for (const [lon, lat] of outer) {
      const point = [round(lon), round(lat)];
      const last = points[points.length - 1];
      if (!last || last[0] !== point[0] || last[1] !== point[1]) points.push(point);
    }
    if (points.length >= 4) rings.push(points);
  }
}

mkdirSync('console/geo', { recursive: true });
writeFileSync('console/geo/land.json', `${JSON.stringify({
  credit: `Land: © OpenStreetMap contributors (ODbL), via @geo-maps/countries-land-10km ${version} (MIT)`,
  rings,
})}\n`);
console.log(`console/geo/land.json: ${rings.length} rings`);

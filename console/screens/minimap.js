// A small map without tiles: the point inside the region's frame, with its coordinates.
import { html, useState, useEffect } from '../lib/html.js';
import { loadLand, landPath } from '../lib/geo.js';

// Sumatera Selatan with a margin: [south, west, north, east].
export const REGION_FRAME = [-5.1, 102.0, -1.5, 106.3];

export function project([south, west, north, east], width, height) {
  return (latitude, longitude) => [
    ((longitude - west) / (east - west)) * width,
    ((north - latitude) / (north - south)) * height,
  ];
}

export function MiniMap({ point }) {
  const [land, setLand] = useState({ rings: [] });
  useEffect(() => { loadLand().then(setLand); }, []);
  const to = project(REGION_FRAME, 200, 170);
  const [x, y] = to(point.latitude, point.longitude);
  const lat = point.latitude.toFixed(5);
  const lon = point.longitude.toFixed(5);
  return html`<figure class="minimap">
    <svg viewBox="0 0 200 170" width="200" height="170" role="img" aria-label=${`${lat}, ${lon}`}>
      <rect x="0" y="0" width="200" height="170" class="sea" />
      <path d=${landPath(land.rings, to)} class="land" />
      <circle cx=${x} cy=${y} r="5" class="pin" />
    </svg>
    <figcaption>${lat}, ${lon}</figcaption>
  </figure>`;
}

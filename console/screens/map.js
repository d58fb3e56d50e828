// The map, offline: reports with a shared location or a suggested place as points, clustered
// when dense, over the land (OpenStreetMap, console/geo/land.json) and the seats of the
// profile's kab/kota. No kab/kota boundaries are available from an openly licensed package
// yet, so the gazetteer's points stand in for them. No tile server: everything is SVG.
import { html, useState, useEffect, useMemo } from '../lib/html.js';
import { gql } from '../lib/api.js';
import { t, statusLabel, errorText } from '../lib/i18n.js';
import { REGION_FRAME, project } from './minimap.js';
import { loadLand, landPath } from '../lib/geo.js';

const WIDTH = 860;
const HEIGHT = 720;
const CELL = 26;
const MAX_REPORTS = 1000;

async function loadPoints() {
  const points = [];
  let after = null;
  while (points.length < MAX_REPORTS) {
    const data = await gql(`query ($after: String) { reports(first: 200, after: $after) {
      edges { node { id ticket status location { latitude longitude }
        suggestion { urgent place { kabupaten kecamatan latitude longitude } } } }
      pageInfo { hasNextPage endCursor } } }`, { after });
    for (const { node } of data.reports.edges) {
      const place = node.suggestion?.place;
      const point = node.location ?? (place?.latitude != null ? { latitude: place.latitude, longitude: place.longitude } : null);
      if (point) points.push({ ...node, point, shared: Boolean(node.location) });
    }
    if (!data.reports.pageInfo.hasNextPage) break;
    after = data.reports.pageInfo.endCursor;
  }
  return points;
}

const radiusOf = (cluster) => (cluster.reports.length === 1 ? 6 : Math.min(20, 8 + Math.sqrt(cluster.reports.length) * 2));

/// Neighbouring grid cells can draw circles over each other (and over their counts): such
/// clusters become one, at their weighted centre, until no two overlap.
function mergeOverlapping(clusters) {
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < clusters.length && !merged; i += 1) {
      for (let j = i + 1; j < clusters.length && !merged; j += 1) {
        const [a, b] = [clusters[i], clusters[j]];
        if (Math.hypot(a.x - b.x, a.y - b.y) >= radiusOf(a) + radiusOf(b)) continue;
        const [n, m] = [a.reports.length, b.reports.length];
        clusters[i] = { x: (a.x * n + b.x * m) / (n + m), y: (a.y * n + b.y * m) / (n + m), reports: [...a.reports, ...b.reports] };
        clusters.splice(j, 1);
        merged = true;
      }
    }
  }
  return clusters;
}

export function MapScreen() {
  const [regions, setRegions] = useState([]);
  const [points, setPoints] = useState(null);
  const [picked, setPicked] = useState(null);
  const [error, setError] = useState(null);
  const [land, setLand] = useState({ rings: [], credit: '' });
  useEffect(() => {
    loadLand().then(setLand);
    gql('{ regions { name kind polres latitude longitude bbox } }').then((d) => setRegions(d.regions)).catch((e) => setError(errorText(e)));
    loadPoints().then(setPoints).catch((e) => setError(errorText(e)));
  }, []);
  const to = project(REGION_FRAME, WIDTH, HEIGHT);
  const clusters = useMemo(() => {
    const cells = new Map();
    for (const report of points ?? []) {
      const [x, y] = to(report.point.latitude, report.point.longitude);
      const key = `${Math.floor(x / CELL)}:${Math.floor(y / CELL)}`;
      const cell = cells.get(key) ?? { x: 0, y: 0, reports: [] };
      cell.x += x; cell.y += y; cell.reports.push(report);
      cells.set(key, cell);
    }
    return mergeOverlapping([...cells.values()].map((cell) => ({ ...cell, x: cell.x / cell.reports.length, y: cell.y / cell.reports.length })));
  }, [points]);
  const open = (cluster) => {
    if (cluster.reports.length === 1) location.hash = `#/report/${cluster.reports[0].id}`;
    else setPicked(cluster);
  };
  return html`<section class="map-screen">
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="map-grid">
      <svg id="map" viewBox=${`0 0 ${WIDTH} ${HEIGHT}`} width="100%" class="map" role="img" aria-label=${t('map')}>
        <rect x="0" y="0" width=${WIDTH} height=${HEIGHT} class="sea" />
        <path d=${landPath(land.rings, to)} class="land" />
        ${regions.filter((r) => r.latitude != null).map((region) => {
          const [x, y] = to(region.latitude, region.longitude);
          return html`<g class=${`seat ${region.kind}`}><circle cx=${x} cy=${y} r="3" /><text x=${x + 5} y=${y - 4}>${region.name.replace(/^Kabupaten /, 'Kab. ')}</text>
            <title>${region.name}${region.polres ? ` · ${region.polres}` : ''}</title></g>`;
        })}
        ${clusters.map((cluster) => {
          const urgent = cluster.reports.some((r) => r.suggestion?.urgent);
          const radius = radiusOf(cluster);
          return html`<g class=${`point ${urgent ? 'urgent' : ''}`} onClick=${() => open(cluster)} data-count=${cluster.reports.length}>
            <circle cx=${cluster.x} cy=${cluster.y} r=${radius} />
            ${cluster.reports.length > 1 && html`<text x=${cluster.x} y=${cluster.y + 4} text-anchor="middle">${cluster.reports.length}</text>`}
            <title>${cluster.reports.map((r) => r.ticket).slice(0, 8).join(', ')}</title>
          </g>`;
        })}
      </svg>
      <aside class="card">
        <p class="muted">${t('mapNote')}</p>
        <p class="muted small" id="map-credit">${land.credit}</p>
        <p id="map-count">${points ? `${points.length} ${t('onMap')}` : t('loading')}</p>
        ${picked && html`<h4>${t('cluster')}</h4><ul class="picked">${picked.reports.map((r) => html`<li><a href=${`#/report/${r.id}`}>${r.ticket}</a>
          <span class=${`status s-${r.status}`}>${statusLabel(r.status)}</span></li>`)}</ul>`}
      </aside>
    </div>
  </section>`;
}

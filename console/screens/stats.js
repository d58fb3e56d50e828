// Statistics: reports by day, category, unit and status, response times (median and p90), SLA
// breaches by stage, drawn as SVG, and the citizens' satisfaction by rating, unit and category.
import { html, useState, useEffect } from '../lib/html.js';
import { gql } from '../lib/api.js';
import { t, statusLabel, errorText } from '../lib/i18n.js';
import { loadCategories, loadUnits, categoryLabel } from '../lib/reference.js';
import { duration } from '../lib/format.js';

const STAGES = { FIRST_ACTION: 'firstAction', FORWARD: 'forwardStage', RESOLUTION: 'resolution' };

export function StatsScreen() {
  const [days, setDays] = useState(30);
  const [stats, setStats] = useState(null);
  const [error, setError] = useState(null);
  const [categories, setCategories] = useState([]);
  const [units, setUnits] = useState([]);
  const [unhappy, setUnhappy] = useState(null);
  useEffect(() => {
    loadCategories().then(setCategories).catch(() => {});
    loadUnits().then(setUnits).catch(() => {});
  }, []);
  useEffect(() => {
    const from = new Date(Date.now() - days * 86400_000).toISOString();
    // The latest Tidak puas answers of the period, for a supervisor to open.
    gql(`query ($from: DateTime) { reports(first: 10, filter: { satisfaction: [TIDAK_PUAS], createdFrom: $from }) {
      totalCount edges { node { id ticket category assignedUnit { code name } satisfaction { answeredAt comment } } } } }`, { from })
      .then((data) => setUnhappy(data.reports))
      .catch(() => setUnhappy(null));
    gql(`query ($from: DateTime) { stats(from: $from) { totalReports
      byCategory { key count } byStatus { key count } byUnit { key count } byDay { key count }
      responseTimes { firstAction { count medianSeconds p90Seconds } forward { count medianSeconds p90Seconds }
        resolution { count medianSeconds p90Seconds } }
      slaBreaches { key count }
      satisfaction { answered byRating { key count }
        byUnit { key answered puas cukup tidakPuas } byCategory { key answered puas cukup tidakPuas } } } }`, { from })
      .then((data) => { setStats(data.stats); setError(null); })
      .catch((failure) => setError(errorText(failure)));
  }, [days]);
  const unitName = (code) => units.find((unit) => unit.code === code)?.name ?? code;
  return html`<section class="stats" id="stats">
    <div class="toolbar">${[7, 30, 90].map((n) => html`<button type="button" class=${days === n ? 'chip on' : 'chip'}
      onClick=${() => setDays(n)}>${t(`last${n}`)}</button>`)}
      ${stats && html`<span class="total">${t('total')}: <b id="stats-total">${stats.totalReports}</b></span>`}</div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${stats && html`<div class="charts">
      <figure class="card wide"><figcaption>${t('byDay')}</figcaption><${Columns} rows=${fillDays(stats.byDay, days)} /></figure>
      <figure class="card"><figcaption>${t('byCategory')}</figcaption>
        <${Bars} rows=${stats.byCategory.map((r) => ({ label: categoryLabel(categories, r.key), value: r.count }))} empty=${t('noCategoryYet')} /></figure>
      <figure class="card"><figcaption>${t('byUnit')}</figcaption>
        <${Bars} rows=${stats.byUnit.map((r) => ({ label: unitName(r.key), value: r.count }))} empty=${t('noUnitYet')} /></figure>
      <figure class="card"><figcaption>${t('byStatus')}</figcaption>
        <${Bars} rows=${stats.byStatus.map((r) => ({ label: statusLabel(r.key), value: r.count }))} /></figure>
      <figure class="card"><figcaption>${t('responseTimes')}</figcaption><${ResponseTimes} times=${stats.responseTimes} /></figure>
      <figure class="card"><figcaption>${t('slaBreaches')}</figcaption>
        <${Bars} rows=${stats.slaBreaches.filter((r) => r.count > 0).map((r) => ({ label: t(STAGES[r.key] ?? r.key), value: r.count }))} tone="warn" empty=${t('noBreaches')} /></figure>
      <figure class="card" id="stats-satisfaction"><figcaption>${t('satisfaction')} (${stats.satisfaction.answered})</figcaption>
        <${Bars} rows=${stats.satisfaction.answered ? stats.satisfaction.byRating.map((r) => ({ label: t(r.key), value: r.count })) : []} empty=${t('noSatisfactionYet')} /></figure>
      <figure class="card wide"><figcaption>${t('satisfactionByUnit')}</figcaption>
        <${SatisfactionTable} id="satisfaction-by-unit" groups=${stats.satisfaction.byUnit} label=${unitName} /></figure>
      <figure class="card wide"><figcaption>${t('satisfactionByCategory')}</figcaption>
        <${SatisfactionTable} id="satisfaction-by-category" groups=${stats.satisfaction.byCategory} label=${(code) => categoryLabel(categories, code)} /></figure>
      ${unhappy && html`<figure class="card wide"><figcaption>${t('dissatisfiedLatest')} (${unhappy.totalCount})</figcaption>
        <${Dissatisfied} reports=${unhappy.edges.map((edge) => edge.node)} categories=${categories} /></figure>`}
    </div>`}
  </section>`;
}

/// The latest reports answered Tidak puas, newest first, each a link to the report.
function Dissatisfied({ reports, categories }) {
  if (!reports.length) return html`<p class="muted">${t('noDissatisfied')}</p>`;
  return html`<table class="satisfaction" id="dissatisfied-reports"><tbody>
    ${reports.map((report) => html`<tr data-ticket=${report.ticket}>
      <td><a href=${`#/report/${report.id}`}>${report.ticket}</a></td>
      <td>${categoryLabel(categories, report.category)}</td>
      <td>${report.assignedUnit?.name ?? '—'}</td>
      <td>${report.satisfaction?.comment ?? ''}</td></tr>`)}
  </tbody></table>`;
}

function fillDays(byDay, days) {
  const counts = new Map(byDay.map((row) => [row.key, row.count]));
  const rows = [];
  for (let i = days - 1; i >= 0; i -= 1) {
    // Days are WIB (UTC+7), as the API counts them.
    const key = new Date(Date.now() + 7 * 3600_000 - i * 86400_000).toISOString().slice(0, 10);
    // Day/month, as dates are written in Indonesia.
    rows.push({ label: `${key.slice(8, 10)}/${key.slice(5, 7)}`, value: counts.get(key) ?? 0 });
  }
  return rows;
}

/// Horizontal bars, largest first.
export function Bars({ rows, tone = '', empty = '—' }) {
  const sorted = [...rows].sort((a, b) => b.value - a.value).slice(0, 15);
  const max = Math.max(1, ...sorted.map((row) => row.value));
  const height = sorted.length * 22 + 4;
  if (!sorted.length) return html`<p class="muted">${empty}</p>`;
  return html`<svg class=${`chart bars ${tone}`} viewBox=${`0 0 420 ${height}`} width="100%" role="img">
    ${sorted.map((row, i) => html`<g transform=${`translate(0 ${i * 22 + 2})`}>
      <text x="196" y="14" text-anchor="end" class="label">${short(row.label)}<title>${row.label}</title></text>
      <rect x="202" y="2" height="16" width=${Math.max(1, (row.value / max) * 180)} class="bar"><title>${row.label}: ${row.value}</title></rect>
      <text x=${208 + (row.value / max) * 180} y="14" class="value">${row.value}</text>
    </g>`)}
  </svg>`;
}

const short = (label) => {
  const text = String(label);
  return text.length > 28 ? `${text.slice(0, 27)}…` : text;
};

/// Columns over time.
function Columns({ rows }) {
  const max = Math.max(1, ...rows.map((row) => row.value));
  const width = 840;
  const step = width / rows.length;
  return html`<svg class="chart columns" viewBox=${`0 0 ${width} 180`} width="100%" role="img">
    <line x1="0" y1="150" x2=${width} y2="150" class="axis" />
    <text x="2" y="12" class="value">${max}</text>
    ${rows.map((row, i) => html`<g>
      <rect x=${i * step + 2} y=${150 - (row.value / max) * 135} width=${Math.max(1, step - 4)} height=${(row.value / max) * 135} class="bar">
        <title>${row.label}: ${row.value}</title></rect>
      ${(rows.length <= 31 || i % 7 === 0) && html`<text x=${i * step + step / 2} y="166" text-anchor="middle" class="label small">${row.label}</text>`}
    </g>`)}
  </svg>`;
}

function ResponseTimes({ times }) {
  const stages = [['firstAction', times.firstAction], ['forwardStage', times.forward], ['resolution', times.resolution]];
  const max = Math.max(1, ...stages.map(([, s]) => s.p90Seconds ?? 0));
  return html`<svg class="chart times" viewBox="0 0 420 110" width="100%" role="img">
    ${stages.map(([name, s], i) => html`<g transform=${`translate(0 ${i * 34 + 4})`}>
      <text x="150" y="12" text-anchor="end" class="label">${t(name)} (${s.count})</text>
      <rect x="156" y="0" height="14" width=${((s.p90Seconds ?? 0) / max) * 200} class="bar p90"><title>p90 ${duration(s.p90Seconds)}</title></rect>
      <rect x="156" y="3" height="8" width=${((s.medianSeconds ?? 0) / max) * 200} class="bar median"><title>median ${duration(s.medianSeconds)}</title></rect>
      <text x="156" y="28" class="value small">${t('median')} ${duration(s.medianSeconds)} · ${t('p90')} ${duration(s.p90Seconds)}</text>
    </g>`)}
  </svg>`;
}

/// Answers per unit or category: how many, and how many of each rating.
function SatisfactionTable({ id, groups, label }) {
  if (!groups.length) return html`<p class="muted">${t('noSatisfactionYet')}</p>`;
  return html`<table class="satisfaction" id=${id}>
    <thead><tr><th></th><th>${t('answered')}</th><th>${t('PUAS')}</th><th>${t('CUKUP')}</th><th>${t('TIDAK_PUAS')}</th></tr></thead>
    <tbody>${groups.map((group) => html`<tr data-key=${group.key}>
      <td>${label(group.key)}</td><td>${group.answered}</td><td>${group.puas}</td><td>${group.cukup}</td>
      <td class=${group.tidakPuas ? 'late' : ''}>${group.tidakPuas}</td></tr>`)}</tbody>
  </table>`;
}

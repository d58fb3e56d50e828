// Search: the query language with its cheat-sheet, filters, facets as clickable counts,
// snippets with their highlights, and paging. Everyone searches within their visibility.
import { html, useState, useEffect, useRef } from '../lib/html.js';
import { gql } from '../lib/api.js';
import { t, statusLabel, priorityLabel, errorText, language } from '../lib/i18n.js';
import { ALL_STATUSES, PRIORITIES } from '../lib/fragments.js';
import { loadCategories, loadUnits, categoryLabel } from '../lib/reference.js';
import { dateTime } from '../lib/format.js';

const PAGE = 20;

const CHEATS = [
  ['motor dicuri sukarami', { id: 'semua kata; imbuhan, ejaan chat dan salah ketik kecil dipahami', en: 'all words; affixes, chat spellings and small typos understood' }],
  ['"jembatan ampera"', { id: 'frasa persis', en: 'exact phrase' }],
  ['narkoba -ganja', { id: 'tanpa kata itu', en: 'without that word' }],
  ['begal OR jambret', { id: 'salah satu kata', en: 'either word' }],
  ['WA-2026-000123', { id: 'nomor tiket', en: 'a ticket' }],
  ['0813-7000-2110', { id: 'nomor pelapor (bukan untuk analis)', en: "a reporter's number (not for analysts)" }],
  ['curanmor bulan lalu', { id: 'tanggal: kemarin, minggu ini, 7 hari terakhir, maret 2026', en: 'dates: kemarin, minggu ini, 7 hari terakhir, maret 2026' }],
];

const FACET_FILTER = { category: 'category', status: 'status', priority: 'priority', unit: 'unitCode' };

export function SearchScreen({ initial }) {
  const [query, setQuery] = useState(initial ?? '');
  const [filter, setFilter] = useState({});
  const [pages, setPages] = useState([null]);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [categories, setCategories] = useState([]);
  const [units, setUnits] = useState([]);
  const [showHelp, setShowHelp] = useState(false);
  const input = useRef(null);

  const run = async (q, f, after) => {
    try {
      const data = await gql(`query ($q: String!, $filter: ReportFilter, $after: String) {
        search(query: $q, filter: $filter, first: ${PAGE}, after: $after) {
          totalCount facets { field values { value count } }
          edges { node { score snippet report { id ticket status category priority createdAt assignedUnit { name } reporter { name phone } suggestion { category } } } }
          pageInfo { hasNextPage endCursor } } }`, { q, filter: toFilter(f), after });
      setResult(data.search);
      setError(null);
    } catch (failure) {
      setError(errorText(failure));
      setResult(null);
    }
  };

  useEffect(() => {
    loadCategories().then(setCategories).catch(() => {});
    loadUnits().then(setUnits).catch(() => {});
    input.current?.focus();
  }, []);
  useEffect(() => { setQuery(initial ?? ''); setPages([null]); run(initial ?? '', filter, null); }, [initial]);

  const submit = (event) => { event.preventDefault(); setPages([null]); run(query, filter, null); };
  const toggle = (field, value) => {
    const current = filter[field] ?? [];
    const next = { ...filter, [field]: field === 'unitCode' ? (filter.unitCode === value ? null : value)
      : current.includes(value) ? current.filter((v) => v !== value) : [...current, value] };
    setFilter(next);
    setPages([null]);
    run(query, next, null);
  };
  // A picked value becomes a chip, and the list goes back to "+ add" for the next one.
  const pick = (field) => (event) => {
    const value = event.target.value;
    event.target.value = '';
    if (value && !(filter[field] ?? []).includes(value)) toggle(field, value);
  };
  // The reports that keep blocked numbers' messages are found only by asking for them.
  const setBlocked = (blocked) => {
    const next = { ...filter, blocked: blocked || null };
    setFilter(next);
    setPages([null]);
    run(query, next, null);
  };
  const nextPage = () => { const after = result.pageInfo.endCursor; setPages([...pages, after]); run(query, filter, after); };
  const previousPage = () => { const rest = pages.slice(0, -1); setPages(rest); run(query, filter, rest[rest.length - 1]); };

  const label = (field, value) => field === 'status' ? statusLabel(value) : field === 'priority' ? priorityLabel(value)
    : field === 'category' ? categoryLabel(categories, value)
      : field === 'unit' ? units.find((unit) => unit.code === value)?.name ?? value : value;
  return html`<section class="search">
    <form onSubmit=${submit} class="searchbar">
      <input ref=${input} id="search-query" value=${query} onInput=${(e) => setQuery(e.target.value)} placeholder=${t('query')} />
      <button type="submit" id="search-submit">${t('searchButton')}</button>
      <button type="button" class="link" onClick=${() => setShowHelp(!showHelp)}>${t('cheatSheet')}</button>
    </form>
    ${showHelp && html`<table class="cheats" id="cheat-sheet">${CHEATS.map(([example, meaning]) =>
      html`<tr><td><code>${example}</code></td><td>${meaning[language()]}</td></tr>`)}</table>`}
    <div class="filters">
      <label>${t('status')}<select onChange=${pick('status')}>
        <option value="">${t('addFilter')}</option>${ALL_STATUSES.map((s) => html`<option value=${s}>${statusLabel(s)}</option>`)}</select></label>
      <label>${t('category')}<select id="search-category" onChange=${pick('category')}>
        <option value="">${t('addFilter')}</option>${categories.map((c) => html`<option value=${c.code}>${c.label}</option>`)}</select></label>
      <label>${t('priority')}<select onChange=${pick('priority')}>
        <option value="">${t('addFilter')}</option>${PRIORITIES.map((p) => html`<option value=${p}>${priorityLabel(p)}</option>`)}</select></label>
      <button type="button" id="search-blocked" class=${filter.blocked ? 'chip warn on' : 'chip warn'}
        onClick=${() => setBlocked(!filter.blocked)}>${t('blockedFilter')}</button>
      ${Object.entries(filter).filter(([field]) => field !== 'blocked').flatMap(([field, values]) => (Array.isArray(values) ? values : values ? [values] : []).map((value) =>
        html`<button type="button" class="chip on" onClick=${() => toggle(field, value)}>${label(field === 'unitCode' ? 'unit' : field, value)} ×</button>`))}
    </div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${result && html`<div class="search-grid">
      <aside class="facets" id="facets"><h3>${t('facets')}</h3>
        ${result.facets.filter((facet) => facet.values.length > 0).map((facet) => html`<div class="facet"><h4>${t(facet.field) ?? facet.field}</h4>
          ${facet.values.slice(0, 10).map((value) => html`<button type="button" class="facet-value"
            onClick=${() => toggle(FACET_FILTER[facet.field] ?? facet.field, value.value)}>
            ${label(facet.field, value.value)} <b>${value.count}</b></button>`)}</div>`)}
      </aside>
      <div class="hits">
        <p class="muted" id="search-total">${result.totalCount} ${t('results')}</p>
        <ol id="search-hits">${result.edges.map(({ node }) => html`<li class="hit" data-ticket=${node.report.ticket}>
          <a href=${`#/report/${node.report.id}`}><b>${node.report.ticket}</b></a>
          <span class=${`status s-${node.report.status}`}>${statusLabel(node.report.status)}</span>
          <span>${node.report.category ? categoryLabel(categories, node.report.category)
            : node.report.suggestion?.category ? html`<span class="suggested" title=${t('suggestedCategory')}>${categoryLabel(categories, node.report.suggestion.category)}</span>` : ''}</span>
          <span class="muted">${dateTime(node.report.createdAt)} · ${node.report.reporter?.phone ?? ''}</span>
          <p class="snippet" dangerouslySetInnerHTML=${{ __html: node.snippet }}></p>
        </li>`)}</ol>
        ${(pages.length > 1 || result.pageInfo.hasNextPage) && html`<div class="pager">
          <button type="button" disabled=${pages.length <= 1} onClick=${previousPage}>${t('previous')}</button>
          <button type="button" disabled=${!result.pageInfo.hasNextPage} onClick=${nextPage} id="search-next">${t('next')}</button>
        </div>`}
      </div>
    </div>`}
  </section>`;
}

function toFilter(filter) {
  const out = {};
  for (const [field, value] of Object.entries(filter)) {
    if (Array.isArray(value) ? value.length : value) out[field] = value;
  }
  return Object.keys(out).length ? out : null;
}

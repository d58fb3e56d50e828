// The queue: open reports the user may see, live from reportEvents, urgent ones pinned on top
// with a visible and audible alert, then by SLA due time and priority. j/k move, Enter opens.
import { html, Component, useState, useEffect, useRef, useMemo } from '../lib/html.js';
import { gql } from '../lib/api.js';
import { t, fill, statusLabel, priorityLabel, errorText, flagLabel } from '../lib/i18n.js';
import { QUEUE_FIELDS, OPEN_STATUSES, PRIORITIES } from '../lib/fragments.js';
import { loadCategories, loadUnits, categoryLabel } from '../lib/reference.js';
import { dueIn, dateTime, placeName } from '../lib/format.js';
import { beep, isMuted, setMuted } from '../lib/alert.js';
import * as live from '../lib/live.js';

const PAGE = 200;
/// Rows are drawn only around the visible part of the list (a fixed row height makes the
/// window exact), so a queue of thousands renders as fast as a screenful.
const ROW_HEIGHT = 30;
const OVERSCAN = 15;
const RANK = { URGENT: 0, HIGH: 1, NORMAL: 2, LOW: 3 };

/// Overdue now, not only when the server last said so: a due time passes between events.
export const isOverdue = (report, now) => Boolean(report.sla?.overdue
  || (report.sla?.dueAt && !report.sla.paused && Date.parse(report.sla.dueAt) < now));

export const isUrgent = (report) => report.priority === 'URGENT' || (!report.priority && report.suggestion?.urgent);

/// The numbers a report is sorted by, worked out once when it arrives rather than in every
/// comparison of every sort.
function withSortKeys(report) {
  report.sortKeys = {
    pinned: isUrgent(report) && report.status !== 'RESOLVED' ? 0 : 1,
    due: report.sla?.dueAt ? Date.parse(report.sla.dueAt) : Infinity,
    rank: RANK[report.priority] ?? 2,
    created: Date.parse(report.createdAt),
  };
  return report;
}

/// Urgent first, then the earliest SLA due time, then priority, then the oldest.
export function queueOrder(a, b) {
  const x = a.sortKeys;
  const y = b.sortKeys;
  if (x.pinned !== y.pinned) return x.pinned - y.pinned;
  if (x.due !== y.due) return x.due < y.due ? -1 : 1;
  if (x.rank !== y.rank) return x.rank - y.rank;
  return x.created - y.created;
}

async function loadOpenReports() {
  const reports = [];
  let after = null;
  for (;;) {
    const data = await gql(`query ($after: String) { reports(filter: { status: [${OPEN_STATUSES.join(',')}] }, first: ${PAGE}, after: $after) {
      edges { node { ${QUEUE_FIELDS} } } pageInfo { hasNextPage endCursor } } }`, { after });
    reports.push(...data.reports.edges.map((edge) => edge.node));
    if (!data.reports.pageInfo.hasNextPage) return reports;
    after = data.reports.pageInfo.endCursor;
  }
}

export function Queue({ session }) {
  const reports = useRef(new Map());
  const [version, setVersion] = useState(0);
  const [error, setError] = useState(null);
  const [loaded, setLoaded] = useState(false);
  const [filters, setFilters] = useState({ status: '', category: '', unit: '', overdue: false, holder: '' });
  const me = session?.user?.username;
  const [selected, setSelected] = useState(0);
  const [alert, setAlert] = useState(null);
  const [muted, setMutedState] = useState(isMuted());
  const [categories, setCategories] = useState([]);
  const [units, setUnits] = useState([]);
  const [now, setNow] = useState(Date.now());
  const [scroll, setScroll] = useState({ top: 0, height: 800 });
  const scroller = useRef(null);
  const pending = useRef(false);
  const timing = useRef({});

  const redraw = () => {
    if (pending.current) return;
    pending.current = true;
    requestAnimationFrame(() => { pending.current = false; setVersion((v) => v + 1); });
  };

  const reload = async () => {
    try {
      timing.current.loadStart = performance.now();
      const list = await loadOpenReports();
      timing.current.dataAt = performance.now();
      reports.current = new Map(list.map((report) => [report.id, withSortKeys(report)]));
      setLoaded(true);
      setVersion((v) => v + 1);
    } catch (failure) {
      setError(errorText(failure));
    }
  };

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    reload();
    loadCategories().then(setCategories).catch(() => {});
    // An officer filters within their own unit and the units below it.
    const own = session?.user?.role === 'OFFICER' ? session.user.unitCode : null;
    loadUnits().then((all) => setUnits(own ? all.filter((unit) => unit.code === own || unit.ancestors.includes(own)) : all)).catch(() => {});
    // Events missed while the connection was down are not replayed: reload after a reconnect.
    let wasDown = false;
    const stopConnection = live.onConnection((state) => {
      if (state === 'reconnecting') wasDown = true;
      if (state === 'live' && wasDown) { wasDown = false; reload(); }
    });
    const stopEvents = live.onEvent((event) => {
      window.siagaEvents = (window.siagaEvents ?? 0) + 1;
      if (event.kind === 'RESYNC') { reload(); return; }
      const report = event.report;
      if (!report) return;
      const known = reports.current.has(report.id);
      if (OPEN_STATUSES.includes(report.status)) reports.current.set(report.id, withSortKeys(report));
      else reports.current.delete(report.id);
      const urgentNow = event.kind === 'URGENT_REPORT' || (!known && isUrgent(report));
      if (urgentNow && OPEN_STATUSES.includes(report.status)) {
        setAlert(report);
        beep();
      }
      redraw();
    });
    return () => { stopConnection(); stopEvents(); };
  }, []);

  const visible = useMemo(() => {
    const unitCodes = filters.unit
      ? new Set(units.filter((unit) => unit.code === filters.unit || unit.ancestors.includes(filters.unit)).map((unit) => unit.code))
      : null;
    const list = [];
    for (const report of reports.current.values()) {
      if (filters.status && report.status !== filters.status) continue;
      if (filters.category && (report.category ?? report.suggestion?.category) !== filters.category) continue;
      if (unitCodes && !unitCodes.has(report.assignedUnit?.code)) continue;
      if (filters.overdue && !isOverdue(report, now)) continue;
      if (filters.holder === 'me' && report.assignee?.username !== me) continue;
      if (filters.holder === 'none' && report.assignee) continue;
      list.push(report);
    }
    return list.sort(queueOrder);
  }, [version, filters, units, filters.overdue && now]);

  const counts = useMemo(() => {
    const byStatus = Object.fromEntries(OPEN_STATUSES.map((status) => [status, 0]));
    let overdue = 0;
    for (const report of reports.current.values()) {
      byStatus[report.status] = (byStatus[report.status] ?? 0) + 1;
      if (isOverdue(report, now)) overdue += 1;
    }
    return { byStatus, overdue, total: reports.current.size };
  }, [version, now]);

  // The tab's title counts the new reports, for an operator whose console is behind another window.
  useEffect(() => {
    const fresh = counts.byStatus.NEW ?? 0;
    document.title = fresh > 0 ? `(${fresh}) SIAGA · Command Center` : 'SIAGA · Command Center';
  }, [counts]);
  useEffect(() => () => { document.title = 'SIAGA · Command Center'; }, []);

  useEffect(() => {
    if (!loaded) return;
    const now = performance.now();
    if (timing.current.dataAt && !timing.current.renderMs) {
      timing.current.renderMs = now - timing.current.dataAt;
      timing.current.loadMs = now - timing.current.loadStart;
    }
    window.siagaQueue = { rows: visible.length, ...timing.current, version };
  }, [version, loaded]);

  // Keys are read against the latest list and selection, not those of the last render: a
  // fast typist's Enter right after j must open the row j moved to.
  const keyState = useRef({ visible, selected });
  keyState.current.visible = visible;
  useEffect(() => {
    const onKey = (event) => {
      if (/INPUT|TEXTAREA|SELECT/.test(event.target.tagName) || event.ctrlKey || event.metaKey || event.altKey) return;
      const state = keyState.current;
      const move = (index) => { state.selected = index; setSelected(index); };
      if (event.key === 'j') move(Math.min(state.selected + 1, state.visible.length - 1));
      else if (event.key === 'k') move(Math.max(state.selected - 1, 0));
      else if (event.key === 'Enter' && state.visible[state.selected]) location.hash = `#/report/${state.visible[state.selected].id}`;
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    const box = scroller.current;
    if (!box) return;
    const top = selected * ROW_HEIGHT;
    if (top < box.scrollTop) box.scrollTop = top;
    else if (top + ROW_HEIGHT * 2 > box.scrollTop + box.clientHeight) box.scrollTop = top + ROW_HEIGHT * 2 - box.clientHeight;
  }, [selected]);

  const onScroll = (event) => {
    const box = event.currentTarget;
    setScroll({ top: box.scrollTop, height: box.clientHeight });
  };
  const first = Math.max(0, Math.floor(scroll.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(visible.length, Math.ceil((scroll.top + scroll.height) / ROW_HEIGHT) + OVERSCAN);

  const set = (name) => (event) => setFilters({ ...filters, [name]: event.target.type === 'checkbox' ? event.target.checked : event.target.value });
  return html`<section class="queue">
    ${alert && html`<div class="urgent-alert" role="alert" id="urgent-alert">
      <strong>${t('urgentAlert')}</strong>
      <a href=${`#/report/${alert.id}`}>${alert.ticket}</a> ${categoryLabel(categories, alert.category ?? alert.suggestion?.category)}
      <span class="about">${aboutOf(alert)}</span>
      <button type="button" class="link" onClick=${() => setAlert(null)}>×</button>
    </div>`}
    <div class="toolbar">
      <div class="counts" id="status-counts">
        <button type="button" class=${filters.status === '' ? 'chip on' : 'chip'} onClick=${() => setFilters({ ...filters, status: '' })}>
          ${t('open')} <b>${counts.total}</b></button>
        ${OPEN_STATUSES.map((status) => html`<button type="button" data-status=${status}
          class=${filters.status === status ? 'chip on' : 'chip'}
          onClick=${() => setFilters({ ...filters, status: filters.status === status ? '' : status })}>
          ${statusLabel(status)} <b>${counts.byStatus[status]}</b></button>`)}
        <button type="button" class=${filters.overdue ? 'chip warn on' : 'chip warn'}
          onClick=${() => setFilters({ ...filters, overdue: !filters.overdue })}>${t('overdue')} <b>${counts.overdue}</b></button>
      </div>
      <div class="filters">
        <label>${t('category')}<select id="filter-category" value=${filters.category} onChange=${set('category')}>
          <option value="">${t('all')}</option>
          ${categories.map((category) => html`<option value=${category.code}>${category.label}</option>`)}
        </select></label>
        <label>${t('unit')}<select id="filter-unit" value=${filters.unit} onChange=${set('unit')}>
          <option value="">${t('all')}</option>
          ${units.map((unit) => html`<option value=${unit.code}>${'\u00a0'.repeat(unit.depth * 2)}${unit.name}</option>`)}
        </select></label>
        <label>${t('holderFilter')}<select id="filter-holder" value=${filters.holder} onChange=${set('holder')}>
          <option value="">${t('all')}</option>
          <option value="me">${t('assignedToMe')}</option>
          <option value="none">${t('unassigned')}</option>
        </select></label>
        <button type="button" class="link" id="mute" onClick=${() => { setMuted(!muted); setMutedState(!muted); }}>
          ${muted ? t('unmute') : t('mute')}</button>
        <span class="muted">${t('keysHelp')}</span>
      </div>
    </div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${!loaded && !error && html`<p class="muted">${t('loading')}</p>`}
    ${loaded && visible.length === 0 && html`<${Empty} filtered=${counts.total > 0} session=${session} units=${units}
      clear=${() => setFilters({ status: '', category: '', unit: '', overdue: false, holder: '' })} />`}
    ${visible.length > 0 && html`<div class="queue-scroll" ref=${scroller} onScroll=${onScroll}>
    <table class="queue-table" id="queue-table">
      <thead><tr><th>${t('ticket')}</th><th>${t('status')}</th><th>${t('priority')}</th><th>${t('category')}</th>
        <th>${t('summary')}</th><th>${t('unit')}</th><th>${t('holder')}</th><th>${t('due')}</th><th>${t('created')}</th></tr></thead>
      <tbody>
        ${first > 0 && html`<tr class="spacer" style=${{ height: `${first * ROW_HEIGHT}px` }}></tr>`}
        ${visible.slice(first, last).map((report, offset) => html`<${Row} key=${report.id} report=${report}
          selected=${first + offset === selected} categories=${categories} now=${now} />`)}
        ${last < visible.length && html`<tr class="spacer" style=${{ height: `${(visible.length - last) * ROW_HEIGHT}px` }}></tr>`}
      </tbody>
    </table></div>`}
  </section>`;
}

/// What an empty queue means: nothing open at all (for an officer: nothing forwarded to their
/// unit), or nothing that matches the filters.
function Empty({ filtered, session, units, clear }) {
  if (filtered) {
    return html`<p class="empty" id="queue-empty">${t('noMatch')} <button type="button" class="link" onClick=${clear}>${t('clearFilters')}</button></p>`;
  }
  const unitCode = session?.user?.role === 'OFFICER' ? session.user.unitCode : null;
  const unit = unitCode && (units.find((u) => u.code === unitCode)?.name ?? unitCode);
  return html`<p class="empty" id="queue-empty">${unit ? fill(t('emptyQueueUnit'), { u: unit }) : t('emptyQueue')}</p>`;
}

/// A row redraws only when its report, its selection, the categories or the minute change:
/// at 50 events a second, one event touches one row, not a thousand.
class Row extends Component {
  shouldComponentUpdate(next) {
    const props = this.props;
    return next.report !== props.report || next.selected !== props.selected
      || next.categories !== props.categories || next.now !== props.now;
  }

  render(props) {
    return rowOf(props);
  }
}

function rowOf({ report, selected, categories, now }) {
  const urgent = isUrgent(report);
  const late = isOverdue(report, now);
  const classes = ['row', urgent ? 'urgent' : '', late ? 'overdue' : '', selected ? 'selected' : ''].join(' ');
  const category = report.category ?? report.suggestion?.category;
  const about = aboutOf(report);
  return html`<tr class=${classes} data-ticket=${report.ticket} data-id=${report.id}
    onClick=${() => { location.hash = `#/report/${report.id}`; }}>
    <td class="ticket">${report.ticket}${report.hasMedia ? html` <span class="tag">${t('media')}</span>` : ''}</td>
    <td><span class=${`status s-${report.status}`}>${statusLabel(report.status)}</span></td>
    <td><span class=${`prio p-${report.priority ?? 'NONE'}`}>${report.priority ? priorityLabel(report.priority) : urgent ? t('urgent') : '—'}</span></td>
    <td>${report.category ? categoryLabel(categories, category)
      : category ? html`<span class="suggested" title=${t('suggestedCategory')}>${categoryLabel(categories, category)}</span>` : '—'}</td>
    <td class="summary" title=${about}>${report.flags.filter((flag) => flag !== 'urgent').map((flag) => html`<span class=${`tag flag-${flag}`}>${flagLabel(flag)}</span> `)}${about}</td>
    <td>${report.assignedUnit?.name ?? '—'}</td>
    <td class="holder" data-holder=${report.assignee?.username ?? ''}>${report.assignee ? (report.assignee.displayName || report.assignee.username) : '—'}</td>
    <td class=${late ? 'late' : ''}>${report.sla?.paused ? t('paused') : report.sla?.dueAt ? dueIn(report.sla.dueAt, now) : '—'}</td>
    <td>${dateTime(report.createdAt)}</td>
  </tr>`;
}

/// What a report is about, in a line: the operator's summary, else the citizen's first words,
/// else the suggested place, else what the citizen sent.
export function aboutOf(report) {
  return report.summary || report.excerpt || placeName(report.suggestion?.place)
    || (report.hasMedia ? t('mediaOnly') : t('noText'));
}

export { PRIORITIES };

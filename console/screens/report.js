// One report: the conversation as a chat, the suggestion card, the timeline and the actions.
// Reloaded whenever a live event names it, so ticks and new messages appear by themselves.
import { html, useState, useEffect, useRef } from '../lib/html.js';
import { gql } from '../lib/api.js';
import { t, fill, statusLabel, priorityLabel, errorText, deliveryLabel } from '../lib/i18n.js';
import { describe, actorLabel, messageKindLabel } from '../lib/timeline.js';
import { REPORT_FIELDS } from '../lib/fragments.js';
import { loadCategories, loadUnits, loadChannels, categoryLabel } from '../lib/reference.js';
import { dateTime, clock, dueIn, when } from '../lib/format.js';
import { isCommandCenter, canWork } from '../lib/roles.js';
import * as live from '../lib/live.js';
import { Actions } from './report_actions.js';
import { Holder } from './report_claim.js';
import { MiniMap } from './minimap.js';
import { ReporterPanel } from './reporter_panel.js';
import { IncidentPanel } from './incident_panel.js';

/// Back where the reader came from (the queue, a search, the map); a report opened directly
/// goes to the reader's first screen.
function goBack(event) {
  if (history.length > 1) { event?.preventDefault(); history.back(); }
}

export function ReportScreen({ id, session }) {
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);
  const [categories, setCategories] = useState([]);
  const [channels, setChannels] = useState([]);
  const [flash, setFlash] = useState(null);
  const loading = useRef(null);
  const flashTimer = useRef(null);

  const load = async () => {
    try {
      const data = await gql(`query ($id: ID!) { report(id: $id) { ${REPORT_FIELDS} } }`, { id });
      if (!data.report) setError(errorText({ code: 'NOT_FOUND' }));
      else { setReport(data.report); setError(null); }
    } catch (failure) {
      setError(errorText(failure));
    }
  };
  // Events come in bursts (message, reply queued, delivery): one reload per burst.
  const reloadSoon = () => {
    clearTimeout(loading.current);
    loading.current = setTimeout(load, 150);
  };

  // At most one reload a minute for failing media, so a file that stays refused does not loop.
  const lastMediaRetry = useRef(0);
  const mediaFailed = () => {
    if (Date.now() - lastMediaRetry.current < 60_000) return;
    lastMediaRetry.current = Date.now();
    reloadSoon();
  };

  useEffect(() => {
    // Escape goes back to the queue from anywhere but a text field.
    const onKey = (event) => {
      if (event.key !== 'Escape' || /INPUT|TEXTAREA|SELECT/.test(event.target.tagName)) return;
      if (history.length > 1) history.back();
      else location.hash = '#/';
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    load();
    loadCategories().then(setCategories).catch(() => {});
    loadChannels().then(setChannels).catch(() => {});
    const stop = live.onEvent((event) => { if (event.report?.id === id) reloadSoon(); });
    return () => { stop(); clearTimeout(loading.current); };
  }, [id]);

  /// Runs a mutation, shows its outcome, reloads the report.
  const act = async (query, variables, doneText = t('done')) => {
    try {
      await gql(query, variables);
      setFlash({ ok: true, text: doneText });
      // A success needs no more than a glance; an error stays until the next action.
      clearTimeout(flashTimer.current);
      flashTimer.current = setTimeout(() => setFlash((shown) => (shown?.ok ? null : shown)), 4000);
      await load();
      return true;
    } catch (failure) {
      setFlash({ ok: false, text: errorText(failure) });
      return false;
    }
  };

  if (error && !report) return html`<section><a href="#/" onClick=${goBack}>← ${t('back')}</a><p class="error" role="alert">${error}</p></section>`;
  if (!report) return html`<p class="muted">${t('loading')}</p>`;
  const role = session.user.role;
  const several = channels.length > 1;
  return html`<section class="report" id="report" data-ticket=${report.ticket}>
    <header class="report-head">
      <a href="#/" class="link" id="back" onClick=${goBack}>← ${t('back')}</a>
      <h2>${report.ticket}</h2>
      <span class=${`status s-${report.status}`} id="report-status">${statusLabel(report.status)}</span>
      <span>${t('priority')}: <span class=${`prio p-${report.priority ?? 'NONE'}`}>${priorityLabel(report.priority)}</span></span>
      <span>${t('category')}: <b>${report.category ? categoryLabel(categories, report.category)
        : report.suggestion?.category ? html`<span class="suggested" title=${t('suggestedCategory')}>${categoryLabel(categories, report.suggestion.category)}</span>` : '—'}</b></span>
      <span>${t('assigned')}: <b id="assigned-unit">${report.assignedUnit?.name ?? '—'}</b></span>
      ${several && report.channel && html`<span>${t('channel')}: <b id="report-channel" title=${report.channel.displayNumber}>${report.channel.label}</b></span>`}
      <${Holder} report=${report} session=${session} act=${act} />
      <span class=${report.sla.overdue ? 'late' : 'muted'} id="report-sla">${slaText(report.sla)}</span>
    </header>
    ${flash && html`<p class=${flash.ok ? 'flash ok' : 'flash error'} role=${flash.ok ? 'status' : 'alert'} id="flash">${flash.text}</p>`}
    <div class="report-grid">
      <div class="col-chat">
        <h3>${t('conversation')} · ${report.reporter?.name ?? ''} <span class="muted" id="reporter-phone">${report.reporter?.phone ?? ''}</span></h3>
        <${Chat} report=${report} onMediaError=${mediaFailed} />
      </div>
      <div class="col-side">
        <${ReporterPanel} report=${report} role=${role} act=${act} />
        <${IncidentPanel} report=${report} role=${role} act=${act} />
        ${report.satisfaction && html`<${SatisfactionCard} satisfaction=${report.satisfaction} />`}
        ${report.suggestion && html`<${SuggestionCard} report=${report} categories=${categories}
          canAccept=${isCommandCenter(role) && ['NEW', 'TRIAGED'].includes(report.status)} act=${act} />`}
        ${canWork(role) && html`<${Actions} report=${report} role=${role} categories=${categories} act=${act} />`}
        <${Timeline} report=${report} categories=${categories} />
      </div>
    </div>
  </section>`;
}

const SLA_STAGES = { FIRST_ACTION: 'firstAction', FORWARD: 'forwardStage', RESOLUTION: 'resolution' };

/// "SLA: Penerusan, batas 21.24 (lewat 3 mnt) · terlewati: Tindakan pertama".
function slaText(sla) {
  const stage = sla.stage ? t(SLA_STAGES[sla.stage] ?? sla.stage) : null;
  const due = sla.paused ? t('paused') : sla.dueAt ? `${when(sla.dueAt)} (${dueIn(sla.dueAt)})` : null;
  // The stage now due is said once; earlier stages that were missed follow.
  const missed = sla.breaches.filter((name) => name !== sla.stage).map((name) => t(SLA_STAGES[name] ?? name)).join(', ');
  const parts = [stage && due ? `${stage}, ${t('dueWord')} ${due}` : stage, missed && `${t('breached')}: ${missed}`];
  return `${t('sla')}: ${parts.filter(Boolean).join(' · ') || '—'}`;
}

const TICKS = { QUEUED: '…', SANDBOX: '✓', ACCEPTED: '✓', SENT: '✓', DELIVERED: '✓✓', READ: '✓✓', PLAYED: '✓✓', FAILED: '⚠' };

function Ticks({ status, error }) {
  if (!status) return null;
  const label = deliveryLabel(status);
  return html`<span class=${`ticks t-${status}`} title=${error ? `${label}: ${error}` : label} data-delivery=${status}>${TICKS[status] ?? ''}</span>`;
}

/// A media link works for a few minutes; a player that finds its link expired asks for the
/// report again, which brings fresh links.
function Chat({ report, onMediaError }) {
  const end = useRef(null);
  useEffect(() => { end.current?.scrollIntoView({ block: 'end' }); }, [report.messages.length]);
  // An edit or a deletion is shown on the message it changes, not as a message of its own.
  const shown = report.messages.filter((message) => !['edit', 'revoke'].includes(message.kind));
  return html`<ol class="chat" id="chat">
    ${shown.map((message) => html`<li key=${message.id}
      class=${`bubble ${message.direction === 'INBOUND' ? 'in' : 'out'} k-${message.kind}`} data-kind=${message.kind}>
      <${MessageBody} message=${message} report=${report} onMediaError=${onMediaError} />
      ${message.edits.length > 0 && html`<div class="edits muted">✎ ${message.edits.join(' → ')}</div>`}
      ${message.revokedAt && html`<div class="muted">⊘ ${dateTime(message.revokedAt)}</div>`}
      <div class="meta">${message.cannedReply ? html`<span class="tag canned-used" title=${fill(t('cannedUsed'), { n: message.cannedReply.title })}>${message.cannedReply.title}</span> ` : ''}${message.author ? `${message.author} · ` : ''}${clock(message.createdAt)}
        <${Ticks} status=${message.deliveryStatus} error=${message.deliveryError} /></div>
    </li>`)}
    <li ref=${end} class="chat-end"></li>
  </ol>`;
}

const MEDIA_STATES = { PENDING: 'mediaPending', FAILED: 'mediaFailed', UNAVAILABLE: 'mediaUnavailable' };

function MessageBody({ message, report, onMediaError }) {
  const url = message.signedMediaUrl;
  const type = message.mediaContentType ?? '';
  const caption = message.text && html`<p class="text">${message.text}</p>`;
  // A file not (yet) kept says why, in the reader's words.
  const missing = html`<p class="muted media-missing">${messageKindLabel(message.kind)}: ${t(MEDIA_STATES[message.mediaState] ?? 'noMedia')}</p>`;
  if (['image', 'sticker'].includes(message.kind)) {
    return html`${url ? html`<img class="media" src=${url} alt=${message.text ?? messageKindLabel(message.kind)} loading="lazy" onError=${onMediaError} />` : missing}${caption}`;
  }
  if (['audio', 'voice'].includes(message.kind)) {
    return html`${url ? html`<audio class="media" controls preload="metadata" src=${url} onError=${onMediaError}></audio>` : missing}${caption}`;
  }
  if (message.kind === 'video') {
    return html`${url ? html`<video class="media" controls preload="metadata" src=${url} onError=${onMediaError}></video>` : missing}${caption}`;
  }
  if (message.kind === 'document') {
    return html`${url ? html`<a class="doc" href=${url} download=${message.fileName ?? ''}>⇩ ${t('download')} (${message.fileName ?? (type || t('file'))})</a>` : missing}${caption}`;
  }
  if (message.kind === 'reaction') {
    // The emoji is in the timeline's entry for this message.
    const event = report.timeline.find((entry) => entry.messageId === message.id && entry.kind === 'REACTION_RECEIVED');
    const what = event ? describe(event, { messages: new Map(), units: [], categories: [] }).detail : '';
    return html`<p class="text muted">${messageKindLabel('reaction')}: ${what}</p>`;
  }
  if (message.kind === 'location' && report.location) {
    return html`<${MiniMap} point=${report.location} />${caption}`;
  }
  return html`<p class="text">${message.text ?? `[${messageKindLabel(message.kind)}]`}</p>`;
}

/// What the citizen said when asked how satisfied they are (once, after RESOLVED).
function SatisfactionCard({ satisfaction }) {
  const { rating, comment, askedAt, answeredAt } = satisfaction;
  return html`<div class="card satisfaction" id="satisfaction" data-rating=${rating ?? ''}>
    <h3>${t('satisfaction')}</h3>
    ${rating
    ? html`<p><b class=${`rating r-${rating}`}>${t(rating)}</b> <span class="muted">${fill(t('satisfactionAnswered'), { d: dateTime(answeredAt) })}</span></p>`
    : html`<p class="muted">${fill(t('satisfactionAsked'), { d: dateTime(askedAt) })}</p>`}
    ${comment && html`<p><span class="muted">${t('satisfactionComment')}:</span> <q id="satisfaction-comment">${comment}</q></p>`}
  </div>`;
}

function SuggestionCard({ report, categories, canAccept, act }) {
  const s = report.suggestion;
  // Categories routed to a functional unit (complaints about the police go to Bidpropam) are
  // forwarded there; the rest to the territorial unit of the place.
  const routesTo = categories.find((c) => c.code === (s.category ?? report.category))?.routesTo;
  const target = routesTo === 'functional' ? (s.functionalUnits[0] ?? s.territorialUnit) : (s.territorialUnit ?? s.functionalUnits[0]);
  const accept = async () => {
    const category = s.category ?? report.category;
    const triaged = await act(`mutation ($id: ID!, $category: String, $priority: Priority) {
      triageReport(id: $id, category: $category, priority: $priority) { id } }`,
    { id: report.id, category, priority: s.urgent ? 'URGENT' : (report.priority ?? 'NORMAL') });
    if (triaged && target) {
      await act(`mutation ($id: ID!, $unit: String!) { forwardReport(id: $id, unitCode: $unit) { id } }`,
        { id: report.id, unit: target.code });
    }
  };
  return html`<div class="card suggestion" id="suggestion">
    <h3>${t('suggestion')} ${s.urgent && html`<span class="prio p-URGENT">${t('urgent')}</span>`}</h3>
    <dl>
      <dt>${t('category')}</dt><dd>${s.category ? html`${categoryLabel(categories, s.category)} <span class="muted">(${Math.round(s.confidence * 100)}%)</span>`
        : html`<span class="muted">${t('unknownCategory')}</span>`}</dd>
      ${s.place && html`<dt>${t('place')}</dt><dd>${s.place.kecamatan ? `${s.place.kecamatan}, ` : ''}${s.place.kabupaten}</dd>`}
      <dt>${t('territorialUnit')}</dt><dd>${s.territorialUnit?.name ?? '—'}</dd>
      ${s.functionalUnits.length > 0 && html`<dt>${t('functionalUnits')}</dt><dd>${s.functionalUnits.map((unit) => unit.name).join(', ')}</dd>`}
      ${s.reasons.length > 0 && html`<dt>${t('reasons')}</dt><dd class="reasons">${s.reasons.map((reason) => html`<span class="tag">${reason}</span>`)}</dd>`}
    </dl>
    ${canAccept && html`<button type="button" id="accept-suggestion" onClick=${accept}>${t('acceptSuggestion')}${target ? ` → ${target.name}` : ''}</button>`}
  </div>`;
}

function Timeline({ report, categories }) {
  const [units, setUnits] = useState([]);
  useEffect(() => { loadUnits().then(setUnits).catch(() => {}); }, []);
  const context = { messages: new Map(report.messages.map((message) => [message.id, message])), units, categories };
  return html`<div class="card timeline"><h3>${t('timeline')}</h3>
    <ol id="timeline">${[...report.timeline].reverse().map((event) => {
      const { label, detail } = describe(event, context);
      return html`<li data-kind=${event.kind}>
        <span class="muted">${dateTime(event.at)}</span> <b>${label}</b>
        <span class="actor muted">${actorLabel(event.actor)}</span>
        ${detail && html`<div class="note" title=${event.note ?? ''}>${detail}</div>`}
      </li>`;
    })}</ol>
  </div>`;
}

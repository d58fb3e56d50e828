// The actions on a report, offered by role and by the moves the report allows now
// (`Report.allowedStatusMoves`): triage, forward, reply, requests, calls, notes, merge, status.
import { html, useState, useEffect, useMemo } from '../lib/html.js';
import { gql } from '../lib/api.js';
import { t, fill, statusLabel, priorityLabel, errorText, callKindLabel } from '../lib/i18n.js';
import { PRIORITIES } from '../lib/fragments.js';
import { loadUnits } from '../lib/reference.js';
import { isCommandCenter } from '../lib/roles.js';
import { AttachmentPicker } from './attachment.js';
import { CarryAlong, linkedCount } from './incident_panel.js';
import { CannedPicker } from './canned_picker.js';

export function Actions({ report, role, categories, act }) {
  const [open, setOpen] = useState('reply');
  const commandCenter = isCommandCenter(role);
  const finalStatus = ['CLOSED', 'REJECTED', 'DUPLICATE', 'SPAM'].includes(report.status);
  const tabs = [
    commandCenter && !finalStatus && ['triage', t('triage')],
    !finalStatus && ['forward', t('forward')],
    !finalStatus && ['reply', t('reply')],
    !finalStatus && ['call', t('logCall')],
    ['note', t('addNote')],
    commandCenter && !finalStatus && ['merge', t('merge')],
  ].filter(Boolean);
  return html`<div class="card actions" id="actions">
    <h3>${t('actions')}</h3>
    ${report.allowedStatusMoves.length > 0 && html`<${StatusMoves} report=${report} act=${act} />`}
    <div class="tabs">${tabs.map(([name, label]) => html`<button type="button" id=${`tab-${name}`}
      class=${open === name ? 'tab on' : 'tab'} onClick=${() => setOpen(name)}>${label}</button>`)}</div>
    ${open === 'triage' && commandCenter && html`<${Triage} report=${report} categories=${categories} act=${act} />`}
    ${open === 'forward' && html`<${Forward} report=${report} act=${act} />`}
    ${open === 'reply' && html`<${Reply} report=${report} act=${act} />`}
    ${open === 'call' && html`<${LogCall} report=${report} act=${act} />`}
    ${open === 'note' && html`<${Note} report=${report} act=${act} />`}
    ${open === 'merge' && commandCenter && html`<${Merge} report=${report} act=${act} />`}
  </div>`;
}

/// Statuses that end the handling: asked twice, so that a tired click does not close a case.
const FINAL = ['CLOSED', 'REJECTED', 'DUPLICATE', 'SPAM'];

function StatusMoves({ report, act }) {
  const [note, setNote] = useState('');
  const [withLinked, setWithLinked] = useState(true);
  const move = (status) => {
    if (FINAL.includes(status) && !window.confirm(fill(t('confirmFinal'), { t: report.ticket, s: statusLabel(status) }))) return;
    act(`mutation ($id: ID!, $status: ReportStatus!, $note: String, $withLinked: Boolean) {
      setReportStatus(id: $id, status: $status, note: $note, withLinked: $withLinked) { id } }`,
    { id: report.id, status, note: note.trim() || null, withLinked: linkedCount(report) > 0 && withLinked });
  };
  return html`<div class="moves" id="status-moves">
    <span class="muted">${t('moveStatus')}:</span>
    ${report.allowedStatusMoves.map((status) => html`<button type="button" class=${FINAL.includes(status) ? 'move final' : 'move'}
      data-move=${status} onClick=${() => move(status)}>${statusLabel(status)}</button>`)}
    <input placeholder=${t('note')} value=${note} onInput=${(e) => setNote(e.target.value)} id="status-note" />
    <${CarryAlong} report=${report} value=${withLinked} onChange=${setWithLinked} />
  </div>`;
}

function Triage({ report, categories, act }) {
  const [category, setCategory] = useState(report.category ?? report.suggestion?.category ?? '');
  const [priority, setPriority] = useState(report.priority ?? (report.suggestion?.urgent ? 'URGENT' : 'NORMAL'));
  const [summary, setSummary] = useState(report.summary ?? '');
  const [note, setNote] = useState('');
  const submit = (event) => {
    event.preventDefault();
    act(`mutation ($id: ID!, $category: String, $priority: Priority, $summary: String, $note: String) {
      triageReport(id: $id, category: $category, priority: $priority, summary: $summary, note: $note) { id } }`,
    { id: report.id, category: category || null, priority, summary: summary.trim() || null, note: note.trim() || null });
  };
  return html`<form onSubmit=${submit} class="form" id="triage-form">
    <label>${t('category')}<select value=${category} onChange=${(e) => setCategory(e.target.value)}>
      <option value="">—</option>${categories.map((c) => html`<option value=${c.code}>${c.label}</option>`)}</select></label>
    <label>${t('priority')}<select value=${priority} onChange=${(e) => setPriority(e.target.value)}>
      ${PRIORITIES.map((p) => html`<option value=${p}>${priorityLabel(p)}</option>`)}</select></label>
    <label>${t('summary')}<input value=${summary} onInput=${(e) => setSummary(e.target.value)} /></label>
    <label>${t('note')}<input value=${note} onInput=${(e) => setNote(e.target.value)} /></label>
    <button type="submit">${t('triage')}</button>
  </form>`;
}

/// A type-ahead over the unit tree, the suggested units first.
export function UnitPicker({ value, onPick, suggested = [] }) {
  const [units, setUnits] = useState([]);
  const [text, setText] = useState('');
  useEffect(() => { loadUnits().then(setUnits).catch(() => {}); }, []);
  const matches = useMemo(() => {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    const active = units.filter((unit) => unit.active);
    const hit = (unit) => words.every((word) => `${unit.name} ${unit.code}`.toLowerCase().includes(word));
    const first = suggested.map((code) => active.find((unit) => unit.code === code)).filter(Boolean).filter(hit);
    const rest = active.filter((unit) => !suggested.includes(unit.code) && hit(unit));
    return [...first.map((unit) => ({ ...unit, suggested: true })), ...rest].slice(0, 12);
  }, [units, text, suggested.join()]);
  // The unit above, by its short name ("Polda Sumsel" for "Kepolisian Daerah … (Polda Sumsel)").
  const parentOf = (unit) => {
    const name = units.find((other) => other.code === unit.parentCode)?.name;
    return name?.match(/\(([^)]+)\)$/)?.[1] ?? name;
  };
  // Enter picks the first match, so that typing "ilir timur" and Enter is enough.
  const onKeyDown = (event) => {
    if (event.key === 'Enter' && matches[0]) { event.preventDefault(); onPick(matches[0].code); }
  };
  return html`<div class="picker">
    <input placeholder=${t('unitPicker')} value=${text} onInput=${(e) => setText(e.target.value)} onKeyDown=${onKeyDown} id="unit-search" />
    <ul class="options" role="listbox">${matches.map((unit) => html`<li role="option" aria-selected=${unit.code === value}
      class=${unit.code === value ? 'on' : ''} data-unit=${unit.code} onClick=${() => onPick(unit.code)}>
      <span>${unit.name}${unit.suggested ? html` <span class="tag">${t('suggested')}</span>` : ''}</span>
      <span class="muted small">${[parentOf(unit), unit.code].filter(Boolean).join(' · ')}</span></li>`)}</ul>
  </div>`;
}

/// A unit's name by its code, once the unit tree is loaded.
function useUnitName(code) {
  const [units, setUnits] = useState([]);
  useEffect(() => { loadUnits().then(setUnits).catch(() => {}); }, []);
  return units.find((unit) => unit.code === code)?.name ?? code;
}

function Forward({ report, act }) {
  const suggested = [report.suggestion?.territorialUnit?.code, ...(report.suggestion?.functionalUnits ?? []).map((u) => u.code)].filter(Boolean);
  const [unit, setUnit] = useState(suggested[0] ?? '');
  const unitName = useUnitName(unit);
  const [note, setNote] = useState('');
  const [withLinked, setWithLinked] = useState(true);
  const submit = (event) => {
    event.preventDefault();
    if (!unit) return;
    act(`mutation ($id: ID!, $unit: String!, $note: String, $withLinked: Boolean) {
      forwardReport(id: $id, unitCode: $unit, note: $note, withLinked: $withLinked) { id } }`,
    { id: report.id, unit, note: note.trim() || null, withLinked: linkedCount(report) > 0 && withLinked });
  };
  return html`<form onSubmit=${submit} class="form" id="forward-form">
    <${UnitPicker} value=${unit} onPick=${setUnit} suggested=${suggested} />
    <label>${t('note')}<input value=${note} onInput=${(e) => setNote(e.target.value)} /></label>
    <${CarryAlong} report=${report} value=${withLinked} onChange=${setWithLinked} />
    <button type="submit" disabled=${!unit} id="forward-submit">${t('forward')} → ${unitName}</button>
  </form>`;
}

function Reply({ report, act }) {
  const [text, setText] = useState('');
  const [attachment, setAttachment] = useState(null);
  // The canned reply the text was filled from: the reply records it, and counts its use.
  const [canned, setCanned] = useState(null);
  const windowOpen = report.reporter?.windowOpen;
  const submit = async (event) => {
    event.preventDefault();
    if (!text.trim() && !attachment) return;
    // A caption is the operator's own text: a canned reply is not recorded on an attachment.
    const sent = await act(`mutation ($id: ID!, $text: String, $canned: ID, $attachment: ID) {
      replyToReporter(reportId: $id, text: $text, cannedReplyId: $canned, attachmentId: $attachment) { id } }`,
    { id: report.id, text: text.trim(), canned: attachment ? null : (canned?.id ?? null),
      attachment: attachment?.attachmentId ?? null });
    if (sent) { setText(''); setAttachment(null); setCanned(null); }
  };
  const pick = (chosen) => { setCanned(chosen); setText(chosen.text); };
  return html`<form onSubmit=${submit} class="form" id="reply-form">
    <p class=${windowOpen ? 'window open' : 'window closed'} id="window-state">${windowOpen ? t('windowOpen') : t('windowClosed')}</p>
    <${CannedPicker} report=${report} onPick=${pick} />
    ${canned && html`<p class="muted small" id="canned-chosen">${t('cannedPreview')} · <b>${canned.title}</b>
      <button type="button" class="link" onClick=${() => setCanned(null)} title=${t('cancel')}>×</button></p>`}
    <textarea rows="3" value=${text} onInput=${(e) => setText(e.target.value)} id="reply-text" placeholder=${t('replyHint')}
      onKeyDown=${(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit(e); }}></textarea>
    <${AttachmentPicker} attachment=${attachment} onChange=${setAttachment} windowOpen=${windowOpen} />
    <div class="row-buttons">
      <button type="submit" id="send-reply">${t('send')}</button>
      <button type="button" id="request-location" onClick=${() => act('mutation ($id: ID!) { requestLocation(reportId: $id) { id } }', { id: report.id })}>${t('requestLocation')}</button>
      <button type="button" id="request-call" onClick=${() => act('mutation ($id: ID!) { requestCallPermission(reportId: $id) { id } }', { id: report.id })}>${t('requestCall')}</button>
    </div>
  </form>`;
}

/// "200", "3:20" or "1:02:05" as seconds; null for an empty field, NaN for nonsense.
export function parseDuration(text) {
  const value = text.trim();
  if (!value) return null;
  if (!/^\d+(:\d{1,2}){0,2}$/.test(value)) return NaN;
  return value.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

function LogCall({ report, act }) {
  const [kind, setKind] = useState('PHONE');
  const [outcome, setOutcome] = useState('');
  const [duration, setDuration] = useState('');
  const [note, setNote] = useState('');
  const seconds = parseDuration(duration);
  const submit = async (event) => {
    event.preventDefault();
    if (Number.isNaN(seconds)) return;
    const logged = await act(`mutation ($id: ID!, $kind: CallKind!, $outcome: String!, $duration: Int, $note: String) {
      logCall(reportId: $id, kind: $kind, outcome: $outcome, durationSeconds: $duration, note: $note) { kind } }`,
    { id: report.id, kind, outcome: outcome.trim(), duration: seconds, note: note.trim() || null });
    if (logged) { setOutcome(''); setDuration(''); setNote(''); }
  };
  return html`<form onSubmit=${submit} class="form" id="call-form">
    <label>${t('kind')}<select value=${kind} onChange=${(e) => setKind(e.target.value)}>
      ${['PHONE', 'VIDEO', 'WHATSAPP'].map((k) => html`<option value=${k}>${callKindLabel(k)}</option>`)}</select></label>
    <label>${t('outcome')}<input value=${outcome} onInput=${(e) => setOutcome(e.target.value)} required
      list="call-outcomes" placeholder=${t('outcomePlaceholder')} /></label>
    <datalist id="call-outcomes">${t('callOutcomes').split('|').map((text) => html`<option value=${text} />`)}</datalist>
    <label>${t('duration')}<input value=${duration} onInput=${(e) => setDuration(e.target.value)}
      inputmode="numeric" placeholder=${t('durationHint')} class=${Number.isNaN(seconds) ? 'invalid' : ''} /></label>
    <label>${t('note')}<input value=${note} onInput=${(e) => setNote(e.target.value)} /></label>
    <button type="submit" disabled=${Number.isNaN(seconds)}>${t('logCall')}</button>
  </form>`;
}

function Note({ report, act }) {
  const [text, setText] = useState('');
  const submit = async (event) => {
    event.preventDefault();
    if (await act('mutation ($id: ID!, $text: String!) { addNote(reportId: $id, text: $text) { kind } }', { id: report.id, text })) setText('');
  };
  return html`<form onSubmit=${submit} class="form" id="note-form">
    <textarea rows="2" value=${text} onInput=${(e) => setText(e.target.value)} required></textarea>
    <button type="submit">${t('addNote')}</button>
  </form>`;
}

function Merge({ report, act }) {
  const [ticket, setTicket] = useState('');
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    try {
      const data = await gql('query ($ticket: String!) { report(ticket: $ticket) { id } }', { ticket: ticket.trim() });
      if (!data.report) { setError(errorText({ code: 'NOT_FOUND' })); return; }
      setError(null);
      act('mutation ($into: ID!, $from: ID!) { mergeReports(into: $into, from: $from) { id } }', { into: data.report.id, from: report.id });
    } catch (failure) {
      setError(errorText(failure));
    }
  };
  return html`<form onSubmit=${submit} class="form" id="merge-form">
    <label>${t('mergeInto')}<input value=${ticket} onInput=${(e) => setTicket(e.target.value)} required /></label>
    ${error && html`<p class="error">${error}</p>`}
    <button type="submit">${t('merge')}</button>
  </form>`;
}

// The reporter beside the conversation: who writes, whether the number is blocked (and why,
// by whom, until when) or slowed down by the automatic rate limit; supervisors block and
// unblock here (`blockReporter`, `unblockReporter`), with the report they act from.
import { html, useState } from '../lib/html.js';
import { t, fill } from '../lib/i18n.js';
import { dateTime } from '../lib/format.js';

/// Blocking is a supervisor's decision (admins may too, through the API).
const canBlock = (role) => role === 'SUPERVISOR';

export function ReporterPanel({ report, role, act }) {
  const reporter = report.reporter;
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState('');
  if (!reporter) return null;
  const block = reporter.block;
  const submit = async (event) => {
    event.preventDefault();
    // datetime-local is the reader's local time; the API takes an instant.
    const end = until ? new Date(until).toISOString() : null;
    const blocked = await act(`mutation ($reporter: ID!, $reason: String!, $until: DateTime, $report: ID) {
      blockReporter(reporterId: $reporter, reason: $reason, until: $until, reportId: $report) { id } }`,
    { reporter: reporter.id, reason, until: end, report: report.id });
    if (blocked) { setReason(''); setUntil(''); }
  };
  const unblock = () => act(`mutation ($reporter: ID!, $report: ID) {
    unblockReporter(reporterId: $reporter, reportId: $report) { id } }`, { reporter: reporter.id, report: report.id });
  return html`<div class="card reporter" id="reporter-panel" data-blocked=${reporter.blocked ? 'true' : 'false'}>
    <h3>${t('reporterPanel')}</h3>
    <p>${reporter.name ?? '—'} <span class="muted">${reporter.phone ?? ''}</span></p>
    ${report.blocked && html`<p class="flash error" id="blocked-report-note">${t('blockedReport')}</p>`}
    ${reporter.slowedDown && html`<p class="muted" id="reporter-slowed">${t('slowedDown')}</p>`}
    ${block && html`<p id="reporter-block"><span class="status s-SPAM">${t('blockedNumber')}</span>
      ${' '}${block.until ? fill(t('blockedUntil'), { d: dateTime(block.until) }) : t('blockedForever')}
      <span class="muted"> · ${fill(t('blockedByWhom'), { u: block.blockedBy, d: dateTime(block.blockedAt) })}</span>
      <br /><i>${block.reason}</i></p>`}
    ${canBlock(role) && (reporter.blocked
    ? html`<button type="button" id="unblock-reporter" onClick=${unblock}>${t('unblockNumber')}</button>`
    : html`<form class="form" id="block-form" onSubmit=${submit}>
        <label>${t('blockReason')}<input id="block-reason" required value=${reason} onInput=${(e) => setReason(e.target.value)} /></label>
        <label>${t('blockUntil')}<input id="block-until" type="datetime-local" value=${until} onInput=${(e) => setUntil(e.target.value)} /></label>
        <button type="submit" id="block-reporter">${t('blockNumber')}</button>
      </form>`)}
  </div>`;
}

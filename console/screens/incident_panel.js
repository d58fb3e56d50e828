// One incident, many reporters: the reports grouped with this one (the primary first) and,
// for the command center, the reports that look like the same event (`Report.similar`) to
// link, and an unlink per report. `CarryAlong` asks, when forwarding or moving an incident's
// primary, whether its linked reports follow (each citizen then gets their own notice).
import { html, useState, useEffect } from '../lib/html.js';
import { gql } from '../lib/api.js';
import { t, fill, statusLabel } from '../lib/i18n.js';
import { dateTime } from '../lib/format.js';
import { isCommandCenter } from '../lib/roles.js';

/// How many linked reports follow the primary `report`; 0 when it is not a primary.
export function linkedCount(report) {
  const incident = report.incident;
  return incident && incident.primary.id === report.id ? incident.reports.length - 1 : 0;
}

export function CarryAlong({ report, value, onChange }) {
  const count = linkedCount(report);
  if (count === 0) return null;
  return html`<label class="carry"><input type="checkbox" id="with-linked" checked=${value}
    onChange=${(e) => onChange(e.target.checked)} /> ${fill(t('withLinked'), { n: count })}</label>`;
}

export function IncidentPanel({ report, role, act }) {
  const [similar, setSimilar] = useState([]);
  const [chosen, setChosen] = useState(new Set());
  const commandCenter = isCommandCenter(role);
  const incident = report.incident;
  const primaryId = incident?.primary.id ?? report.id;
  const final = ['CLOSED', 'REJECTED', 'DUPLICATE', 'SPAM'].includes(report.status);
  useEffect(() => {
    if (!commandCenter) return;
    gql(`query ($id: ID!) { report(id: $id) { similar(first: 10) { score reasons
      report { id ticket status createdAt excerpt reporter { name } } } } }`, { id: report.id })
      .then((data) => setSimilar(data.report?.similar ?? []))
      .catch(() => setSimilar([]));
  }, [report.id, report.updatedAt]);
  const toggle = (id) => {
    const next = new Set(chosen);
    if (next.has(id)) next.delete(id); else next.add(id);
    setChosen(next);
  };
  const link = async () => {
    const linked = await act(`mutation ($primary: ID!, $others: [ID!]!) { linkReports(primary: $primary, others: $others) { id } }`,
      { primary: primaryId, others: [...chosen].filter((id) => id !== primaryId) });
    if (linked) setChosen(new Set());
  };
  const unlink = (id) => act(`mutation ($id: ID!) { unlinkReport(id: $id) { id } }`, { id });
  if (!incident && (!commandCenter || similar.length === 0)) return null;
  return html`<div class="card incident" id="incident-panel">
    <h3>${t('incident')}</h3>
    ${incident && html`<ol id="incident-reports">${incident.reports.map((linked) => html`<li key=${linked.id} data-id=${linked.id}>
      <a href=${`#/report/${linked.id}`}>${linked.ticket}</a>
      ${linked.id === incident.primary.id && html` <span class="tag">${t('primary')}</span>`}
      <span class=${`status s-${linked.status}`}>${statusLabel(linked.status)}</span>
      <span class="muted"> ${linked.reporter?.name ?? ''}</span>
      ${commandCenter && html` <button type="button" class="link unlink" onClick=${() => unlink(linked.id)}>${t('unlink')}</button>`}
    </li>`)}</ol>`}
    ${commandCenter && !final && similar.length > 0 && html`<h4>${t('similarReports')}</h4>
      <ul id="similar-reports">${similar.map(({ score, reasons, report: candidate }) => html`<li key=${candidate.id} data-id=${candidate.id}>
        <label><input type="checkbox" checked=${chosen.has(candidate.id)} onChange=${() => toggle(candidate.id)} />
        <a href=${`#/report/${candidate.id}`}>${candidate.ticket}</a> <b>${Math.round(score * 100)}%</b>
        <span class="muted"> ${dateTime(candidate.createdAt)} · ${reasons.map((reason) => t(reason)).join(', ')}</span></label>
        <div class="muted small">${candidate.excerpt ?? ''}</div>
      </li>`)}</ul>
      <button type="button" id="link-reports" disabled=${chosen.size === 0} onClick=${link}>${fill(t('linkChosen'), { n: chosen.size })}</button>`}
  </div>`;
}

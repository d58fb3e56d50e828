// Who holds a report: the holder and when the claim runs out, the claim and release buttons,
// and for supervisors a picker of the people who could hold it (`assignableUsers`).
import { html, useState } from '../lib/html.js';
import { gql } from '../lib/api.js';
import { t, fill, errorText } from '../lib/i18n.js';
import { when } from '../lib/format.js';
import { canWork } from '../lib/roles.js';

const FINAL = ['CLOSED', 'REJECTED', 'DUPLICATE', 'SPAM'];

export function Holder({ report, session, act }) {
  const me = session.user.username;
  const role = session.user.role;
  const holder = report.assignee;
  const open = !FINAL.includes(report.status);
  const supervisor = role === 'SUPERVISOR';
  const claim = () => act('mutation ($id: ID!) { claimReport(id: $id) { id } }', { id: report.id });
  const release = () => act('mutation ($id: ID!) { releaseReport(id: $id) { id } }', { id: report.id });
  return html`<span class="holder" id="holder">${t('holder')}:
    <b id="assignee" data-username=${holder?.username ?? ''}>${holder ? (holder.displayName || holder.username) : t('nobody')}</b>
    ${holder && html`<span class="muted small" id="claim-idle" title=${holder.idleUntil}>
      (${fill(t('idleUntil'), { t: when(holder.idleUntil) })})</span>`}
    ${open && canWork(role) && !holder && html`<button type="button" class="small" id="claim" onClick=${claim}>${t('claim')}</button>`}
    ${holder && (holder.username === me || supervisor)
      && html`<button type="button" class="small" id="release" onClick=${release}>${t('release')}</button>`}
    ${open && supervisor && html`<${AssignPicker} report=${report} act=${act} />`}
  </span>`;
}

/// The people who could hold the report, asked for when the picker opens.
function AssignPicker({ report, act }) {
  const [people, setPeople] = useState(null);
  const [chosen, setChosen] = useState('');
  const [error, setError] = useState(null);
  const load = async () => {
    if (people) return;
    try {
      const data = await gql('query ($id: ID!) { assignableUsers(reportId: $id) { username displayName role } }', { id: report.id });
      setPeople(data.assignableUsers);
    } catch (failure) {
      setError(errorText(failure));
    }
  };
  const assign = async () => {
    if (!chosen) return;
    if (await act('mutation ($id: ID!, $u: String!) { assignReport(id: $id, username: $u) { id } }', { id: report.id, u: chosen })) setChosen('');
  };
  return html`<span class="assign">
    <select id="assign-user" value=${chosen} onFocus=${load} onMouseDown=${load} onChange=${(e) => setChosen(e.target.value)}>
      <option value="">${t('assignTo')}</option>
      ${(people ?? []).filter((person) => person.username !== report.assignee?.username).map((person) => html`<option value=${person.username}>
        ${person.displayName ? `${person.displayName} (${person.username})` : person.username}</option>`)}
    </select>
    <button type="button" class="small" id="assign" disabled=${!chosen} onClick=${assign}>${t('assign')}</button>
    ${error && html`<span class="error small">${error}</span>`}
  </span>`;
}

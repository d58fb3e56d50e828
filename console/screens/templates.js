// WhatsApp templates (admins and supervisors): the list Meta approved, as last read (with when,
// and why a reload failed), a reload button, and the purposes each template is sent for
// outside the 24-hour window. Admins set or clear a purpose's template; the server refuses
// one that is not APPROVED or has a parameter no report value fills, and its refusal is shown.
import { html, useState, useEffect } from '../lib/html.js';
import { gql } from '../lib/api.js';
import { t, fill, errorText } from '../lib/i18n.js';
import { dateTime } from '../lib/format.js';
import { actionsFor } from '../lib/actions.js';

const TEMPLATE = 'name language category status bodyText parameterCount sendable';
const SYNC = `configured refreshedAt attemptedAt lastError templates { ${TEMPLATE} }`;
const PURPOSES = 'templatePurposes { purpose name language source setBy setAt }';

export function TemplatesScreen({ session }) {
  const [sync, setSync] = useState(null);
  const [purposes, setPurposes] = useState([]);
  const [flash, setFlash] = useState(null);
  const load = async () => {
    try {
      const data = await gql(`{ templateSync { ${SYNC} } ${PURPOSES} }`);
      setSync(data.templateSync);
      setPurposes(data.templatePurposes);
    } catch (failure) {
      setFlash({ ok: false, text: errorText(failure) });
    }
  };
  useEffect(() => { load(); }, []);
  const act = actionsFor(setFlash, load);
  if (!['SUPERVISOR', 'ADMIN'].includes(session.user.role)) return html`<p class="muted">${t('notAllowed')}</p>`;
  const isAdmin = session.user.role === 'ADMIN';
  const templates = sync?.templates ?? [];
  return html`<section class="templates" id="templates-screen">
    ${flash && html`<p class=${flash.ok ? 'flash ok' : 'flash error'} role=${flash.ok ? 'status' : 'alert'} id="flash">${flash.text}</p>`}
    <div class="card"><h3>${t('templatePurposes')}</h3>
      <p class="muted small">${t('templatesParamsHelp')}</p>
      <table id="template-purposes"><thead><tr><th>${t('templatePurpose')}</th><th>${t('templateName')}</th><th>${t('templateSource')}</th>${isAdmin && html`<th></th>`}</tr></thead>
        <tbody>${purposes.map((row) => html`<${PurposeRow} key=${row.purpose} row=${row} templates=${templates} isAdmin=${isAdmin} act=${act} />`)}</tbody></table>
    </div>
    <div class="card"><h3>${t('templatesHeading')}</h3>
      <p id="template-sync" class="muted small">
        ${sync?.refreshedAt ? fill(t('templatesRefreshedAt'), { d: dateTime(sync.refreshedAt) }) : t('templatesNever')}
        ${sync && !sync.configured && html` ${t('templatesNotConfigured')}`}
      </p>
      ${sync?.lastError && html`<p class="flash error" id="template-sync-error">${fill(t('templatesLastError'), { e: sync.lastError })}</p>`}
      <button type="button" id="templates-refresh" onClick=${() => act(`mutation { refreshTemplates { ${SYNC} } }`)}>${t('templatesRefresh')}</button>
      <table id="template-list"><thead><tr><th>${t('templateName')}</th><th>${t('templateLanguage')}</th><th>${t('templateCategory')}</th><th>${t('templateStatus')}</th><th>${t('templateParams')}</th><th>${t('templateBody')}</th></tr></thead>
        <tbody>${templates.map((template) => html`<tr key=${`${template.name}/${template.language}`} data-template=${template.name}>
          <td><b>${template.name}</b></td><td>${template.language}</td><td>${template.category}</td>
          <td class=${template.status === 'APPROVED' ? '' : 'muted'}>${template.status}</td>
          <td>${template.parameterCount}</td><td class="canned-text">${template.bodyText ?? ''}</td></tr>`)}</tbody></table>
    </div>
  </section>`;
}

/// One purpose: its template and where it was chosen; for admins a picker of the templates
/// that can be sent, and a button to go back to the config file's.
function PurposeRow({ row, templates, isAdmin, act }) {
  const [choice, setChoice] = useState('');
  const sendable = templates.filter((template) => template.sendable);
  const set = () => {
    const [name, language] = choice.split('|');
    if (name) act('mutation ($p: TemplatePurpose!, $n: String, $l: String) { setTemplateForPurpose(purpose: $p, name: $n, language: $l) { purpose } }', { p: row.purpose, n: name, l: language });
  };
  const clear = () => act('mutation ($p: TemplatePurpose!) { setTemplateForPurpose(purpose: $p) { purpose } }', { p: row.purpose });
  return html`<tr data-purpose=${row.purpose}>
    <td>${t(`purpose_${row.purpose}`)}</td>
    <td class="purpose-template">${row.name ? `${row.name} (${row.language})` : html`<span class="muted">${t('templateNone')}</span>`}</td>
    <td>${row.source ? t(`templateSource${row.source}`) : ''}${row.setBy ? ` · ${row.setBy}` : ''}</td>
    ${isAdmin && html`<td class="row-buttons">
      <select class="purpose-choice" value=${choice} onChange=${(e) => setChoice(e.target.value)}>
        <option value="">${t('templateChoose')}</option>
        ${sendable.map((template) => html`<option value=${`${template.name}|${template.language}`}>${template.name} (${template.language})</option>`)}
      </select>
      <button type="button" class="purpose-set" onClick=${set}>${t('templateSet')}</button>
      ${row.source === 'STORED' && html`<button type="button" class="purpose-clear deactivate" onClick=${clear}>${t('templateClear')}</button>`}
    </td>`}
  </tr>`;
}

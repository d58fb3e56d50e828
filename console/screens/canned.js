// Canned replies (supervisors and admins): the list with its search and usage, a new reply,
// and editing or deleting one. The server refuses a text with an unknown variable; its
// refusal is shown under the form and nothing changes.
import { html, useState, useEffect } from '../lib/html.js';
import { gql } from '../lib/api.js';
import { t, fill, errorText } from '../lib/i18n.js';
import { dateTime } from '../lib/format.js';

const FIELDS = 'id title text tags usageCount lastUsedAt updatedAt updatedBy';

const tagsOf = (text) => text.split(',').map((tag) => tag.trim()).filter(Boolean);

export function CannedScreen({ session }) {
  const [replies, setReplies] = useState([]);
  const [search, setSearch] = useState('');
  const [flash, setFlash] = useState(null);
  const [editing, setEditing] = useState(null);
  const load = async () => {
    try {
      const data = await gql(`query ($s: String) { cannedReplies(search: $s) { ${FIELDS} } }`, { s: search.trim() || null });
      setReplies(data.cannedReplies);
    } catch (failure) {
      setFlash({ ok: false, text: errorText(failure) });
    }
  };
  useEffect(() => { const timer = setTimeout(load, 120); return () => clearTimeout(timer); }, [search]);
  /// Runs a mutation; true when it went through.
  const act = async (query, variables) => {
    try {
      await gql(query, variables);
      setFlash({ ok: true, text: t('done') });
      await load();
      return true;
    } catch (failure) {
      setFlash({ ok: false, text: errorText(failure) });
      return false;
    }
  };
  if (!['SUPERVISOR', 'ADMIN'].includes(session.user.role)) return html`<p class="muted">${t('notAllowed')}</p>`;
  const remove = (reply) => window.confirm(fill(t('confirmCannedDelete'), { n: reply.title }))
    && act('mutation ($id: ID!) { deleteCannedReply(id: $id) { id } }', { id: reply.id });
  return html`<section class="canned" id="canned-screen">
    ${flash && html`<p class=${flash.ok ? 'flash ok' : 'flash error'} role=${flash.ok ? 'status' : 'alert'} id="flash">${flash.text}</p>`}
    <div class="admin-grid">
      <div class="card"><h3>${t('cannedHeading')}</h3>
        <input id="canned-filter" placeholder=${t('cannedSearch')} value=${search} onInput=${(e) => setSearch(e.target.value)} />
        <table id="canned-list"><thead><tr><th>${t('cannedTitle')}</th><th>${t('cannedText')}</th><th>${t('cannedUsage')}</th><th></th></tr></thead>
          <tbody>${replies.map((reply) => html`<tr key=${reply.id} data-canned=${reply.id}>
            <td><b>${reply.title}</b><div class="muted small">${reply.tags.join(', ')}</div></td>
            <td class="canned-text">${reply.text}</td>
            <td title=${reply.lastUsedAt ? dateTime(reply.lastUsedAt) : ''}>${reply.usageCount}</td>
            <td class="row-buttons">
              <button type="button" class="edit" onClick=${() => setEditing(reply)}>${t('cannedEdit')}</button>
              <button type="button" class="deactivate" onClick=${() => remove(reply)}>${t('cannedDelete')}</button>
            </td></tr>`)}</tbody></table>
      </div>
      <div class="card"><h3>${editing ? `${t('cannedEdit')}: ${editing.title}` : t('cannedNew')}</h3>
        <${CannedForm} key=${editing?.id ?? 'new'} reply=${editing} act=${act} done=${() => setEditing(null)} />
      </div>
    </div>
  </section>`;
}

function CannedForm({ reply, act, done }) {
  const [title, setTitle] = useState(reply?.title ?? '');
  const [text, setText] = useState(reply?.text ?? '');
  const [tags, setTags] = useState(reply?.tags.join(', ') ?? '');
  const submit = async (event) => {
    event.preventDefault();
    const variables = { title: title.trim(), text: text.trim(), tags: tagsOf(tags) };
    const saved = reply
      ? await act(`mutation ($id: ID!, $title: String, $text: String, $tags: [String!]) {
          updateCannedReply(id: $id, title: $title, text: $text, tags: $tags) { id } }`, { id: reply.id, ...variables })
      : await act(`mutation ($title: String!, $text: String!, $tags: [String!]!) {
          createCannedReply(title: $title, text: $text, tags: $tags) { id } }`, variables);
    if (saved) { setTitle(''); setText(''); setTags(''); done(); }
  };
  return html`<form class="form" id="canned-form" onSubmit=${submit}>
    <label>${t('cannedTitle')}<input id="canned-title" value=${title} onInput=${(e) => setTitle(e.target.value)} required /></label>
    <label>${t('cannedText')}<textarea id="canned-text" rows="6" value=${text} onInput=${(e) => setText(e.target.value)} required></textarea></label>
    <p class="muted small">${t('cannedVariables')}</p>
    <label>${t('cannedTags')}<input id="canned-tags" value=${tags} onInput=${(e) => setTags(e.target.value)} /></label>
    <div class="row-buttons">
      <button type="submit" id="canned-save">${t('save')}</button>
      ${reply && html`<button type="button" onClick=${done}>${t('cancel')}</button>`}
    </div>
  </form>`;
}

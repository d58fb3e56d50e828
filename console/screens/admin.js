// Administration (admins): users (create, deactivate, change role or unit, reset password) and
// units (add, rename, deactivate).
import { html, useState, useEffect } from '../lib/html.js';
import { gql } from '../lib/api.js';
import { t, fill, errorText, roleLabel, unitKindLabel } from '../lib/i18n.js';
import { loadUnits, forgetReference } from '../lib/reference.js';
import { UnitPicker } from './report_actions.js';

const ROLES = ['ADMIN', 'SUPERVISOR', 'OPERATOR', 'OFFICER', 'ANALYST'];

export function AdminScreen({ session }) {
  const [users, setUsers] = useState([]);
  const [units, setUnits] = useState([]);
  const [flash, setFlash] = useState(null);
  const load = async () => {
    try {
      const data = await gql('{ users { username role unitCode displayName active } }');
      setUsers(data.users);
      forgetReference();
      setUnits(await loadUnits());
    } catch (failure) {
      setFlash({ ok: false, text: errorText(failure) });
    }
  };
  useEffect(() => { load(); }, []);
  const act = async (query, variables) => {
    try {
      await gql(query, variables);
      setFlash({ ok: true, text: t('done') });
      await load();
    } catch (failure) {
      setFlash({ ok: false, text: errorText(failure) });
    }
  };
  if (session.user.role !== 'ADMIN') return html`<p class="muted">${t('notAllowed')}</p>`;
  return html`<section class="admin">
    ${flash && html`<p class=${flash.ok ? 'flash ok' : 'flash error'} role="status">${flash.text}</p>`}
    <div class="admin-grid">
      <div class="card"><h3>${t('users')}</h3>
        <table id="users"><thead><tr><th>${t('username')}</th><th>${t('role')}</th><th>${t('unit')}</th><th>${t('active')}</th><th></th></tr></thead>
          <tbody>${users.map((user) => html`<${UserRow} key=${user.username} user=${user} units=${units} act=${act} self=${user.username === session.user.username} />`)}</tbody></table>
        <${NewUser} units=${units} act=${act} />
      </div>
      <div class="card"><h3>${t('units')}</h3>
        <ul class="units" id="units">${units.map((unit) => html`<${UnitRow} key=${unit.code} unit=${unit} act=${act} />`)}</ul>
        <${NewUnit} act=${act} />
      </div>
    </div>
  </section>`;
}

/// A unit chosen by name from the tree (officers belong to one; the Command Center's staff to
/// theirs), or none.
function UnitSelect({ value, units, onChange }) {
  return html`<select value=${value} onChange=${(e) => onChange(e.target.value)} class="unit-select">
    <option value="">${t('noUnit')}</option>
    ${units.filter((unit) => unit.active || unit.code === value).map((unit) =>
      html`<option value=${unit.code}>${'\u00a0'.repeat(unit.depth * 2)}${unit.name}</option>`)}
  </select>`;
}

/// A deactivation is asked twice; an activation is not.
const sure = (deactivating, question) => !deactivating || window.confirm(question);

function UserRow({ user, units, act, self }) {
  const [role, setRole] = useState(user.role);
  const [unit, setUnit] = useState(user.unitCode ?? '');
  const [password, setPassword] = useState('');
  return html`<tr class=${user.active ? '' : 'inactive'} data-user=${user.username}>
    <td>${user.username}<div class="muted">${user.displayName ?? ''}</div></td>
    <td><select value=${role} onChange=${(e) => setRole(e.target.value)}>${ROLES.map((r) => html`<option value=${r}>${roleLabel(r)}</option>`)}</select></td>
    <td><${UnitSelect} value=${unit} units=${units} onChange=${setUnit} /></td>
    <td>${user.active ? t('active') : t('inactive')}</td>
    <td class="row-buttons">
      <button type="button" onClick=${() => act('mutation ($u: String!, $r: Role!, $unit: String) { setUserRole(username: $u, role: $r, unitCode: $unit) { username } }',
        { u: user.username, r: role, unit: unit || null })} disabled=${role === user.role && unit === (user.unitCode ?? '')}>${t('saveRoleUnit')}</button>
      <button type="button" class=${user.active ? 'deactivate' : 'activate'} disabled=${self} onClick=${() => sure(user.active, fill(t('confirmUser'), { u: user.username })) && act('mutation ($u: String!, $a: Boolean!) { setUserActive(username: $u, active: $a) { username } }',
        { u: user.username, a: !user.active })}>${user.active ? t('deactivate') : t('activate')}</button>
      <input type="password" placeholder=${t('newPassword')} value=${password} size="10" onInput=${(e) => setPassword(e.target.value)} />
      <button type="button" disabled=${password.length < 8} onClick=${() => { act('mutation ($u: String!, $p: String!) { resetPassword(username: $u, password: $p) { username } }',
        { u: user.username, p: password }); setPassword(''); }}>${t('resetPassword')}</button>
    </td>
  </tr>`;
}

function NewUser({ units, act }) {
  const [form, setForm] = useState({ username: '', password: '', role: 'OPERATOR', unitCode: '', displayName: '' });
  const set = (name) => (e) => setForm({ ...form, [name]: e.target.value });
  const submit = (event) => {
    event.preventDefault();
    act(`mutation ($u: String!, $p: String!, $r: Role!, $unit: String, $d: String) {
      createUser(username: $u, password: $p, role: $r, unitCode: $unit, displayName: $d) { username } }`,
    { u: form.username, p: form.password, r: form.role, unit: form.unitCode || null, d: form.displayName || null });
  };
  return html`<form class="form inline" onSubmit=${submit} id="new-user"><h4>${t('createUser')}</h4>
    <input placeholder=${t('username')} value=${form.username} onInput=${set('username')} required />
    <input placeholder=${t('password')} type="password" value=${form.password} onInput=${set('password')} required />
    <select value=${form.role} onChange=${set('role')}>${ROLES.map((r) => html`<option value=${r}>${roleLabel(r)}</option>`)}</select>
    <${UnitSelect} value=${form.unitCode} units=${units} onChange=${(code) => setForm({ ...form, unitCode: code })} />
    <input placeholder=${t('displayName')} value=${form.displayName} onInput=${set('displayName')} />
    <button type="submit">${t('createUser')}</button>
  </form>`;
}

function UnitRow({ unit, act }) {
  const [name, setName] = useState(unit.name);
  return html`<li class=${unit.active ? '' : 'inactive'} style=${{ paddingLeft: `${unit.depth * 14}px` }} data-unit=${unit.code}>
    <input value=${name} onInput=${(e) => setName(e.target.value)} size="28" />
    <span class="muted">${unit.code} · ${unitKindLabel(unit.kind)}</span>
    <button type="button" disabled=${name === unit.name} onClick=${() => act('mutation ($c: String!, $n: String!) { renameUnit(code: $c, name: $n) { code } }',
      { c: unit.code, n: name })}>${t('rename')}</button>
    <button type="button" class=${unit.active ? 'deactivate' : 'activate'} onClick=${() => sure(unit.active, fill(t('confirmUnit'), { u: unit.name })) && act('mutation ($c: String!, $a: Boolean!) { setUnitActive(code: $c, active: $a) { code } }',
      { c: unit.code, a: !unit.active })}>${unit.active ? t('deactivate') : t('activate')}</button>
  </li>`;
}

function NewUnit({ act }) {
  const [form, setForm] = useState({ code: '', name: '', kind: 'TERRITORIAL', parentCode: '' });
  const set = (name) => (e) => setForm({ ...form, [name]: e.target.value });
  const submit = (event) => {
    event.preventDefault();
    act('mutation ($c: String!, $n: String!, $k: UnitKind!, $p: String!) { addUnit(code: $c, name: $n, kind: $k, parentCode: $p) { code } }',
      { c: form.code, n: form.name, k: form.kind, p: form.parentCode });
  };
  return html`<form class="form" onSubmit=${submit} id="new-unit"><h4>${t('addUnit')}</h4>
    <input placeholder=${t('code')} value=${form.code} onInput=${set('code')} required />
    <input placeholder=${t('name')} value=${form.name} onInput=${set('name')} required />
    <select value=${form.kind} onChange=${set('kind')}>${['TERRITORIAL', 'FUNCTIONAL'].map((kind) => html`<option value=${kind}>${unitKindLabel(kind)}</option>`)}</select>
    <label>${t('parent')}: <b>${form.parentCode || '—'}</b></label>
    <${UnitPicker} value=${form.parentCode} onPick=${(code) => setForm({ ...form, parentCode: code })} />
    <button type="submit" disabled=${!form.parentCode}>${t('addUnit')}</button>
  </form>`;
}

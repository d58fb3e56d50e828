// The console's shell: sign-in, the top bar, the hash router and the screens by role.
import { html, render, useState, useEffect } from './lib/html.js';
import { currentSession, onSession, login, logout } from './lib/api.js';
import { t, language, setLanguage, onLanguage, errorText, roleLabel } from './lib/i18n.js';
import { loadUnits } from './lib/reference.js';
import * as live from './lib/live.js';
import { Queue } from './screens/queue.js';
import { ReportScreen } from './screens/report.js';
import { SearchScreen } from './screens/search.js';
import { StatsScreen } from './screens/stats.js';
import { MapScreen } from './screens/map.js';
import { AdminScreen } from './screens/admin.js';
import { CannedScreen } from './screens/canned.js';
import { TemplatesScreen } from './screens/templates.js';
import { DissatisfiedBanner } from './screens/dissatisfied.js';

/// Which screens a role uses, in the order of the top bar.
export function screensFor(role) {
  if (role === 'ADMIN') return ['admin', 'queue', 'search', 'stats', 'map', 'canned', 'templates'];
  if (role === 'ANALYST') return ['search', 'stats', 'map'];
  if (role === 'SUPERVISOR') return ['queue', 'search', 'stats', 'map', 'canned', 'templates'];
  return ['queue', 'search', 'stats', 'map'];
}

function parseRoute() {
  const [screen, arg] = location.hash.replace(/^#\/?/, '').split('/');
  return { screen: screen || '', arg: arg ? decodeURIComponent(arg) : null };
}

function useRoute() {
  const [route, setRoute] = useState(parseRoute());
  useEffect(() => {
    const update = () => setRoute(parseRoute());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

function SignIn({ notice }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
    } catch (failure) {
      // At the sign-in form, UNAUTHENTICATED means the credentials, not a session.
      setError(failure.code === 'UNAUTHENTICATED' ? t('wrongLogin') : errorText(failure));
      setBusy(false);
    }
  };
  return html`<main class="signin">
    <form class="card" onSubmit=${submit} aria-label=${t('signIn')}>
      <h1>SIAGA</h1>
      <p class="muted">Polda Sumatera Selatan · Command Center 110</p>
      ${notice && html`<p class="notice" role="status" id="signin-notice">${notice}</p>`}
      <label>${t('username')}<input name="username" autocomplete="username" value=${username}
        onInput=${(e) => setUsername(e.target.value)} required autofocus /></label>
      <label>${t('password')}<input name="password" type="password" autocomplete="current-password"
        value=${password} onInput=${(e) => setPassword(e.target.value)} required /></label>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <button type="submit" disabled=${busy}>${busy ? t('signingIn') : t('signIn')}</button>
      <${LanguageSwitch} />
    </form>
  </main>`;
}

function LanguageSwitch() {
  return html`<button type="button" class="link lang" id="lang-switch"
    onClick=${() => setLanguage(language() === 'en' ? 'id' : 'en')}>${t('language')}</button>`;
}

function ConnectionBadge() {
  const [state, setState] = useState(live.connectionState());
  useEffect(() => live.onConnection(setState), []);
  const label = state === 'live' ? t('live') : state === 'reconnecting' ? t('reconnecting') : t('offline');
  return html`<span class=${`badge conn ${state}`} id="connection">${label}</span>`;
}

function Shell({ session }) {
  const route = useRoute();
  const screens = screensFor(session.user.role);
  const screen = route.screen === 'report' ? 'report' : screens.includes(route.screen) ? route.screen : screens[0];
  useEffect(() => { live.start(); return () => live.end(); }, [session.user.username]);
  const [unitName, setUnitName] = useState(null);
  useEffect(() => {
    if (!session.user.unitCode) return;
    loadUnits().then((units) => setUnitName(units.find((unit) => unit.code === session.user.unitCode)?.name)).catch(() => {});
  }, [session.user.unitCode]);
  let body;
  if (screen === 'report') body = html`<${ReportScreen} key=${route.arg} id=${route.arg} session=${session} />`;
  else if (screen === 'queue') body = html`<${Queue} session=${session} />`;
  else if (screen === 'search') body = html`<${SearchScreen} session=${session} initial=${route.arg} />`;
  else if (screen === 'stats') body = html`<${StatsScreen} session=${session} />`;
  else if (screen === 'map') body = html`<${MapScreen} session=${session} />`;
  else if (screen === 'admin') body = html`<${AdminScreen} session=${session} />`;
  else if (screen === 'canned') body = html`<${CannedScreen} session=${session} />`;
  else if (screen === 'templates') body = html`<${TemplatesScreen} session=${session} />`;
  const user = session.user;
  return html`<div class="shell">
    <header class="topbar">
      <strong class="brand">SIAGA 110</strong>
      <nav>${screens.map((name) => html`<a href=${`#/${name}`} class=${name === screen ? 'active' : ''}
        id=${`nav-${name}`}>${t(name)}</a>`)}</nav>
      <form class="quicksearch" onSubmit=${(e) => { e.preventDefault(); location.hash = `#/search/${encodeURIComponent(e.target.q.value)}`; }}>
        <input name="q" id="quick-search" placeholder=${`/ ${t('search')}`} aria-label=${t('search')} />
      </form>
      <${ConnectionBadge} />
      <span class="who" id="who" title=${user.unitCode ?? ''}>${user.displayName || user.username} · ${roleLabel(user.role)}${user.unitCode ? ` · ${unitName ?? user.unitCode}` : ''}</span>
      <${LanguageSwitch} />
      <button type="button" class="link" id="sign-out" onClick=${logout}>${t('signOut')}</button>
    </header>
    <div class="screen">${user.role === 'SUPERVISOR' && html`<${DissatisfiedBanner} />`}${body}</div>
  </div>`;
}

function App() {
  const [session, setSession] = useState(currentSession());
  const [notice, setNotice] = useState(null);
  const [, setLang] = useState(language());
  useEffect(() => onLanguage(setLang), []);
  useEffect(() => onSession((next, reason) => {
    setSession(next);
    // A deliberate sign-out starts the next user at their first screen; an ended session
    // keeps the address, so that signing in again returns to the same report.
    if (!next && reason === 'signed-out') history.replaceState(null, '', '/');
    if (!next) setNotice(reason === 'ended' ? t('sessionEnded') : reason === 'signed-out' ? t('signedOut') : null);
    else setNotice(null);
  }), []);
  useEffect(() => {
    // "/" searches from anywhere but a text field.
    const onKey = (event) => {
      const typing = /INPUT|TEXTAREA|SELECT/.test(event.target.tagName);
      if (event.key === '/' && !typing) {
        event.preventDefault();
        document.getElementById('quick-search')?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  document.documentElement.lang = language();
  if (!session) return html`<${SignIn} notice=${notice} />`;
  return html`<${Shell} key=${session.user.username} session=${session} />`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);

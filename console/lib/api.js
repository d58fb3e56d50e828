// The one module that speaks to the server: GraphQL over HTTP (POST /graphql, bearer token in
// the Authorization header) and subscriptions over graphql-transport-ws (/graphql/ws, token in
// connection_init). The token lives in localStorage for one shift and never goes in a URL.

const TOKEN_KEY = 'siaga.session';
const REFRESH_BEFORE_MS = 10 * 60 * 1000;

export class ApiError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.code = code;
    Object.assign(this, extra);
  }
}

let session = readSession();
let refreshTimer = null;
const sessionListeners = new Set();

function readSession() {
  try {
    const stored = JSON.parse(localStorage.getItem(TOKEN_KEY) ?? 'null');
    if (stored && stored.token && new Date(stored.expiresAt) > new Date()) return stored;
  } catch (_) { /* a damaged entry is a signed-out console */ }
  return null;
}

export function currentSession() { return session; }

/// Listeners hear `(session, reason)`; reason is 'ended' when the server ended the session.
export function onSession(listener) {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

function setSession(next, reason) {
  session = next;
  if (next) localStorage.setItem(TOKEN_KEY, JSON.stringify(next));
  else localStorage.removeItem(TOKEN_KEY);
  scheduleRefresh();
  sessionListeners.forEach((listener) => listener(session, reason));
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  if (!session) return;
  const wait = Math.max(5_000, new Date(session.expiresAt) - Date.now() - REFRESH_BEFORE_MS);
  refreshTimer = setTimeout(refresh, Math.min(wait, 2 ** 31 - 1));
}

/// Runs one query or mutation; resolves to `data`, rejects with an ApiError carrying
/// `extensions.code`. An UNAUTHENTICATED answer to a signed-in console ends its session.
export async function gql(query, variables = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (session) headers.Authorization = `Bearer ${session.token}`;
  let response;
  try {
    response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  } catch (error) {
    throw new ApiError('NETWORK', String(error));
  }
  let body;
  try {
    body = await response.json();
  } catch (_) {
    throw new ApiError(response.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'INTERNAL', `HTTP ${response.status}`);
  }
  const first = body.errors?.[0];
  if (first) {
    const extensions = first.extensions ?? {};
    const error = new ApiError(extensions.code ?? body.code ?? 'INTERNAL', first.message, extensions);
    if (error.code === 'UNAUTHENTICATED' && session) setSession(null, 'ended');
    throw error;
  }
  if (body.code) throw new ApiError(body.code, body.error ?? '');
  return body.data;
}

/// Uploads a file for a reply (POST /media/upload, multipart, the same bearer token); resolves
/// to `{attachmentId, kind, contentType, fileName, sizeBytes, sha256}`, rejects with an ApiError
/// carrying the server's code (PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, …).
export async function upload(file) {
  const body = new FormData();
  body.append('file', file, file.name);
  const headers = session ? { Authorization: `Bearer ${session.token}` } : {};
  let response;
  try {
    response = await fetch('/media/upload', { method: 'POST', headers, body });
  } catch (error) {
    throw new ApiError('NETWORK', String(error));
  }
  let answer;
  try {
    answer = await response.json();
  } catch (_) {
    throw new ApiError(response.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'INTERNAL', `HTTP ${response.status}`);
  }
  if (!response.ok) {
    const error = new ApiError(answer.code ?? 'INTERNAL', answer.error ?? `HTTP ${response.status}`);
    if (error.code === 'UNAUTHENTICATED' && session) setSession(null, 'ended');
    throw error;
  }
  return answer;
}

const AUTH_FIELDS = 'token expiresAt user { username role unitCode displayName }';

export async function login(username, password) {
  const data = await gql(`mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { ${AUTH_FIELDS} } }`,
    { u: username, p: password });
  setSession(data.login, 'signed-in');
  return data.login;
}

/// A fresh token before this one expires; a refused refresh (session past its maximum age,
/// user deactivated) returns the console to the sign-in page with a message.
export async function refresh() {
  if (!session) return;
  try {
    const data = await gql(`mutation { refreshToken { ${AUTH_FIELDS} } }`);
    setSession(data.refreshToken, 'refreshed');
  } catch (error) {
    if (error.code === 'NETWORK') {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(refresh, 30_000);
    } else if (session) {
      setSession(null, 'ended');
    }
  }
}

export function logout() { setSession(null, 'signed-out'); }

/// Ends the console's session because the server said so (a WebSocket closed with 4401).
export function sessionEnded() { if (session) setSession(null, 'ended'); }

scheduleRefresh();

/// A live subscription over graphql-transport-ws that reconnects by itself. `onData` gets
/// each payload's data; `onState` gets 'live', 'reconnecting' or 'closed'. Returns a stop
/// function.
export function subscribe(query, variables, onData, onState = () => {}) {
  let socket = null;
  let stopped = false;
  let attempt = 0;
  let retry = null;
  let usedToken = null;
  const connect = () => {
    if (stopped || !session) return;
    usedToken = session.token;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(`${scheme}//${location.host}/graphql/ws`, 'graphql-transport-ws');
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${session?.token ?? ''}` } }));
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === 'connection_ack') {
        attempt = 0;
        onState('live');
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
      } else if (message.type === 'next') {
        if (message.payload?.errors?.length) {
          const code = message.payload.errors[0].extensions?.code;
          if (code === 'UNAUTHENTICATED') sessionEnded();
        } else {
          onData(message.payload.data);
        }
      } else if (message.type === 'error') {
        const code = message.payload?.[0]?.extensions?.code;
        if (code === 'UNAUTHENTICATED') sessionEnded();
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      }
    };
    socket.onclose = (event) => {
      if (event.code === 4401 || event.code === 4403) {
        // A socket opened with a token that has since been refreshed ends when that token
        // expires; the session goes on with the new one.
        if (session && session.token !== usedToken && !stopped) { onState('reconnecting'); connect(); return; }
        sessionEnded();
        onState('closed');
        return;
      }
      if (stopped) return;
      onState('reconnecting');
      attempt += 1;
      retry = setTimeout(connect, Math.min(15_000, 500 * 2 ** attempt));
    };
  };
  connect();
  return () => {
    stopped = true;
    clearTimeout(retry);
    if (socket && socket.readyState <= 1) socket.close(1000);
  };
}

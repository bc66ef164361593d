// The browser session: who is logged in, the CSRF token, and the session-scoped API key.
// `/ui/session` is the only place the key comes from; it lives in this page's memory and
// dies with the session on the server (log-out or expiry revokes it).

import { ApiError, setCredentials, syncClock } from './api.js';

let current = { user: null, demo: false };

export function session() {
  return current;
}

function loginUrl() {
  const next = location.pathname + location.search;
  return `/login?next=${encodeURIComponent(next)}`;
}

/** Redirect to the log-in page (the key stopped working, or the page needs a user). */
export function goLogin() {
  location.assign(loginUrl());
}

export async function loadSession() {
  const response = await fetch('/ui/session', { headers: { Accept: 'application/json' } });
  const payload = await response.json();
  current = payload.data || { user: null, demo: false };
  if (current.user) {
    setCredentials(
      { apiKey: current.apiKey, secretKey: current.secretKey, passphrase: current.passphrase },
      () => goLogin(),
    );
    await syncClock();
  } else {
    setCredentials(null);
  }
  return current;
}

/** POST to an account endpoint with the CSRF token; errors carry the field they concern. */
export async function uiPost(path, body = {}) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (current.csrf) headers['X-CSRF-Token'] = current.csrf;
  const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
  const payload = await response.json().catch(() => ({ code: String(response.status), msg: 'Request failed' }));
  if (payload.code !== '00000') throw new ApiError(payload.code, payload.msg, payload.field || null, response.status);
  return payload.data;
}

export async function uiGet(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  const payload = await response.json();
  if (payload.code !== '00000') {
    if (payload.code === 'login_required') goLogin();
    throw new ApiError(payload.code, payload.msg, payload.field || null, response.status);
  }
  return payload.data;
}

/** Only same-site relative paths are followed after log-in (no open redirect). */
export function nextPath(fallback) {
  const next = new URLSearchParams(location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : fallback;
}

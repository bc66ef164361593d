// The exchange's public REST API, called exactly as a bot (ccxt) calls it.
// Private requests carry ACCESS-KEY / ACCESS-SIGN / ACCESS-TIMESTAMP / ACCESS-PASSPHRASE,
// where the signature is base64(HMAC-SHA256(secret, ts + METHOD + path + ?query + body)).
// The query is sorted by key and signed raw, then sent percent-encoded (the server
// unquotes before verifying).  The UI has no other way to reach trading data.

import { makeSigner } from './sign.js';

export class ApiError extends Error {
  constructor(code, msg, field = null, status = 0) {
    super(msg);
    this.code = String(code);
    this.field = field;
    this.status = status;
  }
}

// Codes that mean "this session's key no longer works": the page sends the user to log in.
const AUTH_LOST = new Set(['40006', '40012', '40018', '40009']);

let credentials = null;
let signer = null;
let clockOffsetMs = 0;
let onAuthLost = () => {};

export function setCredentials(creds, authLostHandler) {
  credentials = creds;
  signer = creds ? makeSigner(creds.secretKey) : null;
  if (authLostHandler) onAuthLost = authLostHandler;
}

export function hasCredentials() {
  return credentials !== null;
}

export function credentialsForWs() {
  return credentials ? { ...credentials, sign: signer, now: serverNowMs } : null;
}

/** Server time estimate: signed timestamps must be within 30 s of the server's clock. */
export function serverNowMs() {
  return Date.now() + clockOffsetMs;
}

export async function syncClock() {
  const before = Date.now();
  const data = await publicGet('/api/v2/public/time');
  const after = Date.now();
  clockOffsetMs = Number(data.serverTime) - Math.round((before + after) / 2);
}

function queryString(params, sorted) {
  const keys = Object.keys(params).filter((k) => params[k] !== undefined && params[k] !== null);
  if (sorted) keys.sort();
  return {
    raw: keys.map((k) => `${k}=${params[k]}`).join('&'),
    encoded: keys.map((k) => `${k}=${encodeURIComponent(params[k])}`).join('&'),
  };
}

async function parse(response) {
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    throw new ApiError(String(response.status), `Server answered HTTP ${response.status}`, null, response.status);
  }
  if (payload.code !== '00000') {
    const error = new ApiError(payload.code, payload.msg || 'Request failed', payload.field || null, response.status);
    if (AUTH_LOST.has(error.code)) onAuthLost(error);
    throw error;
  }
  return payload.data;
}

export async function publicGet(path, params = {}) {
  const { encoded } = queryString(params, false);
  const response = await fetch(encoded ? `${path}?${encoded}` : path, { headers: { Accept: 'application/json' } });
  return parse(response);
}

// The server accepts each signature once (replay protection): two identical requests in
// the same millisecond would share one, so every request gets a later timestamp.
let lastTimestamp = 0;

async function signedHeaders(method, path, rawQuery, body) {
  if (!credentials) throw new ApiError('login', 'Log in to continue');
  lastTimestamp = Math.max(Math.round(serverNowMs()), lastTimestamp + 1);
  const timestamp = String(lastTimestamp);
  const prehash = timestamp + method + path + (rawQuery ? `?${rawQuery}` : '') + body;
  return {
    'ACCESS-KEY': credentials.apiKey,
    'ACCESS-SIGN': await signer(prehash),
    'ACCESS-TIMESTAMP': timestamp,
    'ACCESS-PASSPHRASE': credentials.passphrase,
    'Content-Type': 'application/json',
    Accept: 'application/json',
  };
}

export async function privateGet(path, params = {}) {
  const { raw, encoded } = queryString(params, true);
  const headers = await signedHeaders('GET', path, raw, '');
  return parse(await fetch(encoded ? `${path}?${encoded}` : path, { headers }));
}

export async function privatePost(path, body = {}) {
  const text = JSON.stringify(body);
  const headers = await signedHeaders('POST', path, '', text);
  return parse(await fetch(path, { method: 'POST', headers, body: text }));
}

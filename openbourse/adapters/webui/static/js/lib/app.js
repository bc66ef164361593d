// What every page does first: load the session, fill the header, and open the feeds.

import { credentialsForWs, publicGet } from './api.js';
import { $, toast } from './dom.js';
import { group } from './format.js';
import { goLogin, loadSession, uiPost } from './session.js';
import { Feed } from './ws.js';

let publicFeed = null;
let privateFeed = null;

function setDot(state) {
  const dot = $('#conn-dot');
  if (!dot) return;
  dot.hidden = false; // only pages with a live feed show it
  dot.className = 'conn' + (state === 'live' ? ' live' : state === 'down' ? ' down' : '');
  dot.title = `Market data: ${state}`;
}

// A failure nobody handled (e.g. the server went away mid-request) is also shown to the
// user, not only logged to the console.
window.addEventListener('unhandledrejection', (event) => {
  const reason = event.reason;
  toast(reason && reason.message ? reason.message : 'Something went wrong; please reload the page', true);
});

/** Boot a page: `nav` marks the active menu entry; `needsUser` sends guests to log in. */
export async function boot(nav, { needsUser = false } = {}) {
  const link = $(`.nav a[data-nav="${nav}"]`);
  if (link) link.classList.add('active');
  const current = await loadSession();
  if (needsUser && !current.user) {
    goLogin();
    return new Promise(() => {}); // the page is being replaced
  }
  $('#who-out').hidden = Boolean(current.user);
  $('#who-in').hidden = !current.user;
  if (current.user) {
    $('#who-email').textContent = current.user.email;
    $('#demo-funds').hidden = !current.demo;
  }
  $('#logout').addEventListener('click', async () => {
    try {
      await uiPost('/ui/logout');
    } finally {
      location.assign('/login');
    }
  });
  $('#demo-funds').addEventListener('click', () => claimDemoFunds($('#demo-funds')));
  return current;
}

async function claimDemoFunds(button) {
  button.disabled = true;
  try {
    const credited = await uiPost('/ui/demo/funds');
    toast('Demo funds credited: ' + Object.entries(credited).map(([c, a]) => `${group(a)} ${c}`).join(', '));
    window.dispatchEvent(new CustomEvent('ob:funds')); // pages showing history refresh it
  } catch (error) {
    toast(error.message, true);
  } finally {
    button.disabled = false;
  }
}

export function publicStream() {
  if (!publicFeed) publicFeed = new Feed('/v2/ws/public', { onStatus: setDot }).start();
  return publicFeed;
}

/** The private feed, logged in with the session key (null for guests). */
export function privateStream() {
  const auth = credentialsForWs();
  if (!auth) return null;
  if (!privateFeed) privateFeed = new Feed('/v2/ws/private', { auth, onAuthLost: goLogin }).start();
  return privateFeed;
}

let symbolsPromise = null;

/** symbol -> market rules (precisions, limits) from /api/v2/spot/public/symbols. */
export function loadSymbols() {
  if (!symbolsPromise) {
    symbolsPromise = publicGet('/api/v2/spot/public/symbols').then((rows) => {
      const bySymbol = new Map();
      for (const row of rows) {
        bySymbol.set(row.symbol, {
          ...row,
          pricePrecision: Number(row.pricePrecision),
          quantityPrecision: Number(row.quantityPrecision),
          quotePrecision: Number(row.quotePrecision),
        });
      }
      return bySymbol;
    });
  }
  return symbolsPromise;
}

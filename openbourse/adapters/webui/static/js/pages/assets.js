// Assets: balances per account type valued in USDT, the deposit address of each coin, demo
// deposit / withdrawal, transfers between account types, and deposit / withdrawal history.
// Balances, addresses and history come from the public API (spot assets, funding assets,
// deposit-address, deposit- and withdrawal-records); the spot balances then follow the
// private `account` channel.

import { ApiError, privateGet, privatePost, publicGet } from '../lib/api.js';
import { boot, privateStream } from '../lib/app.js';
import { $, $$, busy, clearErrors, fillBody, h, showError, toast } from '../lib/dom.js';
import { dateTime, group, titleCase } from '../lib/format.js';
import { isDecimal, trimZeros } from '../lib/decimal.js';
import { qrSvg } from '../lib/qr.js';
import { uiPost } from '../lib/session.js';
import { Balances } from '../components/balances.js';

const FUNDING_PATH = '/api/v2/account/funding-assets';
const state = { account: 'spot', funding: null, fundingServed: undefined, prices: new Map(), history: 'deposits', coins: [] };

/** USDT value of one coin: its USDT market, else through BTC (display only). */
function usdtPrice(coin) {
  if (coin === 'USDT') return 1;
  const direct = state.prices.get(`${coin}USDT`);
  if (direct) return direct;
  const inverse = state.prices.get(`USDT${coin}`);
  if (inverse) return 1 / inverse;
  const viaBtc = state.prices.get(`${coin}BTC`);
  const btc = state.prices.get('BTCUSDT');
  return viaBtc && btc ? viaBtc * btc : null;
}

function rowsOf(account, spot) {
  if (account === 'funding') return state.funding ? [...state.funding.entries()] : [];
  return [...spot.coins.entries()];
}

function valueOf(rows) {
  let total = 0;
  for (const [coin, b] of rows) {
    const price = usdtPrice(coin);
    if (price !== null) total += (Number(b.available) + Number(b.frozen)) * price;
  }
  return total;
}

function render(spot) {
  const hideZero = $('#hide-zero').checked;
  const rows = rowsOf(state.account, spot)
    .filter(([, b]) => !hideZero || Number(b.available) + Number(b.frozen) > 0)
    .map(([coin, b]) => {
      const price = usdtPrice(coin);
      const total = Number(b.available) + Number(b.frozen);
      return h('tr', { 'data-coin': coin },
        h('td', {}, h('b', {}, coin)),
        h('td', { class: 'r num' }, group(trimZeros(b.available))),
        h('td', { class: 'r num' }, group(trimZeros(b.frozen))),
        h('td', { class: 'r num' }, total.toLocaleString('en-US', { maximumFractionDigits: 8 })),
        h('td', { class: 'r num' }, price === null ? '--' : (total * price).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })),
        h('td', { class: 'r hide-sm' }, coin === 'USDT' ? '' : h('a', { class: 'btn small', href: `/trade/${coin}USDT` }, 'Trade')));
    });
  fillBody($('#balance-rows'), rows, 6, state.account === 'funding' ? 'Your funding account is empty' : 'No balances yet — deposit to get started');
  const spotValue = valueOf(rowsOf('spot', spot));
  const fundingValue = state.funding ? valueOf(rowsOf('funding', spot)) : 0;
  const fmt = (v) => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  $('#total-usdt').textContent = fmt(spotValue + fundingValue);
  const parts = [h('div', {}, h('span', {}, 'Spot'), h('b', { class: 'num' }, fmt(spotValue)))];
  if (state.funding) parts.push(h('div', {}, h('span', {}, 'Funding'), h('b', { class: 'num' }, fmt(fundingValue))));
  $('#account-totals').replaceChildren(...parts);
}

/** Funding balances, when this node serves Bitget's funding-assets endpoint.  Whether it
 *  does is read from the API's own OpenAPI document rather than probed (a probe that 404s
 *  would be an error in the console). */
async function loadFunding() {
  if (state.fundingServed === undefined) {
    const response = await fetch('/docs/openapi.json', { headers: { Accept: 'application/json' } });
    const doc = response.ok ? await response.json() : { paths: {} };
    state.fundingServed = FUNDING_PATH in doc.paths;
  }
  if (!state.fundingServed) return;
  const rows = await privateGet(FUNDING_PATH);
  state.funding = new Map(rows.map((r) => [r.coin, { available: r.available, frozen: r.frozen || '0' }]));
}

async function loadHistory() {
  const path = state.history === 'deposits' ? '/api/v2/spot/wallet/deposit-records' : '/api/v2/spot/wallet/withdrawal-records';
  const records = await privateGet(path, { limit: 100 });
  const rows = records.map((r) => h('tr', {},
    h('td', { class: 'num' }, dateTime(r.cTime)), h('td', {}, r.coin), h('td', { class: 'r num' }, group(trimZeros(r.size))),
    h('td', {}, h('span', { class: r.status === 'success' ? 'pill on' : 'pill' }, titleCase(r.status))),
    h('td', { class: 'hide-sm muted' }, r.tradeId || r.orderId)));
  fillBody($('#history-rows'), rows, 5, state.history === 'deposits' ? 'No deposits yet' : 'No withdrawals yet');
}

function bindForm(form, send, done) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const f = form.elements;
    const amount = f.amount.value.trim();
    if (!isDecimal(amount) || Number(amount) <= 0) return showError(form, 'amount', 'Enter a positive amount');
    await busy($('button[type=submit]', form), async () => {
      try {
        await send(f, amount);
        f.amount.value = '';
        await done();
      } catch (error) {
        showError(form, error.field || (/amount|balance/i.test(error.message) ? 'amount' : null), `${error.message}${/^\d+$/.test(error.code) ? ` (${error.code})` : ''}`);
      }
    });
  });
}

// The caller's address for the chosen coin (spot/wallet/deposit-address: made on first
// request, the same ever after).  A late answer for a coin no longer chosen is dropped.
async function showAddress() {
  const coin = $('#address-coin').value;
  $('#address-error').textContent = '';
  try {
    const { address } = await privateGet('/api/v2/spot/wallet/deposit-address', { coin });
    if ($('#address-coin').value !== coin) return;
    $('#deposit-address').textContent = address;
    $('#deposit-address').dataset.coin = coin;
    $('#address-qr').replaceChildren(qrSvg(address, 132));
  } catch (error) {
    $('#address-error').textContent = error.message;
  }
}

async function copyAddress() {
  const address = $('#deposit-address').textContent;
  try {
    await navigator.clipboard.writeText(address);
    toast('Address copied');
  } catch {
    toast('Select the address to copy it');  // no clipboard access (an insecure origin)
  }
}

function fillCoins(coins) {
  for (const select of $$('.coin-select')) select.replaceChildren(...coins.map((c) => h('option', { value: c }, c)));
}

async function main() {
  // "Get demo funds" can be pressed while this page is still loading: remember the press
  // and refresh once the first load is done (it may have read the balances before the credit).
  let refresh = null;
  let fundsPressed = false;
  const onFunds = () => { refresh(); setTimeout(refresh, 1500); }; // history trails by a moment: look twice
  window.addEventListener('ob:funds', () => { if (refresh) onFunds(); else fundsPressed = true; });
  const session = await boot('assets', { needsUser: true });
  const [coins, tickers] = await Promise.all([publicGet('/api/v2/spot/public/coins'), publicGet('/api/v2/spot/market/tickers')]);
  state.coins = coins.map((c) => c.coin);
  for (const t of tickers) if (t.lastPr) state.prices.set(t.symbol, Number(t.lastPr));
  fillCoins(state.coins);
  $('#address-coin').addEventListener('change', showAddress);  // before any await: no choice is lost
  $('#copy-address').addEventListener('click', copyAddress);
  showAddress();
  const spot = new Balances(privateStream());
  await Promise.all([spot.start(), loadFunding(), loadHistory()]);
  spot.onChange(() => render(spot));
  $('#hide-zero').addEventListener('change', () => render(spot));
  const fundingTab = $('#account-tabs [data-account="funding"]');
  fundingTab.hidden = state.funding === null;
  $('#transfer-card').hidden = state.funding === null;
  for (const tab of $$('#account-tabs .tab')) {
    tab.addEventListener('click', () => {
      state.account = tab.dataset.account;
      for (const t of $$('#account-tabs .tab')) t.classList.toggle('active', t === tab);
      render(spot);
    });
  }
  for (const tab of $$('#history-tabs .tab')) {
    tab.addEventListener('click', () => {
      state.history = tab.dataset.history;
      for (const t of $$('#history-tabs .tab')) t.classList.toggle('active', t === tab);
      loadHistory();
    });
  }
  refresh = async () => { await Promise.all([spot.reload(), loadFunding(), loadHistory()]); render(spot); };
  if (fundsPressed) onFunds();
  $('#deposit-card').hidden = !session.demo;
  $('#withdraw-card').hidden = !session.demo;
  bindForm($('#deposit-form'), async (f, amount) => {
    await uiPost('/ui/demo/deposit', { coin: f.coin.value, amount });
    toast(`Deposited ${amount} ${f.coin.value}`);
  }, refresh);
  bindForm($('#withdraw-form'), async (f, amount) => {
    await uiPost('/ui/demo/withdraw', { coin: f.coin.value, amount });
    toast(`Withdrew ${amount} ${f.coin.value}`);
  }, refresh);
  bindForm($('#transfer-form'), async (f, amount) => {
    if (f.fromType.value === f.toType.value) throw new ApiError('same', 'Choose two different accounts', 'toType');
    await privatePost('/api/v2/spot/wallet/transfer', { fromType: f.fromType.value, toType: f.toType.value, coin: f.coin.value, amount });
    toast(`Transferred ${amount} ${f.coin.value}`);
  }, refresh);
}

main();

// Convert: quote (GET /api/v2/convert/quoted-price), accept within its validity
// (POST /api/v2/convert/trade), history (convert-record) and small balances
// (bgb-convert-coin-list / bgb-convert with a target coin).  Public Bitget v2 API only.

import { privateGet, privatePost } from '../lib/api.js';
import { boot } from '../lib/app.js';
import { $, $$, busy, clearErrors, fillBody, h, showError, toast } from '../lib/dom.js';
import { dateTime, group } from '../lib/format.js';
import { isDecimal, trimZeros } from '../lib/decimal.js';

const state = { coins: [], quote: null, timer: null, ready: false };

async function loadCurrencies() {
  state.coins = await privateGet('/api/v2/convert/currencies');
  const names = state.coins.map((c) => c.coin);
  for (const select of $$('.coin-select')) {
    const keep = select.value;
    select.replaceChildren(...names.map((c) => h('option', { value: c }, c)));
    if (names.includes(keep)) select.value = keep;
  }
  const form = $('#quote-form');
  if (!state.ready) { // first load: USDT → the first other coin
    state.ready = true;
    form.elements.fromCoin.value = names.includes('USDT') ? 'USDT' : names[0];
    form.elements.toCoin.value = names.find((c) => c !== form.elements.fromCoin.value) || names[0];
  }
  showAvailable();
}

function showAvailable() {
  const coin = $('#quote-form').elements.fromCoin.value;
  const row = state.coins.find((c) => c.coin === coin);
  $('#from-available').textContent = row ? `${group(trimZeros(row.available))} ${coin}` : '--';
}

function showQuote(q) {
  state.quote = q;
  $('#q-from').textContent = `${group(trimZeros(q.fromCoinSize))} ${q.fromCoin}`;
  $('#q-to').textContent = `${group(trimZeros(q.toCoinSize))} ${q.toCoin}`;
  $('#q-price').textContent = `1 ${q.fromCoin} = ${q.cnvtPrice} ${q.toCoin}`;
  $('#quote-box').hidden = false;
  clearInterval(state.timer);
  const expires = Number(q.expireTime) || Date.now() + 8000;
  const tick = () => {
    const left = Math.max(0, Math.ceil((expires - Date.now()) / 1000));
    $('#q-left').textContent = String(left);
    $('#accept-btn').disabled = left === 0;
  };
  tick();
  state.timer = setInterval(tick, 250);
}

async function requestQuote(event) {
  event.preventDefault();
  const form = $('#quote-form');
  clearErrors(form);
  const f = form.elements;
  if (!isDecimal(f.fromCoinSize.value.trim()) || Number(f.fromCoinSize.value) <= 0) {
    showError(form, 'fromCoinSize', 'Enter a positive amount');
    return;
  }
  await busy($('#quote-btn'), async () => {
    try {
      showQuote(await privateGet('/api/v2/convert/quoted-price', {
        fromCoin: f.fromCoin.value, toCoin: f.toCoin.value, fromCoinSize: f.fromCoinSize.value.trim(),
      }));
    } catch (error) {
      showError(form, error.code === '45110' || error.code === '40808' ? 'fromCoinSize' : null, `${error.message} (${error.code})`);
    }
  });
}

async function accept() {
  const q = state.quote;
  if (!q) return;
  await busy($('#accept-btn'), async () => {
    try {
      await privatePost('/api/v2/convert/trade', {
        fromCoin: q.fromCoin, fromCoinSize: q.fromCoinSize, toCoin: q.toCoin,
        toCoinSize: q.toCoinSize, cnvtPrice: q.cnvtPrice, traceId: q.traceId,
      });
      toast(`Converted ${trimZeros(q.fromCoinSize)} ${q.fromCoin} to ${trimZeros(q.toCoinSize)} ${q.toCoin}`);
      $('#quote-box').hidden = true;
      clearInterval(state.timer);
      state.quote = null;
      await Promise.all([loadCurrencies(), loadHistory(), loadDust()]);
    } catch (error) {
      toast(`${error.message} (${error.code})`, true);
    }
  });
}

async function loadHistory() {
  const data = await privateGet('/api/v2/convert/convert-record', { startTime: Date.now() - 90 * 86400000, limit: 50 });
  const rows = data.dataList.map((r) => h('tr', {},
    h('td', {}, dateTime(Number(r.ts))), h('td', {}, r.fromCoin),
    h('td', { class: 'r num' }, group(trimZeros(r.fromCoinSize))), h('td', {}, r.toCoin),
    h('td', { class: 'r num' }, group(trimZeros(r.toCoinSize))), h('td', { class: 'r num' }, r.cnvtPrice)));
  fillBody($('#convert-history'), rows, 6, 'No conversions yet');
}

async function loadDust() {
  const to = $('#dust-form').elements.toCoin.value || 'USDT';
  const data = await privateGet('/api/v2/convert/bgb-convert-coin-list', { toCoin: to });
  const boxes = data.coinList.map((c) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'coin', value: c.coin }), ` ${c.coin} `, h('span', { class: 'muted num' }, group(trimZeros(c.available)))));
  $('#dust-coins').replaceChildren(...(boxes.length ? boxes : [h('span', { class: 'muted' }, 'No balances to sweep')]));
}

async function convertDust(event) {
  event.preventDefault();
  const form = $('#dust-form');
  const coins = $$('input[name="coin"]:checked', form).map((i) => i.value);
  $('.form-error', form).textContent = '';
  if (!coins.length) {
    $('.form-error', form).textContent = 'Pick at least one coin';
    return;
  }
  try {
    const done = await privatePost('/api/v2/convert/bgb-convert', { coinList: coins, toCoin: form.elements.toCoin.value });
    toast(`Converted ${done.orderList.length} small balance(s)`);
    await Promise.all([loadCurrencies(), loadHistory(), loadDust()]);
  } catch (error) {
    $('.form-error', form).textContent = `${error.message} (${error.code})`;
  }
}

async function main() {
  await boot('convert', { needsUser: true });
  await loadCurrencies();
  $('#dust-form').elements.toCoin.value = 'USDT';
  $('#quote-form').addEventListener('submit', requestQuote);
  $('#quote-form').elements.fromCoin.addEventListener('change', showAvailable);
  $('#accept-btn').addEventListener('click', accept);
  $('#dust-form').addEventListener('submit', convertDust);
  $('#dust-form').elements.toCoin.addEventListener('change', loadDust);
  await Promise.all([loadHistory(), loadDust()]);
}

main();

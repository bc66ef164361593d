// Spot trading page: ticker, chart, order book, recent trades, order form, the user's
// orders and balances.  Public data flows over /v2/ws/public, the user's own over
// /v2/ws/private (logged in with the session key), and orders go to the REST API.

import { publicGet } from '../lib/api.js';
import { boot, loadSymbols, privateStream, publicStream } from '../lib/app.js';
import { $, $$, h } from '../lib/dom.js';
import { compact, group, pct, price, trendClass } from '../lib/format.js';
import { trimZeros } from '../lib/decimal.js';
import { Balances } from '../components/balances.js';
import { CandleChart } from '../components/chart.js';
import { OrderBook } from '../components/orderbook.js';
import { OrderForm } from '../components/orderform.js';
import { Orders } from '../components/orders.js';
import { RecentTrades } from '../components/trades.js';
import { MarginPanel } from '../components/marginpanel.js';

const symbol = decodeURIComponent(location.pathname.split('/').pop());

function fillPairSelect(symbols) {
  const select = $('#pair-select');
  for (const m of symbols.values()) select.append(h('option', { value: m.symbol, selected: m.symbol === symbol }, `${m.baseCoin}/${m.quoteCoin}`));
  select.addEventListener('change', () => location.assign(`/trade/${select.value}`));
}

function labelColumns(market) {
  $('#book-col-price').textContent = `Price (${market.quoteCoin})`;
  $('#book-col-size').textContent = `Amount (${market.baseCoin})`;
  $('#trades-col-price').textContent = `Price (${market.quoteCoin})`;
  $('#trades-col-size').textContent = `Amount (${market.baseCoin})`;
  $('#t-vol-base-label').textContent = `24h volume (${market.baseCoin})`;
  $('#t-vol-quote-label').textContent = `24h turnover (${market.quoteCoin})`;
  document.title = `${market.baseCoin}/${market.quoteCoin} · openbourse`;
}

function showTicker(t, market) {
  const cls = trendClass(t.change24h);
  const pairName = `${market.baseCoin}/${market.quoteCoin}`;
  document.title = Number(t.lastPr) ? `${group(t.lastPr)} · ${pairName} · openbourse` : `${pairName} · openbourse`;
  $('#t-last').textContent = price(t.lastPr);
  $('#t-last').className = 'num ' + cls;
  $('#t-change').textContent = pct(t.change24h);
  $('#t-change').className = 'num ' + cls;
  $('#t-high').textContent = price(t.high24h);
  $('#t-low').textContent = price(t.low24h);
  $('#t-vol-base').textContent = compact(t.baseVolume);
  $('#t-vol-quote').textContent = compact(t.quoteVolume);
}

function startChart(market, feed) {
  const chart = new CandleChart({ market, feed, container: $('#chart'), legend: $('#chart-legend') });
  const tabs = $$('#intervals .tab');
  const pick = (tf) => {
    for (const tab of tabs) tab.classList.toggle('active', tab.dataset.tf === tf);
    localStorage.setItem('ob.interval', tf);
    chart.setInterval(tf);
  };
  for (const tab of tabs) tab.addEventListener('click', () => pick(tab.dataset.tf));
  pick(localStorage.getItem('ob.interval') || '1m');
}

function renderPairBalances(market, balances) {
  const rows = [market.baseCoin, market.quoteCoin].map((coin) => h('tr', {},
    h('td', {}, h('b', {}, coin)),
    h('td', { class: 'r num' }, h('span', { class: 'muted' }, 'Available '), group(trimZeros(balances.available(coin) || '0'))),
    h('td', { class: 'r num' }, h('span', { class: 'muted' }, 'In orders '), group(trimZeros(balances.frozen(coin) || '0')))));
  $('#pair-balances').replaceChildren(...rows);
}

async function main() {
  const session = await boot('trade');
  const symbols = await loadSymbols();
  const market = symbols.get(symbol);
  if (!market) {
    location.assign('/markets');
    return;
  }
  fillPairSelect(symbols);
  labelColumns(market);
  const feed = publicStream();
  const loggedIn = Boolean(session.user);
  const privateFeed = loggedIn ? privateStream() : null;
  const balances = loggedIn ? new Balances(privateFeed) : null;
  const form = new OrderForm({ market, panel: $('#order-panel'), balances, loggedIn });
  const book = new OrderBook({
    market, feed, asksEl: $('#book-asks'), bidsEl: $('#book-bids'), groupSelect: $('#book-group'),
    onPick: (price) => form.setPrice(price, true),
  }).start();
  let lastShown = null;
  new RecentTrades({
    market, feed, container: $('#trades'),
    onLast: (t) => {
      const mid = $('#book-mid');
      mid.textContent = group(t.price);
      if (lastShown !== null) mid.className = 'num ' + (Number(t.price) >= Number(lastShown) ? 'up' : 'down');
      lastShown = t.price;
      form.setLastPrice(t.price);
    },
  }).start();
  const [ticker] = await publicGet('/api/v2/spot/market/tickers', { symbol });
  if (ticker) showTicker(ticker, market);
  feed.subscribe({ instType: 'SPOT', channel: 'ticker', instId: symbol }, (a, data) => showTicker(data[0], market));
  startChart(market, feed);
  if (!loggedIn) {
    $('#pair-balances').replaceChildren(h('tr', {}, h('td', { class: 'empty' }, 'Log in to see your balances')));
    for (const body of ['#open-orders', '#plan-orders', '#order-history', '#trade-history']) {
      $(body).replaceChildren(h('tr', {}, h('td', { class: 'empty', colspan: 8 }, 'Log in to see your orders')));
    }
    return;
  }
  balances.onChange(() => renderPairBalances(market, balances));
  const orders = new Orders({
    market, feed: privateFeed, panel: $('.orders-panel'),
    onOpenChange: (open) => book.setMine(open.filter((o) => o.orderType === 'limit').map((o) => o.price)),
  });
  await Promise.all([balances.start(), orders.start()]);
  showMarginPanel(market, form);
}

/** The margin section, on margin pairs; retried while the server is unreachable. */
async function showMarginPanel(market, form) {
  let marginPairs;
  try {
    marginPairs = await publicGet('/api/v2/margin/currencies');
  } catch (error) {
    setTimeout(() => showMarginPanel(market, form), 2000);
    return;
  }
  if (marginPairs.some((p) => p.symbol === symbol)) {
    $('#margin-panel').hidden = false;
    new MarginPanel({ market, panel: $('#margin-panel'), form }).start();
  }
}

main();

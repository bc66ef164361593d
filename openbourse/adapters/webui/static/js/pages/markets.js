// Markets list: every spot market with its live ticker and a 24 h sparkline.
// Tickers and candles come from the public REST API; the WebSocket `ticker` channel then
// keeps each row current (and moves the sparkline's last point with the last price).

import { publicGet } from '../lib/api.js';
import { boot, loadSymbols, publicStream } from '../lib/app.js';
import { $, fillBody, h } from '../lib/dom.js';
import { compact, pct, price, trendClass } from '../lib/format.js';
import { createSparkline, drawSparkline } from '../components/sparkline.js';

const rows = new Map(); // symbol -> {tr, cells, closes, spark, search}

function buildRow(market) {
  const cells = {
    last: h('td', { class: 'r num last' }, '--'),
    change: h('td', { class: 'r num chg' }, '--'),
    high: h('td', { class: 'r num hide-sm' }, '--'),
    low: h('td', { class: 'r num hide-sm' }, '--'),
    volume: h('td', { class: 'r num hide-sm' }, '--'),
  };
  const spark = createSparkline();
  const href = `/trade/${market.symbol}`;
  const tr = h('tr', { 'data-symbol': market.symbol, onclick: () => location.assign(href) },
    h('td', { class: 'pair' }, h('b', {}, market.baseCoin), h('span', {}, ` / ${market.quoteCoin}`)),
    cells.last, cells.change, cells.high, cells.low, cells.volume,
    h('td', { class: 'r' }, spark),
    h('td', { class: 'r hide-sm' }, h('a', { class: 'btn small', href }, 'Trade')));
  const search = `${market.baseCoin}${market.quoteCoin} ${market.baseCoin}/${market.quoteCoin}`.toLowerCase();
  return { tr, cells, spark, closes: [], search, quote: market.quoteCoin };
}

function showTicker(row, t) {
  row.cells.last.textContent = price(t.lastPr);
  row.cells.last.className = 'r num last ' + trendClass(t.change24h);
  row.cells.change.textContent = pct(t.change24h);
  row.cells.change.className = 'r num chg ' + trendClass(t.change24h);
  row.cells.high.textContent = price(t.high24h);
  row.cells.low.textContent = price(t.low24h);
  row.cells.volume.textContent = `${compact(t.quoteVolume)} ${row.quote}`;
  if (t.lastPr && row.closes.length) {
    row.closes[row.closes.length - 1] = Number(t.lastPr);
    drawSparkline(row.spark, row.closes);
  }
}

async function loadSpark(symbol, row) {
  // 15-minute candles over the last 24 h, oldest first; a market younger than two hours
  // has too few of those to draw a trend, so it gets its last two hours in minutes.
  let candles = await publicGet('/api/v2/spot/market/candles', { symbol, granularity: '15min', limit: 96 });
  if (candles.length < 8) candles = await publicGet('/api/v2/spot/market/candles', { symbol, granularity: '1min', limit: 120 });
  row.closes = candles.map((c) => Number(c[4]));
  drawSparkline(row.spark, row.closes);
}

function applySearch() {
  const needle = $('#search').value.trim().toLowerCase().replace('/', '');
  for (const row of rows.values()) row.tr.hidden = Boolean(needle) && !row.search.replace('/', '').includes(needle);
}

async function main() {
  await boot('markets');
  const [symbols, tickers] = await Promise.all([loadSymbols(), publicGet('/api/v2/spot/market/tickers')]);
  for (const market of symbols.values()) rows.set(market.symbol, buildRow(market));
  fillBody($('#market-rows'), [...rows.values()].map((r) => r.tr), 8, 'No markets are listed yet');
  for (const t of tickers) if (rows.has(t.symbol)) showTicker(rows.get(t.symbol), t);
  $('#search').addEventListener('input', applySearch);
  await Promise.all([...rows.entries()].map(([symbol, row]) => loadSpark(symbol, row)));
  const feed = publicStream();
  for (const symbol of rows.keys()) {
    feed.subscribe({ instType: 'SPOT', channel: 'ticker', instId: symbol }, (action, data) => {
      for (const t of data) showTicker(rows.get(symbol), t);
    });
  }
}

main();

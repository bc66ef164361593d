// Futures trading page: the contract's ticker (last, mark, index, funding), chart, book and
// trades over /v2/ws/public (instType = the contract's productType); positions (PnL,
// liquidation price, TP/SL), orders, fills and the futures account over /v2/ws/private;
// settings (margin mode, leverage, position mode), orders and transfers through the mix
// REST API, exactly as a bot calls it.

import { privateGet, privatePost, publicGet } from '../lib/api.js';
import { boot, privateStream, publicStream } from '../lib/app.js';
import { $, $$, busy, clearErrors, fillBody, h, showError, toast } from '../lib/dom.js';
import { compact, dateTime, group, pct, price as fmtPrice, titleCase, trendClass } from '../lib/format.js';
import { trimZeros } from '../lib/decimal.js';
import { CandleChart } from '../components/chart.js';
import { OrderBook } from '../components/orderbook.js';
import { RecentTrades } from '../components/trades.js';

const PRODUCTS = ['USDT-FUTURES', 'USDC-FUTURES', 'COIN-FUTURES'];
const ACCOUNT_OF = { 'USDT-FUTURES': 'usdt_futures', 'USDC-FUTURES': 'usdc_futures', 'COIN-FUTURES': 'coin_futures' };
const n = (text) => (text === undefined || text === null || text === '' ? '--' : group(trimZeros(String(text))));

async function loadContracts() {
  const out = new Map();
  const lists = await Promise.all(PRODUCTS.map((p) => publicGet('/api/v2/mix/market/contracts', { productType: p })));
  lists.forEach((rows, i) => {
    for (const row of rows) {
      out.set(row.symbol, {
        ...row, productType: PRODUCTS[i], instType: PRODUCTS[i], marginCoin: row.supportMarginCoins[0],
        pricePrecision: Number(row.pricePlace), quantityPrecision: Number(row.volumePlace),
        candlesPath: '/api/v2/mix/market/candles', candleParams: { productType: PRODUCTS[i] },
      });
    }
  });
  return out;
}

function countdown(nextMs) {
  const left = Math.max(0, Number(nextMs) - Date.now());
  const s = Math.floor(left / 1000);
  const pad = (x) => String(x).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

class FuturesPage {
  constructor(contract, contracts, loggedIn) {
    this.c = contract;
    this.contracts = contracts;
    this.loggedIn = loggedIn;
    this.pt = contract.productType;
    this.q = { symbol: contract.symbol, productType: this.pt, marginCoin: contract.marginCoin };
    this.type = 'limit';
    this.oc = 'open';
    this.ticker = null;
    this.positions = [];
    this.tpslDrafts = {}; // what the user typed in a position's TP/SL inputs, by symbol:side
    this.account = null;
  }

  // -- market data --------------------------------------------------------------------
  showTicker(t) {
    this.ticker = t;
    const cls = trendClass(t.change24h);
    $('#t-last').textContent = fmtPrice(t.lastPr);
    $('#t-last').className = 'num ' + cls;
    $('#t-mark').textContent = fmtPrice(t.markPrice);
    $('#t-index').textContent = fmtPrice(t.indexPrice);
    this.nextFunding = t.nextFundingTime;
    this.fundingRate = t.fundingRate;
    this.showFunding();
    $('#t-change').textContent = pct(t.change24h);
    $('#t-change').className = 'num ' + cls;
    $('#t-vol').textContent = compact(t.baseVolume);
    $('#t-oi').textContent = compact(t.holdingAmount || '0');
    document.title = `${group(t.lastPr || t.markPrice || '')} · ${this.c.symbol} · openbourse`;
    this.renderPositions();
  }

  showFunding() {
    if (this.fundingRate === undefined) return;
    $('#t-funding').textContent = `${(Number(this.fundingRate) * 100).toFixed(4)}% / ${countdown(this.nextFunding)}`;
  }

  startPublic() {
    const c = this.c;
    const feed = publicStream();
    $('#book-col-price').textContent = `Price (${c.quoteCoin})`;
    $('#trades-col-price').textContent = `Price (${c.quoteCoin})`;
    const unit = c.baseCoin; // every family counts sizes in the base coin
    $('#book-col-size').textContent = `Size (${unit})`;
    $('#trades-col-size').textContent = `Size (${unit})`;
    $('#t-vol-label').textContent = `24h volume (${unit})`;
    $('#size-unit').textContent = unit;
    for (const el of $$('.quote-unit')) el.textContent = c.quoteCoin;
    const book = new OrderBook({
      market: c, feed, asksEl: $('#book-asks'), bidsEl: $('#book-bids'), groupSelect: $('#book-group'),
      onPick: (p) => { $('#order-form').elements.price.value = p; this.updateCost(); },
    }).start();
    this.book = book;
    new RecentTrades({ market: c, feed, container: $('#trades'), onLast: (t) => { $('#book-mid').textContent = group(t.price); } }).start();
    feed.subscribe({ instType: this.pt, channel: 'ticker', instId: c.symbol }, (a, data) => this.showTicker(data[0]));
    const chart = new CandleChart({ market: c, feed, container: $('#chart'), legend: $('#chart-legend') });
    const tabs = $$('#intervals .tab');
    const pick = (tf) => {
      for (const tab of tabs) tab.classList.toggle('active', tab.dataset.tf === tf);
      localStorage.setItem('ob.interval', tf);
      chart.setInterval(tf);
    };
    for (const tab of tabs) tab.addEventListener('click', () => pick(tab.dataset.tf));
    pick(localStorage.getItem('ob.interval') || '1m');
    // Last-price candles stream over the WebSocket; mark and index candles come from REST
    // (kLineType) and are refreshed every few seconds.
    const kinds = $$('#kline-kind .tab');
    for (const tab of kinds) {
      tab.addEventListener('click', () => {
        for (const t of kinds) t.classList.toggle('active', t === tab);
        c.candleParams = { productType: this.pt, kLineType: tab.dataset.kind };
        c.candleLive = tab.dataset.kind === 'MARKET';
        chart.setInterval(chart.interval);
      });
    }
    setInterval(() => { if (c.candleLive === false) chart.setInterval(chart.interval); }, 5000);
    setInterval(() => this.showFunding(), 1000);
  }

  // -- order form ---------------------------------------------------------------------
  bindForm() {
    const form = $('#order-form');
    for (const tab of $$('#order-types .tab')) {
      tab.addEventListener('click', () => {
        this.type = tab.dataset.type;
        for (const t of $$('#order-types .tab')) t.classList.toggle('active', t === tab);
        $('[data-for="price"]', form).hidden = this.type === 'market';
        this.updateCost();
      });
    }
    for (const tab of $$('#open-close .tab')) {
      tab.addEventListener('click', () => {
        this.oc = tab.dataset.oc;
        for (const t of $$('#open-close .tab')) t.classList.toggle('active', t === tab);
        $('#submit-long').textContent = this.oc === 'open' ? 'Open long' : 'Close short';
        $('#submit-short').textContent = this.oc === 'open' ? 'Open short' : 'Close long';
        $('[data-for="tpsl"]', form).hidden = this.oc === 'close';
      });
    }
    form.elements.tpsl.addEventListener('change', () => { $('#tpsl-fields').hidden = !form.elements.tpsl.checked; });
    form.addEventListener('input', () => this.updateCost());
    if (!this.loggedIn) {
      $('#submit-long').hidden = true;
      $('#submit-short').hidden = true;
      $('#login-to-trade').hidden = false;
      return;
    }
    $('#submit-long').addEventListener('click', () => this.submit('buy'));
    $('#submit-short').addEventListener('click', () => this.submit('sell'));
  }

  leverageValue() {
    return Number($('#leverage').value) || 1;
  }

  updateCost() {
    const form = $('#order-form');
    const size = Number(form.elements.size.value);
    const p = this.type === 'market' ? Number(this.ticker ? this.ticker.markPrice : 0) : Number(form.elements.price.value);
    if (!size || !p) { $('#order-cost').textContent = '--'; return; }
    const lev = this.leverageValue();
    const value = this.c.productType === 'COIN-FUTURES' ? size : size * p; // Coin-M: the coin itself
    const digits = this.c.productType === 'COIN-FUTURES' ? 8 : 2;
    $('#order-cost').textContent = `${group((value / lev).toFixed(digits))} ${this.c.marginCoin}`;
  }

  async submit(side) {
    const form = $('#order-form');
    clearErrors(form);
    const f = form.elements;
    const hedge = $('#pos-mode').value === 'hedge_mode';
    const body = { ...this.q, marginMode: $('#margin-mode').value, orderType: this.type, size: f.size.value.trim(), force: 'gtc' };
    if (!body.size) { showError(form, 'size', 'Enter a size'); return; }
    if (this.type === 'limit') {
      body.price = f.price.value.trim();
      if (!body.price) { showError(form, 'price', 'Enter a price'); return; }
    }
    // button "long"/"short" → Bitget side semantics (hedge close long = buy + close)
    if (this.oc === 'open') {
      body.side = side;
      if (hedge) body.tradeSide = 'open';
      if (f.tpsl.checked) {
        if (f.presetStopSurplusPrice.value.trim()) body.presetStopSurplusPrice = f.presetStopSurplusPrice.value.trim();
        if (f.presetStopLossPrice.value.trim()) body.presetStopLossPrice = f.presetStopLossPrice.value.trim();
      }
    } else if (hedge) {
      body.side = side === 'buy' ? 'sell' : 'buy';
      body.tradeSide = 'close';
    } else {
      body.side = side;
      body.reduceOnly = 'YES';
    }
    const button = side === 'buy' ? $('#submit-long') : $('#submit-short');
    await busy(button, async () => {
      try {
        await privatePost('/api/v2/mix/order/place-order', body);
        toast('Order placed');
        f.size.value = '';
        this.updateCost();
      } catch (error) {
        const field = { 41103: 'price', 40808: 'size', 45110: 'size' }[error.code] || null;
        showError(form, field, error.message);
      }
    });
  }

  // -- settings -----------------------------------------------------------------------
  async loadSettings() {
    const acct = await privateGet('/api/v2/mix/account/account', this.q);
    $('#margin-mode').value = acct.marginMode;
    $('#leverage').value = acct.crossedMarginLeverage;
    $('#pos-mode').value = acct.posMode;
  }

  bindSettings() {
    const run = async (path, body, okText) => {
      try {
        await privatePost(path, body);
        toast(okText);
      } catch (error) {
        toast(error.message, true);
      }
      await this.loadSettings();
    };
    $('#set-leverage').addEventListener('click', () => busy($('#set-leverage'), () =>
      run('/api/v2/mix/account/set-leverage', { ...this.q, leverage: $('#leverage').value.trim() }, `Leverage set to ${$('#leverage').value}x`)));
    $('#margin-mode').addEventListener('change', () =>
      run('/api/v2/mix/account/set-margin-mode', { ...this.q, marginMode: $('#margin-mode').value }, 'Margin mode changed'));
    $('#pos-mode').addEventListener('change', () =>
      run('/api/v2/mix/account/set-position-mode', { productType: this.pt, posMode: $('#pos-mode').value }, 'Position mode changed'));
  }

  // -- account and transfers ------------------------------------------------------------
  renderAccount(row) {
    if (!row) return;
    this.account = row;
    const coin = row.marginCoin;
    $('#avbl').textContent = `${n(row.available)} ${coin}`;
    const rows = [['Equity', row.accountEquity || row.equity], ['Available', row.available],
      ['Frozen (margin + orders)', row.frozen], ['Unrealised PnL', row.unrealizedPL]];
    $('#fut-account').replaceChildren(...rows.map(([k, v]) => h('tr', {}, h('td', { class: 'muted' }, k), h('td', { class: 'r num' }, `${n(v)} ${coin}`))));
  }

  bindTransfer() {
    const form = $('#transfer-form');
    $('#transfer-btn').addEventListener('click', () => { form.hidden = !form.hidden; });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(form);
      const inward = form.elements.direction.value === 'in';
      const acct = ACCOUNT_OF[this.pt];
      try {
        await privatePost('/api/v2/spot/wallet/transfer', {
          fromType: inward ? 'spot' : acct, toType: inward ? acct : 'spot',
          amount: form.elements.amount.value.trim(), coin: this.c.marginCoin,
        });
        toast('Transfer done');
        form.elements.amount.value = '';
        await this.reloadAccount();
      } catch (error) {
        showError(form, null, error.message);
      }
    });
  }

  async reloadAccount() {
    const rows = await privateGet('/api/v2/mix/account/accounts', { productType: this.pt });
    this.renderAccount(rows.find((r) => r.marginCoin === this.c.marginCoin));
  }

  // -- positions and orders -------------------------------------------------------------
  renderPositions() {
    const c = this.c;
    const body = $('#positions');
    if (!this.loggedIn) return;
    $('#pos-count').textContent = this.positions.length ? `(${this.positions.length})` : '';
    // Rows are rebuilt on every positions push (mark price ticks): what the user is typing
    // into a TP/SL input, and the focus, carry over to the new row.
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.draft : undefined;
    const rows = this.positions.map((p) => {
      const pnl = Number(p.unrealizedPL);
      const roe = Number(p.marginSize) ? (pnl / Number(p.marginSize)) * 100 : 0;
      const key = `${p.symbol}:${p.holdSide}`;
      const draft = this.tpslDrafts[key] || {};
      const input = (name, label, placeholder, saved) => {
        const el = h('input', { class: 'input num', placeholder, 'aria-label': label, 'data-draft': `${key}:${name}`, value: draft[name] ?? (saved || '') });
        el.addEventListener('input', () => { (this.tpslDrafts[key] ||= {})[name] = el.value; });
        return el;
      };
      const tpInput = input('tp', 'Take-profit price', 'TP', p.takeProfit);
      const slInput = input('sl', 'Stop-loss price', 'SL', p.stopLoss);
      const hold = p.posMode === 'hedge_mode' ? p.holdSide : (p.holdSide === 'long' ? 'buy' : 'sell');
      const setTpsl = h('button', { class: 'btn small ghost', type: 'button' }, 'Set TP/SL');
      setTpsl.addEventListener('click', () => busy(setTpsl, () => this.setTpsl(p, hold, tpInput.value.trim(), slInput.value.trim())));
      const close = h('button', { class: 'btn small', type: 'button', 'data-close': p.symbol }, 'Close');
      close.addEventListener('click', () => busy(close, async () => {
        try {
          await privatePost('/api/v2/mix/order/close-positions', { symbol: p.symbol, productType: this.pt, holdSide: p.holdSide });
          toast('Position closed at market');
        } catch (error) { toast(error.message, true); }
      }));
      return h('tr', { 'data-symbol': p.symbol, 'data-side': p.holdSide },
        h('td', {}, `${p.symbol} `, h('span', { class: 'muted' }, `${titleCase(p.marginMode)} ${p.leverage}x`)),
        h('td', { class: p.holdSide === 'long' ? 'side-buy' : 'side-sell' }, titleCase(p.holdSide)),
        h('td', { class: 'r num pos-size' }, n(p.total)),
        h('td', { class: 'r num' }, n(p.openPriceAvg)),
        h('td', { class: 'r num' }, n(p.markPrice)),
        h('td', { class: 'r num pos-liq' }, Number(p.liquidationPrice) > 0 ? n(p.liquidationPrice) : '--'),
        h('td', { class: 'r num' }, `${n(p.marginSize)} ${p.marginCoin}`),
        h('td', { class: `r num pos-pnl ${pnl >= 0 ? 'pnl-up' : 'pnl-down'}` }, `${n(p.unrealizedPL)} (${roe.toFixed(2)}%)`),
        h('td', { class: 'pos-tpsl num' }, `${p.takeProfit ? n(p.takeProfit) : '--'} / ${p.stopLoss ? n(p.stopLoss) : '--'}`),
        h('td', {}, h('div', { class: 'pos-actions' }, tpInput, slInput, setTpsl, close)));
    });
    fillBody(body, rows, 10, 'No open positions');
    const again = focused && body.querySelector(`[data-draft="${focused}"]`);
    if (again) {
      again.focus();
      again.setSelectionRange(again.value.length, again.value.length);
    }
    void c;
  }

  async setTpsl(p, hold, tp, sl) {
    if (!tp && !sl) {
      toast('Enter a take-profit or stop-loss price', true);
      return;
    }
    try {
      for (const [plan, trigger, existing] of [['pos_profit', tp, p.takeProfitId], ['pos_loss', sl, p.stopLossId]]) {
        if (!trigger) continue;
        if (existing) await privatePost('/api/v2/mix/order/cancel-plan-order', { ...this.q, orderIdList: [{ orderId: existing }] });
        await privatePost('/api/v2/mix/order/place-tpsl-order', { ...this.q, planType: plan, triggerPrice: trigger, triggerType: 'mark_price', holdSide: hold });
      }
      delete this.tpslDrafts[`${p.symbol}:${p.holdSide}`];
      toast('TP/SL set');
      await this.reloadPositions();
      await this.reloadOrders();
    } catch (error) {
      toast(error.message, true);
    }
  }

  async reloadPositions() {
    this.positions = (await privateGet('/api/v2/mix/position/all-position', { productType: this.pt }))
      .filter((p) => p.symbol === this.c.symbol);
    this.renderPositions();
  }

  onPositions(rows) {
    this.positions = rows.filter((p) => (p.instId || p.symbol) === this.c.symbol);
    this.renderPositions();
  }

  async reloadOrders() {
    const q = { productType: this.pt, symbol: this.c.symbol };
    const [open, plans, history, fills] = await Promise.all([
      privateGet('/api/v2/mix/order/orders-pending', q),
      privateGet('/api/v2/mix/order/orders-plan-pending', { ...q, planType: 'profit_loss' }),
      privateGet('/api/v2/mix/order/orders-history', { ...q, limit: 50 }),
      privateGet('/api/v2/mix/order/fills', { ...q, limit: 50 }),
    ]);
    const trigger = await privateGet('/api/v2/mix/order/orders-plan-pending', { ...q, planType: 'normal_plan' });
    const openRows = (open.entrustedList || []).map((o) => {
      const cancel = h('button', { class: 'btn small ghost', type: 'button' }, 'Cancel');
      cancel.addEventListener('click', () => busy(cancel, async () => {
        try { await privatePost('/api/v2/mix/order/cancel-order', { ...this.q, orderId: o.orderId }); toast('Order cancelled'); }
        catch (error) { toast(error.message, true); }
        await this.reloadOrders();
      }));
      return h('tr', { 'data-order': o.orderId }, h('td', {}, dateTime(o.cTime)), h('td', {}, o.symbol), h('td', {}, titleCase(o.orderType)),
        h('td', { class: `side-${o.side}` }, `${titleCase(o.side)}${o.reduceOnly === 'YES' ? ' (reduce)' : ''}`),
        h('td', { class: 'r num' }, n(o.price)), h('td', { class: 'r num' }, n(o.size)), h('td', { class: 'r num' }, n(o.baseVolume)),
        h('td', { class: 'r' }, cancel));
    });
    $('#open-count').textContent = openRows.length ? `(${openRows.length})` : '';
    fillBody($('#open-orders'), openRows, 8, 'No open orders');
    const planRows = [...(plans.entrustedList || []), ...(trigger.entrustedList || [])].map((p) => {
      const cancel = h('button', { class: 'btn small ghost', type: 'button' }, 'Cancel');
      cancel.addEventListener('click', () => busy(cancel, async () => {
        try { await privatePost('/api/v2/mix/order/cancel-plan-order', { ...this.q, orderIdList: [{ orderId: p.orderId }] }); toast('Cancelled'); }
        catch (error) { toast(error.message, true); }
        await this.reloadOrders();
      }));
      return h('tr', {}, h('td', {}, dateTime(p.cTime)), h('td', {}, p.symbol), h('td', {}, p.planType),
        h('td', { class: `side-${p.side}` }, titleCase(p.side)), h('td', { class: 'r num' }, n(p.triggerPrice)),
        h('td', { class: 'r num' }, p.size ? n(p.size) : 'Position'), h('td', {}, p.planStatus), h('td', { class: 'r' }, cancel));
    });
    fillBody($('#plan-orders'), planRows, 8, 'No TP/SL or trigger orders');
    fillBody($('#order-history'), (history.entrustedList || []).map((o) => h('tr', {},
      h('td', {}, dateTime(o.cTime)), h('td', {}, o.symbol), h('td', {}, titleCase(o.orderType)),
      h('td', { class: `side-${o.side}` }, titleCase(o.side)), h('td', { class: 'r num' }, n(o.price)),
      h('td', { class: 'r num' }, n(o.priceAvg)), h('td', { class: 'r num' }, `${n(o.baseVolume)} / ${n(o.size)}`),
      h('td', {}, titleCase(o.status)))), 8, 'No orders yet');
    fillBody($('#trade-history'), (fills.fillList || []).map((f) => h('tr', {},
      h('td', {}, dateTime(f.cTime)), h('td', {}, f.symbol), h('td', { class: `side-${f.side}` }, titleCase(f.side)),
      h('td', { class: 'r num' }, n(f.price)), h('td', { class: 'r num' }, n(f.baseVolume)),
      h('td', { class: 'r num' }, n(String(-Number(f.feeDetail[0].totalFee)))), h('td', { class: 'r num' }, n(f.profit)),
      h('td', {}, titleCase(f.tradeScope)))), 8, 'No trades yet');
  }

  reloadOrdersSoon() {
    clearTimeout(this.ordersTimer);
    this.ordersTimer = setTimeout(() => this.reloadOrders(), 150);
  }

  bindTabs() {
    const panel = $('.orders-panel');
    for (const tab of $$('#order-tabs .tab', panel)) {
      tab.addEventListener('click', () => {
        for (const t of $$('#order-tabs .tab', panel)) t.classList.toggle('active', t === tab);
        for (const table of $$('table[data-tab]', panel)) table.hidden = table.dataset.tab !== tab.dataset.tab;
      });
    }
  }

  async startPrivate() {
    const feed = privateStream();
    const arg = (channel) => (channel === 'account' ? { instType: this.pt, channel, coin: 'default' } : { instType: this.pt, channel, instId: 'default' });
    await Promise.all([this.loadSettings(), this.reloadAccount(), this.reloadPositions(), this.reloadOrders()]);
    feed.subscribe(arg('positions'), (a, data) => this.onPositions(data));
    feed.subscribe(arg('account'), (a, data) => this.renderAccount(data.find((r) => r.marginCoin === this.c.marginCoin)));
    feed.subscribe(arg('orders'), () => this.reloadOrdersSoon());
    feed.subscribe(arg('orders-algo'), () => this.reloadOrdersSoon());
    feed.subscribe(arg('fill'), () => this.reloadOrdersSoon());
    feed.onResync(() => { this.reloadPositions(); this.reloadOrders(); this.reloadAccount(); });
  }
}

async function main() {
  const session = await boot('futures');
  const contracts = await loadContracts();
  const wanted = new URLSearchParams(location.search).get('symbol');
  const contract = contracts.get(wanted) || contracts.values().next().value;
  if (!contract) {
    $('#positions').replaceChildren(h('tr', {}, h('td', { class: 'empty', colspan: 10 }, 'No contract is listed yet')));
    return;
  }
  const select = $('#pair-select');
  for (const c of contracts.values()) {
    select.append(h('option', { value: c.symbol, selected: c.symbol === contract.symbol }, `${c.symbol} · ${c.productType.split('-')[0]}-M`));
  }
  select.addEventListener('change', () => location.assign(`/futures?symbol=${encodeURIComponent(select.value)}`));
  const loggedIn = Boolean(session.user);
  const page = new FuturesPage(contract, contracts, loggedIn);
  page.bindForm();
  page.bindTabs();
  page.startPublic();
  const [ticker] = await publicGet('/api/v2/mix/market/ticker', { symbol: contract.symbol, productType: contract.productType });
  if (ticker) page.showTicker(ticker);
  if (!loggedIn) {
    for (const body of ['#positions', '#open-orders', '#plan-orders', '#order-history', '#trade-history']) {
      $(body).replaceChildren(h('tr', {}, h('td', { class: 'empty', colspan: 10 }, 'Log in to see your positions and orders')));
    }
    $('#fut-account').replaceChildren(h('tr', {}, h('td', { class: 'empty' }, 'Log in to see your futures account')));
    for (const el of ['#set-leverage', '#transfer-btn']) $(el).disabled = true;
    return;
  }
  page.bindSettings();
  page.bindTransfer();
  await page.startPrivate();
}

main();

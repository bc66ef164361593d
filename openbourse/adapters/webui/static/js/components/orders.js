// The user's orders on this market: open orders (cancel), trigger orders (cancel), order
// history and trade history.  REST lists first; then the private `orders`, `orders-algo`
// and `fill` channels keep them current.  Closed orders refetch the history so the table
// shows exactly what the API reports.

import { privateGet, privatePost } from '../lib/api.js';
import { $, $$, busy, confirmDialog, fillBody, h, toast } from '../lib/dom.js';
import { dateTime, group, titleCase } from '../lib/format.js';
import { trimZeros } from '../lib/decimal.js';

const OPEN = new Set(['live', 'new', 'partially_filled', 'init', 'not_trigger']);

/** REST unfilled-orders (priceAvg = order price, basePrice = fill average), REST history and
 *  WS pushes (price, newSize, accBaseVolume) name fields differently; normalise them. */
function normalise(o, source) {
  const ws = source === 'ws';
  return {
    orderId: o.orderId, symbol: o.instId || o.symbol, side: o.side, orderType: o.orderType,
    force: o.force, status: o.status, cTime: o.cTime,
    price: source === 'unfilled' ? o.priceAvg : o.price,
    average: source === 'unfilled' ? o.basePrice : o.priceAvg,
    size: ws ? o.newSize : o.size,
    filled: ws ? o.accBaseVolume : o.baseVolume,
  };
}

const n = (text) => (text === undefined || text === null || text === '' ? '--' : group(trimZeros(String(text))));
const sideCell = (side) => h('td', { class: `side-${side}` }, titleCase(side));
const pair = (market) => `${market.baseCoin}/${market.quoteCoin}`;

export class Orders {
  constructor({ market, feed, panel, onOpenChange }) {
    this.market = market;
    this.feed = feed;
    this.panel = panel;
    this.onOpenChange = onOpenChange || (() => {});
    this.open = new Map();
    this.plans = new Map();
    this.historyTimer = null;
    for (const tab of $$('#order-tabs .tab', panel)) tab.addEventListener('click', () => this.showTab(tab.dataset.tab));
    const cancelAll = $('#cancel-all', panel);
    cancelAll.addEventListener('click', async () => {
      const sure = await confirmDialog('Cancel all open orders?', `Every open order on ${pair(market)} is cancelled.`, 'Cancel all');
      if (sure) await this.cancel(cancelAll, '/api/v2/spot/trade/cancel-symbol-order', { symbol: market.symbol }, 'Open orders');
    });
  }

  showTab(name) {
    for (const tab of $$('#order-tabs .tab', this.panel)) tab.classList.toggle('active', tab.dataset.tab === name);
    for (const table of $$('table[data-tab]', this.panel)) table.hidden = table.dataset.tab !== name;
  }

  async start() {
    const symbol = this.market.symbol;
    await this.reload();
    this.feed.subscribe({ instType: 'SPOT', channel: 'orders', instId: symbol }, (a, data) => this.onOrders(data));
    this.feed.subscribe({ instType: 'SPOT', channel: 'orders-algo', instId: symbol }, (a, data) => this.onPlans(data));
    this.feed.subscribe({ instType: 'SPOT', channel: 'fill', instId: symbol }, () => this.reloadHistorySoon());
    this.feed.onResync(() => this.reload());
    return this;
  }

  async reload() {
    const symbol = this.market.symbol;
    const [open, plans] = await Promise.all([
      privateGet('/api/v2/spot/trade/unfilled-orders', { symbol }),
      privateGet('/api/v2/spot/trade/current-plan-order', { symbol }),
    ]);
    this.open = new Map(open.map((o) => [o.orderId, normalise(o, 'unfilled')]));
    this.plans = new Map(plans.orderList.map((p) => [p.orderId, p]));
    this.renderOpen();
    this.renderPlans();
    await this.reloadHistory();
  }

  onOrders(items) {
    let closed = false;
    for (const item of items) {
      const order = normalise(item, 'ws');
      if (OPEN.has(order.status)) this.open.set(order.orderId, order);
      else { this.open.delete(order.orderId); closed = true; }
    }
    this.renderOpen();
    if (closed) this.reloadHistorySoon();
  }

  onPlans(items) {
    for (const plan of items) {
      if (plan.status === 'live' || plan.status === 'not_trigger') this.plans.set(plan.orderId, plan);
      else this.plans.delete(plan.orderId);
    }
    this.renderPlans();
  }

  reloadHistorySoon() {
    clearTimeout(this.historyTimer);
    // A failed reload (server restarting) is not an error to show: the next update retries.
    this.historyTimer = setTimeout(() => this.reloadHistory().catch(() => {}), 250);
  }

  async reloadHistory() {
    const symbol = this.market.symbol;
    const [history, fills] = await Promise.all([
      privateGet('/api/v2/spot/trade/history-orders', { symbol, limit: 50 }),
      privateGet('/api/v2/spot/trade/fills', { symbol, limit: 50 }),
    ]);
    this.renderHistory(history.map((o) => normalise(o, 'history')));
    this.renderFills(fills);
  }

  async cancel(button, path, body, what) {
    await busy(button, async () => {
      try {
        await privatePost(path, body);
        toast(`${what} cancelled`);
      } catch (error) {
        toast(`${error.message} (${error.code})`, true);
      }
    });
  }

  renderOpen() {
    const orders = [...this.open.values()].sort((a, b) => Number(b.cTime) - Number(a.cTime));
    $('#open-count', this.panel).textContent = orders.length ? `(${orders.length})` : '';
    $('#cancel-all', this.panel).hidden = orders.length < 2;
    const rows = orders.map((o) => {
      const button = h('button', { class: 'btn small danger', type: 'button', 'data-cancel': o.orderId }, 'Cancel');
      button.addEventListener('click', () => this.cancel(button, '/api/v2/spot/trade/cancel-order', { symbol: this.market.symbol, orderId: o.orderId }, 'Order'));
      return h('tr', { 'data-order-id': o.orderId },
        h('td', { class: 'num' }, dateTime(o.cTime)), h('td', {}, pair(this.market)),
        h('td', {}, o.force === 'post_only' ? 'Post only' : titleCase(o.orderType)), sideCell(o.side),
        h('td', { class: 'r num' }, n(o.price)), h('td', { class: 'r num' }, n(o.size)),
        h('td', { class: 'r num' }, n(o.filled)), h('td', { class: 'r' }, button));
    });
    fillBody($('#open-orders', this.panel), rows, 8, 'No open orders');
    this.onOpenChange(orders);
  }

  renderPlans() {
    const plans = [...this.plans.values()].sort((a, b) => Number(b.cTime) - Number(a.cTime));
    const rows = plans.map((p) => {
      const button = h('button', { class: 'btn small danger', type: 'button' }, 'Cancel');
      button.addEventListener('click', () => this.cancel(button, '/api/v2/spot/trade/cancel-plan-order', { orderId: p.orderId }, 'Trigger order'));
      return h('tr', { 'data-plan-id': p.orderId },
        h('td', { class: 'num' }, dateTime(p.cTime)), h('td', {}, pair(this.market)), sideCell(p.side),
        h('td', { class: 'r num' }, n(p.triggerPrice)), h('td', { class: 'r num' }, p.orderType === 'market' ? 'Market' : n(p.executePrice || p.price)),
        h('td', { class: 'r num' }, n(p.size)), h('td', {}, titleCase(p.status)), h('td', { class: 'r' }, button));
    });
    fillBody($('#plan-orders', this.panel), rows, 8, 'No trigger orders');
  }

  renderHistory(orders) {
    const rows = orders.map((o) => h('tr', { 'data-order-id': o.orderId },
      h('td', { class: 'num' }, dateTime(o.cTime)), h('td', {}, pair(this.market)), h('td', {}, titleCase(o.orderType)),
      sideCell(o.side), h('td', { class: 'r num' }, o.orderType === 'market' ? 'Market' : n(o.price)),
      h('td', { class: 'r num' }, Number(o.average) ? n(o.average) : '--'),
      h('td', { class: 'r num' }, `${n(o.filled)} / ${o.orderType === 'market' && o.side === 'buy' ? `${n(o.size)} ${this.market.quoteCoin}` : n(o.size)}`),
      h('td', {}, titleCase(o.status))));
    fillBody($('#order-history', this.panel), rows, 8, 'No order history');
  }

  renderFills(fills) {
    const rows = fills.map((f) => {
      const fee = f.feeDetail ? `${n(String(f.feeDetail.totalFee).replace('-', ''))} ${f.feeDetail.feeCoin}` : '--';
      return h('tr', { 'data-trade-id': f.tradeId },
        h('td', { class: 'num' }, dateTime(f.cTime)), h('td', {}, pair(this.market)), sideCell(f.side),
        h('td', { class: 'r num' }, n(f.priceAvg)), h('td', { class: 'r num' }, n(f.size)),
        h('td', { class: 'r num' }, n(f.amount)), h('td', { class: 'r num' }, fee), h('td', {}, titleCase(f.tradeScope)));
    });
    fillBody($('#trade-history', this.panel), rows, 8, 'No trades yet');
  }
}

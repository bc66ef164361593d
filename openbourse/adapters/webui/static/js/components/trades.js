// Recent public trades from the `trade` channel (newest first), in a fixed set of rows.

import { h } from '../lib/dom.js';
import { clock, group } from '../lib/format.js';

const ROWS = 15;

export class RecentTrades {
  constructor({ market, feed, container, onLast }) {
    this.market = market;
    this.feed = feed;
    this.onLast = onLast;
    this.trades = []; // newest first
    this.seen = new Set();
    this.rows = [];
    for (let i = 0; i < ROWS; i++) {
      const cells = { p: h('span'), s: h('span', { class: 'r' }), t: h('span', { class: 'r muted' }) };
      container.append(h('div', { class: 'trade-row' }, cells.p, cells.s, cells.t));
      this.rows.push(cells);
    }
  }

  start() {
    const arg = { instType: this.market.instType || 'SPOT', channel: 'trade', instId: this.market.symbol };
    this.feed.subscribe(arg, (action, data) => this.add(action, data));
    return this;
  }

  add(action, data) {
    if (action === 'snapshot') {
      this.trades = [];
      this.seen.clear();
    }
    const fresh = data.filter((t) => !this.seen.has(t.tradeId));
    for (const t of fresh) this.seen.add(t.tradeId);
    this.trades = [...fresh, ...this.trades].slice(0, ROWS);
    if (this.seen.size > 5000) this.seen = new Set(this.trades.map((t) => t.tradeId));
    if (this.trades.length) this.onLast(this.trades[0]);
    this.render();
  }

  render() {
    this.rows.forEach((cells, i) => {
      const t = this.trades[i];
      cells.p.textContent = t ? group(t.price) : '';
      cells.p.className = t ? t.side : '';
      cells.s.textContent = t ? t.size : '';
      cells.t.textContent = t ? clock(t.ts) : '';
    });
  }
}

// Live order book from the `books` channel: a snapshot, then incremental updates.
// Each update is checked against the server's CRC-32 of its top 25 levels (built from the
// very strings it sent); a mismatch means a missed message, so the book resubscribes and
// starts again from a fresh snapshot.  Prices are compared as BigInt ticks; grouping
// buckets bids down and asks up, as exchanges do.

import { crc32 } from '../lib/crc32.js';
import { fromUnits, toUnits, trimZeros } from '../lib/decimal.js';
import { h } from '../lib/dom.js';

const ROWS = 11;

export class OrderBook {
  constructor({ market, feed, asksEl, bidsEl, groupSelect, onPick }) {
    this.market = market;
    this.feed = feed;
    this.onPick = onPick;
    this.p = market.pricePrecision;
    this.q = market.quantityPrecision;
    this.bids = new Map(); // price text -> {price: BigInt, size: BigInt, sizeText}
    this.asks = new Map();
    this.step = 1n;
    this.mine = new Set(); // price texts of the user's open orders
    this.asksRows = this.buildRows(asksEl, 'sell');
    this.bidsRows = this.buildRows(bidsEl, 'buy');
    this.buildGroups(groupSelect);
    this.arg = { instType: market.instType || 'SPOT', channel: 'books', instId: market.symbol };
    this.pending = false;
  }

  start() {
    this.feed.subscribe(this.arg, (action, data) => this.apply(action, data[0]));
    return this;
  }

  buildRows(container, side) {
    const rows = [];
    for (let i = 0; i < ROWS; i++) {
      const cells = { depth: h('div', { class: 'depth' }), p: h('span', { class: 'p' }), s: h('span', { class: 'r' }), t: h('span', { class: 'r' }) };
      const row = h('div', { class: 'book-row', 'data-side': side }, cells.depth, cells.p, cells.s, cells.t);
      row.addEventListener('click', () => { if (row.dataset.price) this.onPick(row.dataset.price); });
      container.append(row);
      rows.push({ row, ...cells });
    }
    return rows;
  }

  buildGroups(select) {
    for (let k = 0; k < 4 && k <= this.p + 3; k++) {
      const step = 10n ** BigInt(k);
      select.append(h('option', { value: String(step) }, trimZeros(fromUnits(step, this.p))));
    }
    select.addEventListener('change', () => { this.step = BigInt(select.value); this.schedule(); });
  }

  apply(action, item) {
    if (!item) return;
    if (action === 'snapshot') {
      this.bids.clear();
      this.asks.clear();
    }
    this.merge(this.bids, item.bids);
    this.merge(this.asks, item.asks);
    if (action !== 'snapshot' && item.checksum !== undefined && this.checksum() !== Number(item.checksum)) {
      this.feed.resubscribe(this.arg); // a fresh snapshot follows
      return;
    }
    this.schedule();
  }

  merge(side, levels) {
    for (const [priceText, sizeText] of levels || []) {
      const size = toUnits(sizeText, this.q);
      if (size === 0n) side.delete(priceText);
      else side.set(priceText, { price: toUnits(priceText, this.p), size, sizeText });
    }
  }

  sorted(side, descending) {
    return [...side.entries()].sort((a, b) => {
      const d = a[1].price - b[1].price;
      return (descending ? d < 0n : d > 0n) ? 1 : d === 0n ? 0 : -1;
    });
  }

  checksum() {
    const bids = this.sorted(this.bids, true).slice(0, 25);
    const asks = this.sorted(this.asks, false).slice(0, 25);
    const parts = [];
    for (let i = 0; i < 25; i++) {
      if (bids[i]) parts.push(bids[i][0], bids[i][1].sizeText);
      if (asks[i]) parts.push(asks[i][0], asks[i][1].sizeText);
    }
    return crc32(parts.join(':'));
  }

  /** Aggregate sorted levels into buckets of `step` ticks; first ROWS buckets. */
  grouped(levels, isBid) {
    const out = [];
    for (const [, level] of levels) {
      let bucket = level.price;
      if (this.step > 1n) {
        const floor = (level.price / this.step) * this.step;
        bucket = isBid || floor === level.price ? floor : floor + this.step;
      }
      const last = out[out.length - 1];
      if (last && last.price === bucket) last.size += level.size;
      else if (out.length === ROWS) break;
      else out.push({ price: bucket, size: level.size });
    }
    return out;
  }

  setMine(priceTexts) {
    this.mine = new Set(priceTexts);
    this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.render(); });
  }

  render() {
    const bids = this.grouped(this.sorted(this.bids, true), true);
    const asks = this.grouped(this.sorted(this.asks, false), false);
    const cumulative = (levels) => { let sum = 0n; return levels.map((l) => (sum += l.size)); };
    const bidTotals = cumulative(bids);
    const askTotals = cumulative(asks);
    const max = [bidTotals.at(-1) || 0n, askTotals.at(-1) || 0n].reduce((a, b) => (a > b ? a : b), 1n);
    // Asks: best ask on the bottom row, next to the spread.
    this.paint(this.asksRows, asks, askTotals, max, (i) => ROWS - 1 - i);
    this.paint(this.bidsRows, bids, bidTotals, max, (i) => i);
    const spreadEl = document.getElementById('book-spread');
    if (spreadEl) {
      spreadEl.textContent = bids.length && asks.length
        ? `Spread ${trimZeros(fromUnits(asks[0].price - bids[0].price, this.p)) || '0'}` : '';
    }
  }

  paint(rows, levels, totals, max, slot) {
    const decimals = Math.max(0, this.p - (this.step.toString().length - 1));
    rows.forEach((r) => { r.row.dataset.price = ''; r.p.textContent = ''; r.s.textContent = ''; r.t.textContent = ''; r.depth.style.transform = 'scaleX(0)'; r.row.classList.remove('mine'); });
    levels.forEach((level, i) => {
      const r = rows[slot(i)];
      const priceText = fromUnits(level.price, this.p);
      r.row.dataset.price = priceText;
      r.p.textContent = fromUnits(level.price / 10n ** BigInt(this.p - decimals), decimals);
      r.s.textContent = fromUnits(level.size, this.q);
      r.t.textContent = fromUnits(totals[i], this.q);
      r.depth.style.transform = `scaleX(${Number((totals[i] * 1000n) / max) / 1000})`;
      if (this.step === 1n && this.mine.has(priceText)) r.row.classList.add('mine');
    });
  }
}

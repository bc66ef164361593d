// Spot balances: REST `account/assets` once, then the private `account` channel.
// Listeners are told on every change (the order form's "Available" and slider use it).

import { privateGet } from '../lib/api.js';

export class Balances {
  constructor(feed) {
    this.feed = feed;
    this.coins = new Map(); // coin -> {available, frozen} as decimal text
    this.listeners = new Set();
  }

  async start() {
    await this.reload();
    this.feed.subscribe({ instType: 'SPOT', channel: 'account', coin: 'default' }, (action, data) => this.merge(data));
    this.feed.onResync(() => this.reload());
    return this;
  }

  async reload() {
    const rows = await privateGet('/api/v2/spot/account/assets', { assetType: 'all' });
    this.coins.clear();
    this.merge(rows);
  }

  merge(rows) {
    for (const row of rows) this.coins.set(row.coin, { available: row.available, frozen: row.frozen });
    for (const listener of this.listeners) listener(this);
  }

  available(coin) {
    const row = this.coins.get(coin);
    return row ? row.available : null;
  }

  frozen(coin) {
    const row = this.coins.get(coin);
    return row ? row.frozen : null;
  }

  onChange(listener) {
    this.listeners.add(listener);
    listener(this);
  }
}

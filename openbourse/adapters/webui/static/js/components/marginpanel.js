// Margin mode of the spot trading page: pick the account the order form trades from
// (spot, cross margin, or the pair's isolated margin account), see its balances, debt,
// margin level and max borrowable, borrow and repay.  Everything goes through the public
// Bitget v2 margin API (/api/v2/margin/{crossed,isolated}/...), like a bot's calls.

import { privateGet, privatePost } from '../lib/api.js';
import { $, $$, busy, h, toast } from '../lib/dom.js';
import { group } from '../lib/format.js';
import { trimZeros } from '../lib/decimal.js';

const SEGMENT = { cross: 'crossed', isolated: 'isolated' };

export class MarginPanel {
  constructor({ market, panel, form }) {
    this.market = market;
    this.panel = panel;
    this.form = form;
    this.mode = 'spot';
    this.timer = null;
  }

  start() {
    for (const tab of $$('#margin-modes .tab', this.panel)) {
      tab.addEventListener('click', () => this.setMode(tab.dataset.mode));
    }
    const coins = [this.market.baseCoin, this.market.quoteCoin];
    $('#loan-coin', this.panel).replaceChildren(...coins.map((c) => h('option', { value: c }, c)));
    $('#borrow-btn', this.panel).addEventListener('click', () => this.loan('borrow'));
    $('#repay-btn', this.panel).addEventListener('click', () => this.loan('repay'));
    $('#transfer-in-btn', this.panel).addEventListener('click', () => this.loan('in'));
    $('#transfer-out-btn', this.panel).addEventListener('click', () => this.loan('out'));
    return this;
  }

  query() {
    return this.mode === 'isolated' ? { symbol: this.market.symbol } : {};
  }

  setMode(mode) {
    this.mode = mode;
    for (const tab of $$('#margin-modes .tab', this.panel)) tab.classList.toggle('active', tab.dataset.mode === mode);
    $('#margin-body', this.panel).hidden = mode === 'spot';
    clearInterval(this.timer);
    if (mode === 'spot') {
      this.form.margin = null;
      $('#margin-level', this.panel).textContent = '--';
      $('#risk-ratio', this.panel).textContent = '--';
      return;
    }
    this.form.margin = { transform: (request) => this.transform(request) };
    this.refresh();
    this.timer = setInterval(() => this.refresh(), 4000);
  }

  /** A spot order request → the same order on the margin account, with its loan type. */
  transform(request) {
    if (!request.path.endsWith('/place-order')) throw new Error('Trigger orders are spot only');
    const b = { ...request.body };
    for (const key of Object.keys(b)) if (key.startsWith('preset') || key.startsWith('execute')) delete b[key];
    const marketBuy = b.orderType === 'market' && b.side === 'buy';
    b[marketBuy ? 'quoteSize' : 'baseSize'] = b.size;
    delete b.size;
    b.loanType = $('#loan-type', this.panel).value;
    return { path: `/api/v2/margin/${SEGMENT[this.mode]}/place-order`, body: b };
  }

  async refresh() {
    const seg = SEGMENT[this.mode];
    if (!seg) return;
    try {
      const [rows, risk, max] = await Promise.all([
        privateGet(`/api/v2/margin/${seg}/account/assets`, this.query()),
        privateGet(`/api/v2/margin/${seg}/account/risk-rate`, this.query()),
        this.mode === 'isolated'
          ? privateGet('/api/v2/margin/isolated/account/max-borrowable-amount', { symbol: this.market.symbol })
          : Promise.all([this.market.baseCoin, this.market.quoteCoin].map((coin) => privateGet('/api/v2/margin/crossed/account/max-borrowable-amount', { coin }))),
      ]);
      this.render(rows, risk, max);
    } catch (error) {
      $('.form-error', this.panel).textContent = `${error.message} (${error.code})`;
    }
  }

  render(rows, risk, max) {
    const maxOf = {};
    if (Array.isArray(max)) for (const m of max) maxOf[m.coin] = m.maxBorrowableAmount;
    else { maxOf[max.baseCoin] = max.baseCoinMaxBorrowAmount; maxOf[max.quoteCoin] = max.quoteCoinMaxBorrowAmount; }
    const byCoin = new Map(rows.map((r) => [r.coin, r]));
    const body = [this.market.baseCoin, this.market.quoteCoin].map((coin) => {
      const r = byCoin.get(coin) || { available: '0', borrow: '0', interest: '0' };
      return h('tr', { 'data-coin': coin }, h('td', {}, h('b', {}, coin)),
        h('td', { class: 'r num' }, group(trimZeros(r.available))),
        h('td', { class: 'r num', 'data-field': 'borrow' }, group(trimZeros(r.borrow))),
        h('td', { class: 'r num' }, group(trimZeros(r.interest))),
        h('td', { class: 'r num' }, group(trimZeros(maxOf[coin] || '0'))));
    });
    $('#margin-assets', this.panel).replaceChildren(...body);
    const ratio = Number(Array.isArray(risk) ? (risk[0] ? risk[0].riskRateRatio : 0) : risk.riskRateRatio);
    $('#risk-ratio', this.panel).textContent = ratio ? `${(ratio * 100).toFixed(2)} %` : '0 %';
    $('#margin-level', this.panel).textContent = ratio ? (1 / ratio).toFixed(2) : '∞';
  }

  async loan(kind) {
    const seg = SEGMENT[this.mode];
    const form = $('#loan-form', this.panel);
    const coin = form.elements.coin.value;
    const amount = form.elements.amount.value.trim();
    $('.form-error', this.panel).textContent = '';
    if (!/^[0-9]+(\.[0-9]+)?$/.test(amount) || Number(amount) <= 0) {
      $('.form-error', this.panel).textContent = 'Enter a positive amount';
      return;
    }
    const account = this.mode === 'cross' ? 'crossed_margin' : 'isolated_margin';
    const request = kind === 'in' || kind === 'out'
      ? ['/api/v2/spot/wallet/transfer', { coin, amount, fromType: kind === 'in' ? 'spot' : account,
        toType: kind === 'in' ? account : 'spot', ...this.query() }]
      : [`/api/v2/margin/${seg}/account/${kind}`, { coin, [kind === 'borrow' ? 'borrowAmount' : 'repayAmount']: amount, ...this.query() }];
    const done = { borrow: 'Borrowed', repay: 'Repaid', in: 'Transferred in', out: 'Transferred out' }[kind];
    const button = { borrow: '#borrow-btn', repay: '#repay-btn', in: '#transfer-in-btn', out: '#transfer-out-btn' }[kind];
    await busy($(button, this.panel), async () => {
      try {
        await privatePost(...request);
        toast(`${done} ${amount} ${coin}`);
        form.elements.amount.value = '';
        await this.refresh();
      } catch (error) {
        $('.form-error', this.panel).textContent = `${error.message} (${error.code})`;
      }
    });
  }
}

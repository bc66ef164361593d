// The order form: buy/sell, limit / market / trigger, post-only, attached TP/SL, and a
// percent-of-balance slider.  Orders are validated locally (orderrules.js) and then sent
// to the public REST API; the API's own errors are shown next to the field they concern.

import { privatePost } from '../lib/api.js';
import { decimalsOf, fromUnits, isDecimal, toUnits, trimZeros } from '../lib/decimal.js';
import { $, $$, busy, clearErrors, showError, toast } from '../lib/dom.js';
import { group } from '../lib/format.js';
import { buildOrder, fieldForError, OrderInvalid } from '../lib/orderrules.js';

export class OrderForm {
  constructor({ market, panel, balances, loggedIn }) {
    this.market = market;
    this.panel = panel;
    this.form = $('#order-form', panel);
    this.balances = balances;
    this.side = 'buy';
    this.type = 'limit';
    this.lastPrice = null;
    this.priceTouched = false;
    for (const el of $$('.quote-unit', panel)) el.textContent = market.quoteCoin;
    const rate = (r) => `${trimZeros((Number(r) * 100).toFixed(4))}%`;
    $('#fee-rate', panel).textContent = `${rate(market.makerFeeRate)} / ${rate(market.takerFeeRate)}`;
    $('#submit-order', panel).hidden = !loggedIn;
    $('#login-to-trade', panel).hidden = loggedIn;
    $('#login-to-trade', panel).href = `/login?next=${encodeURIComponent(location.pathname)}`;
    this.bind();
    this.refresh();
    if (balances) balances.onChange(() => this.showAvailable());
  }

  bind() {
    for (const btn of $$('.side-btn', this.panel)) btn.addEventListener('click', () => { this.side = btn.dataset.side; this.refresh(); });
    for (const btn of $$('#order-types .tab', this.panel)) btn.addEventListener('click', () => { this.type = btn.dataset.type; this.refresh(); });
    const f = this.form.elements;
    f.price.addEventListener('input', () => { this.priceTouched = true; this.showTotal(); });
    f.size.addEventListener('input', () => { f.percent.value = 0; this.showTotal(); });
    f.percent.addEventListener('input', () => this.applyPercent(Number(f.percent.value)));
    for (const btn of $$('.ticks button', this.panel)) {
      btn.addEventListener('click', () => { f.percent.value = btn.dataset.pct; this.applyPercent(Number(btn.dataset.pct)); });
    }
    f.tpsl.addEventListener('change', () => { $('#tpsl-fields', this.panel).hidden = !f.tpsl.checked; });
    f.triggerMarket.addEventListener('change', () => this.refresh());
    this.form.addEventListener('submit', (event) => { event.preventDefault(); this.submit(); });
  }

  /** Show the fields of the current side and type (user-driven, so layout may change here). */
  refresh() {
    const { market, type, side } = this;
    const f = this.form.elements;
    for (const btn of $$('.side-btn', this.panel)) btn.classList.toggle('active', btn.dataset.side === side);
    for (const btn of $$('#order-types .tab', this.panel)) btn.classList.toggle('active', btn.dataset.type === type);
    const show = (name, visible) => { for (const el of $$(`[data-for="${name}"]`, this.panel)) el.hidden = !visible; };
    const triggerMarket = type === 'trigger' && f.triggerMarket.checked;
    show('trigger', type === 'trigger');
    show('price', type === 'limit' || (type === 'trigger' && !triggerMarket));
    show('postonly', type === 'limit');
    show('tpsl', type !== 'trigger');
    show('total', type === 'limit' || (type === 'trigger' && !triggerMarket));
    $('#tpsl-fields', this.panel).hidden = type === 'trigger' || !f.tpsl.checked;
    this.quoteSized = side === 'buy' && (type === 'market' || triggerMarket);
    $('#size-label', this.panel).textContent = this.quoteSized ? 'Total to spend' : 'Amount';
    $('#size-unit', this.panel).textContent = this.quoteSized ? market.quoteCoin : market.baseCoin;
    const submit = $('#submit-order', this.panel);
    submit.textContent = `${side === 'buy' ? 'Buy' : 'Sell'} ${market.baseCoin}`;
    submit.className = `btn block ${side}`;
    f.percent.value = 0;
    f.size.value = '';
    clearErrors(this.form);
    this.showAvailable();
    this.showTotal();
  }

  /** Fill the price from the book or the last trade (until the user types one). */
  setPrice(text, fromUser = false) {
    const f = this.form.elements;
    if (fromUser || !this.priceTouched || !f.price.value) {
      f.price.value = text;
      if (fromUser) this.priceTouched = true;
      this.showTotal();
    }
  }

  setLastPrice(text) {
    this.lastPrice = text;
    if (!this.priceTouched) this.setPrice(text);
  }

  spendCoin() {
    return this.side === 'buy' ? this.market.quoteCoin : this.market.baseCoin;
  }

  showAvailable() {
    const coin = this.spendCoin();
    const available = this.balances ? this.balances.available(coin) : null;
    $('#avbl', this.panel).textContent = available === null ? `-- ${coin}` : `${group(trimZeros(available))} ${coin}`;
  }

  showTotal() {
    const { price, size } = this.form.elements;
    const p = this.market.pricePrecision;
    const q = this.market.quantityPrecision;
    const el = $('#order-total', this.panel);
    if (!isDecimal(price.value) || !isDecimal(size.value) || this.quoteSized) {
      el.textContent = `-- ${this.market.quoteCoin}`;
      return;
    }
    const value = toUnits(price.value, p) * toUnits(size.value, q);
    el.textContent = `${group(trimZeros(fromUnits(value, p + q)))} ${this.market.quoteCoin}`;
  }

  /** Size for `pct` % of the available balance, cut to the lot (or the quote precision). */
  applyPercent(pct) {
    const f = this.form.elements;
    const available = this.balances && this.balances.available(this.spendCoin());
    if (!available || !isDecimal(available)) return;
    const scale = decimalsOf(available);
    const budget = (toUnits(available, scale) * BigInt(pct)) / 100n; // at `scale`
    const { pricePrecision: p, quantityPrecision: q, quotePrecision } = this.market;
    let text = '';
    if (this.quoteSized) {
      text = fromUnits(budget / 10n ** BigInt(Math.max(0, scale - quotePrecision)), Math.min(scale, quotePrecision));
    } else if (this.side === 'sell') {
      text = fromUnits(budget / 10n ** BigInt(Math.max(0, scale - q)) * 10n ** BigInt(Math.max(0, q - scale)), q);
    } else {
      if (!isDecimal(f.price.value) || toUnits(f.price.value, p) === 0n) return;
      // size = budget / price, in lots: budget·10^(p+q) / (price·10^scale)
      const size = (budget * 10n ** BigInt(p + q)) / (toUnits(f.price.value, p) * 10n ** BigInt(scale));
      text = fromUnits(size, q);
    }
    f.size.value = pct === 0 ? '' : trimZeros(text);
    this.showTotal();
  }

  values() {
    const f = this.form.elements;
    return {
      price: f.price.value, size: f.size.value, triggerPrice: f.triggerPrice.value,
      triggerMarket: f.triggerMarket.checked, postOnly: f.postOnly.checked, tpsl: f.tpsl.checked,
      presetTakeProfitPrice: f.presetTakeProfitPrice.value, presetStopLossPrice: f.presetStopLossPrice.value,
    };
  }

  async submit() {
    clearErrors(this.form);
    let request;
    try {
      request = buildOrder(this.values(), this.market, { side: this.side, type: this.type, lastPrice: this.lastPrice });
    } catch (error) {
      if (!(error instanceof OrderInvalid)) throw error;
      for (const e of error.errors) showError(this.form, e.field, e.message);
      return;
    }
    await busy($('#submit-order', this.panel), async () => {
      try {
        const sent = this.margin ? this.margin.transform(request) : request; // margin mode
        await privatePost(sent.path, sent.body);
        const what = this.type === 'trigger' ? 'Trigger order placed' : `${this.side === 'buy' ? 'Buy' : 'Sell'} order placed`;
        toast(what);
        this.form.elements.size.value = '';
        this.form.elements.percent.value = 0;
        this.showTotal();
      } catch (error) {
        showError(this.form, fieldForError(error.code, error.message, this.type), `${error.message} (${error.code})`);
      }
    });
  }
}

// Client-side order validation against the market's rules from /spot/public/symbols,
// then the exact request body for place-order / place-plan-order.  The server checks all
// of this again; checking first just lets the user fix a typo without a round trip.
// Balance is deliberately not checked here: the server's answer (43012) is shown instead.

import { compare, decimalsOf, isDecimal, stepText, toUnits, trimZeros } from './decimal.js';

export class OrderInvalid extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors; // [{field, message}]
  }
}

function readPrice(values, field, market, errors, label = 'Price') {
  const text = (values[field] || '').trim();
  const p = market.pricePrecision;
  if (!text) errors.push({ field, message: `Enter a ${label.toLowerCase()}` });
  else if (!isDecimal(text)) errors.push({ field, message: 'Enter a number' });
  else if (decimalsOf(trimZeros(text)) > p) errors.push({ field, message: `${label} must be a multiple of ${stepText(p)}` });
  else if (toUnits(text, p) === 0n) errors.push({ field, message: `${label} must be above 0` });
  else return trimZeros(text);
  return null;
}

function readSize(text, market, errors, isQuote) {
  text = (text || '').trim();
  const places = isQuote ? market.quotePrecision : market.quantityPrecision;
  const unit = isQuote ? market.quoteCoin : market.baseCoin;
  if (!text) errors.push({ field: 'size', message: isQuote ? 'Enter the amount to spend' : 'Enter an amount' });
  else if (!isDecimal(text)) errors.push({ field: 'size', message: 'Enter a number' });
  else if (decimalsOf(trimZeros(text)) > places) errors.push({ field: 'size', message: `Amount must be a multiple of ${stepText(places)} ${unit}` });
  else if (toUnits(text, places) === 0n) errors.push({ field: 'size', message: 'Amount must be above 0' });
  else if (!isQuote && compare(toUnits(text, places), places, toUnits(market.minTradeAmount, places), places) < 0) {
    errors.push({ field: 'size', message: `Minimum amount is ${trimZeros(market.minTradeAmount)} ${unit}` });
  } else if (!isQuote && compare(toUnits(text, places), places, toUnits(market.maxTradeAmount, places), places) > 0) {
    errors.push({ field: 'size', message: `Maximum amount is ${trimZeros(market.maxTradeAmount)} ${unit}` });
  } else return trimZeros(text);
  return null;
}

/** price × size ≥ minTradeUSDT (the minimum order value in the quote coin). */
function checkNotional(price, size, market, errors) {
  const p = market.pricePrecision;
  const q = market.quantityPrecision;
  const minText = market.minTradeUSDT || '0';
  const value = toUnits(price, p) * toUnits(size, q);
  if (compare(value, p + q, toUnits(minText, decimalsOf(minText)), decimalsOf(minText)) < 0) {
    errors.push({ field: 'size', message: `Order value must be at least ${trimZeros(minText)} ${market.quoteCoin}` });
  }
}

function checkQuoteMinimum(amount, market, errors) {
  const minText = market.minTradeUSDT || '0';
  const places = Math.max(decimalsOf(amount), decimalsOf(minText));
  if (compare(toUnits(amount, places), places, toUnits(minText, places), places) < 0) {
    errors.push({ field: 'size', message: `Spend at least ${trimZeros(minText)} ${market.quoteCoin}` });
  }
}

/** TP above and SL below the reference price for a buy; the reverse for a sell. */
function readTpSl(values, side, reference, market, errors, body) {
  const p = market.pricePrecision;
  const checks = [['presetTakeProfitPrice', 'Take-profit', side === 'buy' ? 1 : -1],
    ['presetStopLossPrice', 'Stop-loss', side === 'buy' ? -1 : 1]];
  let any = false;
  for (const [field, label, direction] of checks) {
    if (!(values[field] || '').trim()) continue;
    any = true;
    const price = readPrice(values, field, market, errors, `${label} price`);
    if (price === null) continue;
    if (reference && compare(toUnits(price, p), p, toUnits(reference, p), p) !== direction) {
      const where = direction > 0 ? 'above' : 'below';
      errors.push({ field, message: `${label} must be ${where} ${trimZeros(reference)} for a ${side}` });
      continue;
    }
    body[field] = price;
  }
  if (!any) errors.push({ field: 'presetTakeProfitPrice', message: 'Enter a take-profit or a stop-loss price' });
}

/**
 * @param values form values (strings / booleans)
 * @param ctx {side: 'buy'|'sell', type: 'limit'|'market'|'trigger', lastPrice: text|null}
 * @returns {{path: string, body: object}}
 */
export function buildOrder(values, market, ctx) {
  const errors = [];
  const { side, type } = ctx;
  const body = { symbol: market.symbol, side };
  let path = '/api/v2/spot/trade/place-order';
  if (type === 'trigger') {
    path = '/api/v2/spot/trade/place-plan-order';
    const trigger = readPrice(values, 'triggerPrice', market, errors, 'Trigger price');
    const atMarket = Boolean(values.triggerMarket);
    const price = atMarket ? null : readPrice(values, 'price', market, errors);
    const quoteSized = atMarket && side === 'buy';
    const size = readSize(values.size, market, errors, quoteSized);
    if (price && size && !quoteSized) checkNotional(price, size, market, errors);
    if (size && quoteSized) checkQuoteMinimum(size, market, errors);
    Object.assign(body, { orderType: atMarket ? 'market' : 'limit', triggerPrice: trigger, size, triggerType: 'fill_price', planType: quoteSized ? 'total' : 'amount' });
    if (price) { body.executePrice = price; body.force = 'gtc'; }
  } else if (type === 'market') {
    const quoteSized = side === 'buy'; // a market buy spends an amount of the quote coin
    const size = readSize(values.size, market, errors, quoteSized);
    if (size && quoteSized) checkQuoteMinimum(size, market, errors);
    Object.assign(body, { orderType: 'market', force: 'gtc', size });
    if (values.tpsl) readTpSl(values, side, ctx.lastPrice, market, errors, body);
  } else {
    const price = readPrice(values, 'price', market, errors);
    const size = readSize(values.size, market, errors, false);
    if (price && size) checkNotional(price, size, market, errors);
    Object.assign(body, { orderType: 'limit', force: values.postOnly ? 'post_only' : 'gtc', price, size });
    if (values.tpsl) readTpSl(values, side, price, market, errors, body);
  }
  if (errors.length) throw new OrderInvalid(errors);
  return { path, body };
}

const FIELD_NAMES = /\b(triggerPrice|executePrice|presetTakeProfitPrice|presetStopLossPrice|price|size)\b/;

/** Which form field an API error concerns: by Bitget code, else by the parameter it names. */
export function fieldForError(code, message, type) {
  const priceField = type === 'trigger' ? 'triggerPrice' : 'price';
  const table = {
    41103: 'price', 40706: 'price', 43011: priceField,
    40808: 'size', 45110: 'size', 45113: 'size', 40108: 'size', 43012: 'size',
  };
  if (table[code]) return table[code];
  const named = FIELD_NAMES.exec(message || '');
  if (!named) return null;
  return named[1] === 'executePrice' ? 'price' : named[1];
}

// Exact decimal arithmetic for prices, sizes and amounts.
// The API speaks decimal strings; order validation (tick, lot, minimum notional) and the
// percent-of-balance slider must be exact, so money is held as BigInt minor units with an
// explicit scale and never passes through a JavaScript float.

const PLAIN = /^(\d+(\.\d*)?|\.\d+)$/;

/** True for a plain non-negative decimal ("12", "0.5", ".5", "3."). */
export function isDecimal(text) {
  return typeof text === 'string' && PLAIN.test(text);
}

/** Number of digits after the decimal point (trailing zeros count: "1.50" -> 2). */
export function decimalsOf(text) {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** Decimal text -> BigInt units at `scale`; extra digits are cut (callers check decimalsOf first). */
export function toUnits(text, scale) {
  const [whole, frac = ''] = text.split('.');
  const digits = (whole || '0') + frac.slice(0, scale).padEnd(scale, '0');
  return BigInt(digits);
}

/** BigInt units at `scale` -> decimal text with exactly `scale` places. */
export function fromUnits(units, scale) {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  if (scale > 0) digits = digits.slice(0, -scale) + '.' + digits.slice(-scale);
  return (negative ? '-' : '') + digits;
}

/** Drop trailing zeros (and a trailing dot): "1.2300" -> "1.23", "5.000" -> "5". */
export function trimZeros(text) {
  if (!text.includes('.')) return text;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

/** Re-express units from one scale at another (truncating toward zero when narrowing). */
export function rescale(units, from, to) {
  if (to >= from) return units * 10n ** BigInt(to - from);
  return units / 10n ** BigInt(from - to);
}

/** Compare a@aScale with b@bScale: -1, 0 or 1. */
export function compare(a, aScale, b, bScale) {
  const scale = Math.max(aScale, bScale);
  const x = rescale(a, aScale, scale);
  const y = rescale(b, bScale, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The step 10^-places as text ("0.01" for 2, "1" for 0). */
export function stepText(places) {
  return places > 0 ? '0.' + '1'.padStart(places, '0') : '1';
}

/** Decimal text -> same value at `scale` places (for display alignment), cut not rounded. */
export function fixed(text, scale) {
  if (!isDecimal(text)) return text;
  return fromUnits(toUnits(text, scale), scale);
}

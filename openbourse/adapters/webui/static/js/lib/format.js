// Display formatting.  Amounts stay decimal strings (grouped digit by digit, never
// parsed into floats); only derived, display-only figures such as a compact volume or a
// percentage use Number.

/** "1234567.50" -> "1,234,567.50" (string-based: no precision is lost). */
export function group(text) {
  if (text === null || text === undefined || text === '') return '--';
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const [whole, frac] = body.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (negative ? '-' : '') + grouped + (frac !== undefined ? '.' + frac : '');
}

/** A price, or "--" when there is none yet (the WS ticker sends "0.00" before any trade). */
export function price(text) {
  return text === null || text === undefined || text === '' || Number(text) === 0 ? '--' : group(text);
}

/** A 24 h change ratio ("0.0123") as "+1.23%". */
export function pct(ratio) {
  if (ratio === null || ratio === undefined || ratio === '') return '--';
  const value = Number(ratio) * 100;
  return (value > 0 ? '+' : '') + value.toFixed(2) + '%';
}

export function trendClass(ratio) {
  const value = Number(ratio);
  return value > 0 ? 'up' : value < 0 ? 'down' : '';
}

/** Large display numbers: 1234567 -> "1.23M". */
export function compact(text) {
  const value = Number(text);
  if (!Number.isFinite(value)) return '--';
  const units = [[1e9, 'B'], [1e6, 'M'], [1e3, 'K']];
  for (const [size, suffix] of units) if (value >= size) return (value / size).toFixed(2) + suffix;
  return value.toLocaleString('en-US', { maximumSignificantDigits: 6 });
}

const two = (n) => String(n).padStart(2, '0');

/** Milliseconds -> "2026-11-26 18:40:12" in local time. */
export function dateTime(ms) {
  const d = new Date(Number(ms));
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function clock(ms) {
  const d = new Date(Number(ms));
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function titleCase(text) {
  return String(text || '').replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
}

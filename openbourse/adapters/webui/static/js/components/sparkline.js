// A tiny SVG line of recent closes (display only, so plain Numbers are fine here).

const NS = 'http://www.w3.org/2000/svg';
const WIDTH = 110;
const HEIGHT = 32;

export function createSparkline() {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'spark flat');
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS(NS, 'polyline');
  svg.append(line);
  return svg;
}

/** Draw `closes` (numbers, oldest first) into a sparkline. */
export function drawSparkline(svg, closes) {
  const line = svg.firstChild;
  if (closes.length < 2) {
    line.setAttribute('points', `0,${HEIGHT / 2} ${WIDTH},${HEIGHT / 2}`);
    svg.setAttribute('class', 'spark flat');
    return;
  }
  const low = Math.min(...closes);
  const high = Math.max(...closes);
  const span = high - low || 1;
  const step = WIDTH / (closes.length - 1);
  const points = closes.map((c, i) => `${(i * step).toFixed(1)},${(HEIGHT - 2 - ((c - low) / span) * (HEIGHT - 4)).toFixed(1)}`);
  line.setAttribute('points', points.join(' '));
  const trend = closes[closes.length - 1] - closes[0];
  svg.setAttribute('class', 'spark ' + (trend > 0 ? 'up' : trend < 0 ? 'down' : 'flat'));
}

// Candlesticks and volume (TradingView lightweight-charts 5, vendored).
// History comes from REST `candles`; the WebSocket `candle<tf>` channel then updates the
// last bar and appends new ones.  The library only accepts updates at or after the last
// bar, so older items (e.g. in a subscription snapshot) are skipped.

import { publicGet } from '../lib/api.js';

// UI interval -> [REST granularity, WS channel]
const INTERVALS = {
  '1m': ['1min', 'candle1m'],
  '5m': ['5min', 'candle5m'],
  '15m': ['15min', 'candle15m'],
  '1h': ['1h', 'candle1H'],
  '4h': ['4h', 'candle4H'],
  '1d': ['1day', 'candle1D'],
};
const UP = '#0ecb81';
const DOWN = '#f6465d';
// lightweight-charts draws UTC; shifting by the local offset shows the user's clock time.
const TZ_SHIFT_S = -new Date().getTimezoneOffset() * 60;

export class CandleChart {
  constructor({ market, feed, container, legend }) {
    const LWC = window.LightweightCharts;
    this.market = market;
    this.feed = feed;
    this.legend = legend;
    this.chart = LWC.createChart(container, {
      autoSize: true,
      layout: { background: { color: '#161a1f' }, textColor: '#848e9c', fontSize: 11 },
      grid: { vertLines: { color: '#1f242b' }, horzLines: { color: '#1f242b' } },
      rightPriceScale: { borderColor: '#2b3139' },
      timeScale: { borderColor: '#2b3139', timeVisible: true, secondsVisible: false },
      crosshair: { mode: LWC.CrosshairMode.Normal },
    });
    const minMove = 1 / 10 ** market.pricePrecision;
    this.candles = this.chart.addSeries(LWC.CandlestickSeries, {
      upColor: UP, downColor: DOWN, borderVisible: false, wickUpColor: UP, wickDownColor: DOWN,
      priceFormat: { type: 'price', precision: market.pricePrecision, minMove },
    });
    this.volume = this.chart.addSeries(LWC.HistogramSeries, { priceScaleId: 'volume', priceFormat: { type: 'volume' } });
    this.chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
    this.candles.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.22 } });
    this.lastTime = 0;
    this.unsubscribe = null;
    this.interval = null;
    this.chart.subscribeCrosshairMove((param) => this.showLegend(param));
  }

  bar(row) {
    const time = Math.floor(Number(row[0]) / 1000) + TZ_SHIFT_S;
    const [open, high, low, close, volume] = row.slice(1, 6).map(Number);
    return {
      candle: { time, open, high, low, close },
      volume: { time, value: volume, color: close >= open ? 'rgba(14,203,129,0.45)' : 'rgba(246,70,93,0.45)' },
    };
  }

  async setInterval(tf) {
    if (this.unsubscribe) this.unsubscribe();
    this.interval = tf;
    const [granularity, channel] = INTERVALS[tf];
    const rows = await publicGet(this.market.candlesPath || '/api/v2/spot/market/candles', { symbol: this.market.symbol, granularity, limit: 500, ...(this.market.candleParams || {}) });
    if (this.interval !== tf) return; // the user switched again meanwhile
    const bars = rows.map((r) => this.bar(r));
    this.candles.setData(bars.map((b) => b.candle));
    this.volume.setData(bars.map((b) => b.volume));
    this.lastTime = bars.length ? bars[bars.length - 1].candle.time : 0;
    this.last = rows[rows.length - 1] || null;
    this.showLegend(null);
    if (this.market.candleLive === false) return; // e.g. mark/index candles: REST only
    const arg = { instType: this.market.instType || 'SPOT', channel, instId: this.market.symbol };
    this.unsubscribe = this.feed.subscribe(arg, (action, data) => {
      if (this.interval === tf) for (const row of data) this.upsert(row);
    });
  }

  upsert(row) {
    const b = this.bar(row);
    if (b.candle.time < this.lastTime) return;
    this.candles.update(b.candle);
    this.volume.update(b.volume);
    this.lastTime = b.candle.time;
    this.last = row;
    this.showLegend(null);
  }

  showLegend(param) {
    let row = this.last;
    if (param && param.time !== undefined && param.seriesData) {
      const c = param.seriesData.get(this.candles);
      const v = param.seriesData.get(this.volume);
      if (c) row = [0, c.open, c.high, c.low, c.close, v ? v.value : 0];
    }
    if (!row) { this.legend.textContent = ''; return; }
    const p = this.market.pricePrecision;
    const f = (x) => Number(x).toFixed(p);
    this.legend.textContent = `O ${f(row[1])}  H ${f(row[2])}  L ${f(row[3])}  C ${f(row[4])}  V ${Number(row[5]).toFixed(this.market.quantityPrecision)}`;
  }
}

// Bitget v2 WebSocket client: the same protocol ccxt.pro speaks.
// * Keepalive: the text frame "ping" every 25 s; the server answers "pong".
// * Private login: sign = base64(HMAC(secret, ts_seconds + "GET" + "/user/verify")).
// * Pushes are {action, arg, data}; they are routed by (instType, channel, instId|coin).
// * On reconnect every subscription is sent again; the server answers with fresh
//   snapshots, and `onResync` listeners refetch what has no snapshot (orders, fills).

const PING_MS = 25000;
const AUTH_ERRORS = new Set([30004, 30005, 30011, 30012, 30015]);

function keyOf(arg) {
  return `${String(arg.instType).toUpperCase()}|${arg.channel}|${arg.instId || arg.coin || ''}`;
}

export class Feed {
  /**
   * @param {string} path "/v2/ws/public" or "/v2/ws/private"
   * @param {{auth?: object, onStatus?: (state: string) => void, onAuthLost?: () => void}} options
   */
  constructor(path, options = {}) {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.url = `${scheme}://${location.host}${path}`;
    this.auth = options.auth || null;
    this.onStatus = options.onStatus || (() => {});
    this.onAuthLost = options.onAuthLost || (() => {});
    this.subs = new Map(); // key -> {arg, handlers: Set}
    this.pendingArgs = [];
    this.resyncListeners = new Set();
    this.socket = null;
    this.ready = false;
    this.retryMs = 1000;
    this.connected = 0;
    this.closedByUs = false;
  }

  start() {
    this.closedByUs = false;
    this.open();
    return this;
  }

  stop() {
    this.closedByUs = true;
    if (this.socket) this.socket.close();
  }

  /** Register `handler(action, data, arg)` for `arg`; returns a function that unsubscribes. */
  subscribe(arg, handler) {
    const key = keyOf(arg);
    let entry = this.subs.get(key);
    if (!entry) {
      entry = { arg, handlers: new Set() };
      this.subs.set(key, entry);
      if (this.ready) this.queueSubscribe(arg);
    }
    entry.handlers.add(handler);
    return () => {
      entry.handlers.delete(handler);
      if (entry.handlers.size === 0 && this.subs.get(key) === entry) {
        this.subs.delete(key);
        if (this.ready) this.send({ op: 'unsubscribe', args: [arg] });
      }
    };
  }

  /** Subscriptions made in the same task go out as one frame: the server limits frames
   *  per second, and a page with many markets subscribes to all of them at once. */
  queueSubscribe(arg) {
    this.pendingArgs.push(arg);
    if (this.pendingArgs.length > 1) return;
    queueMicrotask(() => {
      const args = this.pendingArgs;
      this.pendingArgs = [];
      for (let i = 0; i < args.length; i += 50) this.send({ op: 'subscribe', args: args.slice(i, i + 50) });
    });
  }

  /** Drop and re-create one subscription (e.g. an order book whose checksum failed). */
  resubscribe(arg) {
    if (!this.ready) return;
    this.send({ op: 'unsubscribe', args: [arg] });
    this.send({ op: 'subscribe', args: [arg] });
  }

  onResync(listener) {
    this.resyncListeners.add(listener);
  }

  send(frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  open() {
    this.onStatus('connecting');
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => this.opened();
    socket.onmessage = (message) => this.received(message.data);
    socket.onclose = () => this.closed(socket);
    socket.onerror = () => {}; // onclose follows and reconnects
  }

  async opened() {
    if (this.auth) {
      const ts = String(Math.floor(this.auth.now() / 1000));
      const sign = await this.auth.sign(ts + 'GET' + '/user/verify');
      this.send({ op: 'login', args: [{ apiKey: this.auth.apiKey, passphrase: this.auth.passphrase, timestamp: ts, sign }] });
    } else {
      this.subscribed();
    }
    this.pinger = setInterval(() => {
      if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send('ping');
    }, PING_MS);
  }

  subscribed() {
    this.ready = true;
    this.retryMs = 1000;
    const args = [...this.subs.values()].map((entry) => entry.arg);
    for (let i = 0; i < args.length; i += 50) this.send({ op: 'subscribe', args: args.slice(i, i + 50) });
    this.onStatus('live');
    this.connected += 1;
    if (this.connected > 1) for (const listener of this.resyncListeners) this.resync(listener, 3);
  }

  /** Run a refetch; one that fails (the server is still coming up) is retried a few times. */
  resync(listener, attempts) {
    Promise.resolve().then(listener).catch(() => {
      if (attempts > 1) setTimeout(() => this.resync(listener, attempts - 1), 1000);
    });
  }

  received(text) {
    if (text === 'pong') return;
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (frame.event === 'login') {
      this.subscribed();
      return;
    }
    if (frame.event === 'error') {
      if (AUTH_ERRORS.has(Number(frame.code))) this.onAuthLost(frame);
      else this.onStatus('error');
      return;
    }
    if (!frame.arg || !frame.data) return;
    const entry = this.subs.get(keyOf(frame.arg));
    if (!entry) return;
    for (const handler of entry.handlers) handler(frame.action, frame.data, frame.arg);
  }

  closed(socket) {
    if (socket !== this.socket) return;
    clearInterval(this.pinger);
    this.ready = false;
    if (this.closedByUs) return;
    this.onStatus('down');
    setTimeout(() => this.open(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 10000);
  }
}

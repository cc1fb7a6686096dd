// A small HTTP/1.1 load generator over raw keep-alive sockets, for the hardening benchmark and the overload tests:
// closed loop (N connections back to back: the capacity) and paced open loop (requests sent on a fixed schedule,
// wrk2-style: latency counts from the time a request was due, so a server that stalls cannot hide its queue by
// slowing the client down). Requests are serialized once; answers are parsed only for status and content-length.
import { Buffer } from "node:buffer";
import net from "node:net";
import { setImmediate, setTimeout } from "node:timers";

/**
 * Serializes one request. `body` (a string) is sent as application/json.
 * @returns {Buffer}
 */
export function httpRequest(url, { method = "GET", path = "/", body, headers = {} } = {}) {
  const u = new URL(url);
  const lines = [`${method} ${path} HTTP/1.1`, `host: ${u.host}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (body !== undefined) lines.push("content-type: application/json", `content-length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n${body ?? ""}`);
}

/** One keep-alive connection: sends a request, calls back with the status when its answer is complete. */
class Conn {
  constructor(host, port, onAnswer, onError) {
    this.busy = false;
    this.open = false;
    this.buf = Buffer.alloc(0);
    this.pending = undefined;
    this.onAnswer = onAnswer;
    this.onError = onError;
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on("connect", () => {
      this.open = true;
      if (this.pending) this.socket.write(this.pending);
    });
    this.socket.on("data", (b) => this.data(b));
    this.socket.on("error", () => undefined);
    this.socket.on("close", () => {
      this.open = false;
      this.closed = true;
      if (this.busy) {
        this.busy = false;
        this.onError(this);
      }
    });
  }

  send(req, tag) {
    this.busy = true;
    this.tag = tag;
    if (this.open) this.socket.write(req);
    else this.pending = req;
  }

  data(b) {
    this.buf = this.buf.length === 0 ? b : Buffer.concat([this.buf, b]);
    for (;;) {
      const end = this.buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = this.buf.subarray(0, end).toString("latin1");
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const len = m ? Number(m[1]) : 0;
      if (this.buf.length < end + 4 + len) return;
      const status = Number(head.slice(9, 12));
      const close = /\r\nconnection:\s*close/i.test(head);
      this.buf = this.buf.subarray(end + 4 + len);
      // An answer with no request out (e.g. the server's 408 to a connection left idle past its header timeout).
      const solicited = this.busy;
      this.busy = false;
      this.pending = undefined;
      this.onAnswer(this, status, close, solicited);
      if (close) {
        this.closed = true;
        this.socket.destroy();
      }
    }
  }

  close() {
    this.socket.destroy();
  }
}

/**
 * Summary of a run: status counts, errors, latencies in ms (all answers, and the 2xx ones); `okSent`: 2xx
 * latencies counted from when the request was written (the server's share, without the client's own queue).
 */
function pct(xs, p) {
  if (xs.length === 0) return null;
  const s = Float64Array.from(xs).sort();
  return Number(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)].toFixed(2));
}

function summary(statuses, errors, all, ok, seconds, extra = {}, okSent = ok) {
  const answered = all.length;
  return {
    answered,
    errors,
    statusCodes: Object.fromEntries([...statuses.entries()].sort((a, b) => a[0] - b[0])),
    okPerSecond: Math.round(ok.length / seconds),
    answeredPerSecond: Math.round(answered / seconds),
    p50Ms: pct(all, 50),
    p99Ms: pct(all, 99),
    okP50Ms: pct(ok, 50),
    okP99Ms: pct(ok, 99),
    okMaxMs: pct(ok, 100),
    okP99FromSendMs: pct(okSent, 99),
    seconds: Number(seconds.toFixed(2)),
    ...extra,
  };
}

/**
 * Closed loop: `connections` keep-alive connections each send the next request as soon as the last is answered,
 * for `seconds`. `next(i)` gives the i-th request (a Buffer from {@link httpRequest}).
 */
export function closedLoop(url, { connections = 16, seconds = 5, next }) {
  const { hostname: host, port } = new URL(url);
  return new Promise((resolve) => {
    const statuses = new Map();
    const all = [];
    const ok = [];
    let errors = 0;
    let i = 0;
    let stop = false;
    const t0 = performance.now();
    const conns = new Set();
    const fire = (c) => {
      c.t = performance.now();
      c.send(next(i++));
    };
    const onAnswer = (c, status, close, solicited) => {
      if (!solicited) return;
      const ms = performance.now() - c.t;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      all.push(ms);
      if (status >= 200 && status < 300) ok.push(ms);
      if (stop) return;
      if (close) replace(c);
      else fire(c);
    };
    const onError = (c) => {
      errors++;
      if (!stop) replace(c);
    };
    const replace = (c) => {
      conns.delete(c);
      const n = new Conn(host, Number(port), onAnswer, onError);
      conns.add(n);
      fire(n);
    };
    for (let k = 0; k < connections; k++) replace({});
    setTimeout(() => {
      stop = true;
      const secs = (performance.now() - t0) / 1000;
      for (const c of conns) c.close();
      resolve(summary(statuses, errors, all, ok, secs, { connections }));
    }, seconds * 1000);
  });
}

/**
 * Paced open loop, wrk2-style: request k is due at start + k / rate, whatever the server does. `connections`
 * keep-alive connections are opened before the clock starts, and no more (one the server closes is replaced); a
 * due request goes out on an idle one or waits in the client's queue, and its latency counts from when it was due.
 * (Opening a connection per waiting request instead would flood a busy server's accept queue, and the kernel's SYN
 * retries, not the server, would set the latency.) `spin`: pace with setImmediate (exact, but it uses a whole
 * core: pin the generator with taskset) instead of a 1 ms timer.
 */
export async function paced(url, { rate, seconds = 5, connections = 256, next, spin = false }) {
  const { hostname: host, port } = new URL(url);
  const statuses = new Map();
  const all = [];
  const ok = [];
  const okSent = [];
  // How long each 2xx request waited on the client before it was written (no idle connection, or the generator's
  // own loop late): from-schedule latency = this wait + the from-send latency.
  const okWait = [];
  let errors = 0;
  let unsolicited = 0;
  let sent = 0;
  let queuedMax = 0;
  let opened = 0;
  const idle = [];
  const conns = new Set();
  const backlog = [];
  const total = Math.round(rate * seconds);
  let t0 = 0;
  let done = false;
  let resolveRun;
  const result = new Promise((r) => (resolveRun = r));
  const finish = () => {
    if (done) return;
    done = true;
    const secs = (performance.now() - t0) / 1000;
    for (const c of conns) c.close();
    resolveRun(summary(statuses, errors, all, ok, Math.max(secs, seconds), { offeredRate: rate, sent, connections, connectionsOpened: opened, clientQueueMax: queuedMax, okClientWaitP99Ms: pct(okWait, 99), unsolicited }, okSent));
  };
  const dispatch = (c, due) => {
    c.due = due;
    c.sentAt = performance.now();
    c.send(next(sent++));
  };
  const freed = (c) => {
    if (done) return;
    if (backlog.length > 0) dispatch(c, backlog.shift());
    else idle.push(c);
  };
  const open = () =>
    new Promise((resolve) => {
      opened++;
      const c = new Conn(host, Number(port), onAnswer, onError);
      conns.add(c);
      c.socket.once("connect", () => {
        freed(c);
        resolve();
      });
      c.socket.once("close", () => {
        conns.delete(c);
        const i = idle.indexOf(c);
        if (i >= 0) idle.splice(i, 1);
        if (!done) void open();
        resolve();
      });
    });
  const settled = () => all.length + errors >= total;
  function onAnswer(c, status, close, solicited) {
    if (!solicited) {
      unsolicited++;
      return;
    }
    const now = performance.now();
    const ms = now - c.due;
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    all.push(ms);
    if (status >= 200 && status < 300) {
      ok.push(ms);
      okSent.push(now - c.sentAt);
      okWait.push(c.sentAt - c.due);
    }
    if (settled()) return finish();
    if (!close) freed(c);
  }
  function onError() {
    errors++;
    if (settled()) finish();
  }
  await Promise.all(Array.from({ length: connections }, open));
  t0 = performance.now();
  let k = 0;
  const tick = () => {
    if (done) return;
    const now = performance.now();
    while (k < total && t0 + (k * 1000) / rate <= now) {
      const due = t0 + (k * 1000) / rate;
      k++;
      // The longest idle connection first: every connection stays in use (none idles past the server's timeout).
      const c = idle.shift();
      if (c) dispatch(c, due);
      else {
        backlog.push(due);
        if (backlog.length > queuedMax) queuedMax = backlog.length;
      }
    }
    if (k < total) {
      if (spin) setImmediate(tick);
      else setTimeout(tick, 1);
    }
  };
  tick();
  // Whatever is unanswered 10 s after the last request was due counts as an error.
  setTimeout(() => {
    errors = total - all.length;
    finish();
  }, seconds * 1000 + 10_000).unref();
  return result;
}

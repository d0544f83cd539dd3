#!/usr/bin/env node
// The load client of `policybot bench-web`, in its own process so that it does not take CPU from the
// server's event loop: open-loop POST /api/chat at `rate` requests/s over `conversations` conversations
// for `seconds` s (each conversation waits for its previous reply), checking that every reply belongs to
// its conversation. Argument: one JSON object { url, rate, seconds, conversations, questions, warmup }.
// Conversation k sends questions[(k·stride + m) mod n] as its m-th message (stride = n / conversations),
// so the conversations ask different questions at the same moment and multi-turn scripts play in order.
// Prints one JSON object: { latencies, ok, errors, crossWired, attempted, scheduled, durationMs,
// warmup, cpuMs, problems } (cpuMs: this process's CPU time during the measured phase; problems: the
// first failures and mismatches).
import { connect } from 'node:net';

const opts = JSON.parse(process.argv[2]);
const url = new URL(opts.url);

/*
 * A minimal HTTP/1.1 keep-alive client over node:net: one socket per conversation (a conversation has at
 * most one request in flight), the request written as one buffer, the response parsed by hand
 * (status line, Content-Length or chunked body, Connection: close). The server sees the same bytes as
 * from node:http; the client spends a fraction of node:http's CPU per request (ClientRequest,
 * IncomingMessage, the agent's socket bookkeeping), and its CPU counts against the server's on 2 cores.
 */
const HEAD_END = Buffer.from('\r\n\r\n');
const requestHead = (length) =>
  `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nConnection: keep-alive\r\n\r\n`;

/** One keep-alive connection; `post` sends a request and resolves with the reply ({ status, json }). */
class Connection {
  constructor() {
    this.socket = undefined;
    this.buf = Buffer.alloc(0);
    this.waiting = undefined; // { resolve, reject, timer }
  }

  open() {
    const socket = connect({ host: url.hostname, port: Number(url.port) || 80, noDelay: true });
    socket.on('data', (chunk) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.parse();
    });
    const fail = (err) => {
      if (this.socket === socket) this.socket = undefined;
      this.buf = Buffer.alloc(0);
      this.settle(undefined, err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
    this.socket = socket;
    return socket;
  }

  settle(value, err) {
    const w = this.waiting;
    if (!w) return;
    this.waiting = undefined;
    clearTimeout(w.timer);
    if (err) w.reject(err);
    else w.resolve(value);
  }

  /** Parses one complete response from the buffer, if there is one. */
  parse() {
    const headEnd = this.buf.indexOf(HEAD_END);
    if (headEnd < 0) return;
    const head = this.buf.toString('latin1', 0, headEnd);
    const status = Number(head.slice(9, 12));
    const lower = head.toLowerCase();
    const bodyStart = headEnd + 4;
    let body;
    let end;
    const cl = /\r\ncontent-length: *(\d+)/.exec(lower);
    if (cl) {
      end = bodyStart + Number(cl[1]);
      if (this.buf.length < end) return;
      body = this.buf.subarray(bodyStart, end);
    } else if (/\r\ntransfer-encoding: *chunked/.test(lower)) {
      const parts = [];
      let p = bodyStart;
      for (;;) {
        const nl = this.buf.indexOf('\r\n', p, 'latin1');
        if (nl < 0) return;
        const size = Number.parseInt(this.buf.toString('latin1', p, nl), 16);
        if (this.buf.length < nl + 2 + size + 2) return;
        if (size === 0) {
          end = nl + 4;
          break;
        }
        parts.push(this.buf.subarray(nl + 2, nl + 2 + size));
        p = nl + 2 + size + 2;
      }
      body = Buffer.concat(parts);
    } else {
      this.settle(undefined, new Error(`response without a length: ${head.split('\r\n')[0]}`));
      this.socket?.destroy();
      return;
    }
    const rest = this.buf.subarray(end);
    this.buf = rest.length ? Buffer.from(rest) : Buffer.alloc(0);
    if (/\r\nconnection: *close/.test(lower)) {
      const s = this.socket;
      this.socket = undefined;
      s?.end();
    }
    let json;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (err) {
      this.settle(undefined, err);
      return;
    }
    this.settle({ status, json });
  }

  post(body, timeoutMs) {
    return new Promise((resolve, reject) => {
      if (this.waiting) return reject(new Error('one request at a time per connection'));
      const data = Buffer.from(JSON.stringify(body));
      const socket = this.socket ?? this.open();
      const timer = setTimeout(() => {
        this.settle(undefined, new Error('timeout'));
        if (this.socket === socket) this.socket = undefined;
        socket.destroy();
      }, timeoutMs);
      this.waiting = { resolve, reject, timer };
      socket.write(Buffer.concat([Buffer.from(requestHead(data.length), 'latin1'), data]));
    });
  }

  close() {
    this.socket?.destroy();
    this.socket = undefined;
  }
}

const connections = [];

// warm-up (not measured): JIT, SQLite statements, index caches
const warmup = opts.warmup ?? 0;
const warmupConnection = new Connection();
connections.push(warmupConnection);
for (let i = 0; i < warmup; i++) await warmupConnection.post({ text: opts.questions[i % opts.questions.length] }, 10_000);

const total = Math.round(opts.rate * opts.seconds);
const n = opts.questions.length;
const stride = Math.max(1, Math.floor(n / opts.conversations));
const convs = Array.from({ length: opts.conversations }, () => ({
  id: undefined,
  turns: 0,
  failures: 0,
  history: [],
  busy: Promise.resolve(),
  connection: new Connection(),
}));
for (const c of convs) connections.push(c.connection);
const seenIds = new Set();
const latencies = [];
let ok = 0;
let errors = 0;
let crossWired = 0;
let attempted = 0;
/** The first few failures and mismatches, for the bench to print. */
const problems = [];
const note = (p) => {
  if (problems.length < 10) problems.push(p);
};
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const deadline = t0 + (opts.seconds + 10) * 1000;
let lastDone = t0;
const pending = [];
for (let j = 0; j < total; j++) {
  const wait = t0 + (j * 1000) / opts.rate - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  if (performance.now() > deadline) break;
  const k = j % convs.length;
  const conv = convs[k];
  const text = opts.questions[(k * stride + Math.floor(j / convs.length)) % n];
  const job = conv.busy.then(async () => {
    if (performance.now() > deadline) return;
    const start = performance.now();
    try {
      attempted++;
      const res = await conv.connection.post(conv.id ? { conversationId: conv.id, text } : { text }, 10_000);
      const end = performance.now();
      if (res.status !== 200) {
        note({ conversation: k, status: res.status, error: res.json?.error });
        errors++;
        conv.failures++;
        return;
      }
      latencies.push(end - start);
      lastDone = end;
      ok++;
      const body = res.json;
      conv.history.push(`${j}:${body.turn}@${Math.round(start - t0)}+${Math.round(end - start)}`);
      // A reply belongs to its conversation: the same id (a new conversation: an id no other one got),
      // its own question, and the next turn number. A request of this conversation that failed on the
      // client (timed out) may still be handled by the server, even after later ones: each such failure
      // may account for one skipped turn number, once.
      const skipped = typeof body.turn === 'number' ? body.turn - conv.turns - 1 : -1;
      const turnOk = skipped >= 0 && skipped <= conv.failures;
      if (turnOk) conv.failures -= skipped;
      const idOk = conv.id ? body.conversationId === conv.id : typeof body.conversationId === 'string' && !seenIds.has(body.conversationId);
      if (!idOk || body.question !== text || !turnOk) {
        crossWired++;
        note({
          conversation: k,
          idOk,
          questionOk: body.question === text,
          turn: body.turn,
          lastTurn: conv.turns,
          failures: conv.failures,
          history: conv.history.slice(-4),
        });
      }
      conv.turns = body.turn ?? conv.turns;
      if (!conv.id && typeof body.conversationId === 'string') {
        conv.id = body.conversationId;
        seenIds.add(conv.id);
      }
    } catch (err) {
      note({ conversation: k, error: err.message });
      conv.history.push(`${j}:${err.message}@${Math.round(start - t0)}+${Math.round(performance.now() - start)}`);
      errors++;
      conv.failures++;
    }
  });
  conv.busy = job;
  pending.push(job);
}
await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, Math.max(0, deadline - performance.now())).unref())]);
const cpu = process.cpuUsage(cpu0);
for (const c of connections) c.close();
process.stdout.write(
  JSON.stringify({
    latencies,
    ok,
    errors,
    crossWired,
    attempted,
    scheduled: pending.length,
    durationMs: lastDone - t0,
    warmup,
    cpuMs: (cpu.user + cpu.system) / 1000,
    problems,
  }) + '\n',
);
process.exit(0);

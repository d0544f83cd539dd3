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
import { Agent, request } from 'node:http';

const opts = JSON.parse(process.argv[2]);
const url = new URL(opts.url);
const agent = new Agent({ keepAlive: true, maxSockets: opts.conversations });

function postJson(body, timeoutMs) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length }, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (err) {
            reject(err);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(data);
  });
}

// warm-up (not measured): JIT, SQLite statements, index caches
const warmup = opts.warmup ?? 0;
for (let i = 0; i < warmup; i++) await postJson({ text: opts.questions[i % opts.questions.length] }, 10_000);

const total = Math.round(opts.rate * opts.seconds);
const n = opts.questions.length;
const stride = Math.max(1, Math.floor(n / opts.conversations));
const convs = Array.from({ length: opts.conversations }, () => ({
  id: undefined,
  turns: 0,
  failures: 0,
  history: [],
  busy: Promise.resolve(),
}));
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
      const res = await postJson(conv.id ? { conversationId: conv.id, text } : { text }, 10_000);
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
agent.destroy();
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

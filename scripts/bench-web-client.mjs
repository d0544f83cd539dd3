#!/usr/bin/env node
// The load client of `policybot bench-web`, in its own process so that it does not take CPU from the
// server's event loop: open-loop POST /api/chat at `rate` requests/s over `conversations` conversations
// for `seconds` s (each conversation waits for its previous reply), checking that every reply belongs to
// its conversation. Argument: one JSON object { url, rate, seconds, conversations, questions }.
// Prints one JSON object: { latencies, ok, errors, crossWired, attempted, scheduled, durationMs }.
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
for (let i = 0; i < 3; i++) for (const q of opts.questions) await postJson({ text: q }, 10_000);

const total = Math.round(opts.rate * opts.seconds);
const convs = Array.from({ length: opts.conversations }, () => ({ id: undefined, turns: 0, busy: Promise.resolve() }));
const latencies = [];
let ok = 0;
let errors = 0;
let crossWired = 0;
let attempted = 0;
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
  const text = `${opts.questions[Math.floor(j / convs.length) % opts.questions.length]} #c${k}-${j}`;
  const job = conv.busy.then(async () => {
    if (performance.now() > deadline) return;
    const start = performance.now();
    try {
      attempted++;
      const res = await postJson(conv.id ? { conversationId: conv.id, text } : { text }, 10_000);
      const end = performance.now();
      if (res.status !== 200) {
        errors++;
        return;
      }
      latencies.push(end - start);
      lastDone = end;
      ok++;
      const body = res.json;
      // a reply belongs to its conversation: same id, its own question, a later turn than the last one seen
      // (a request that timed out on the client may still have been answered, so turns may skip)
      if (
        (conv.id && body.conversationId !== conv.id) ||
        body.question !== text ||
        !(typeof body.turn === 'number' && body.turn > conv.turns)
      )
        crossWired++;
      conv.turns = body.turn ?? conv.turns;
      conv.id ??= body.conversationId;
    } catch {
      errors++;
    }
  });
  conv.busy = job;
  pending.push(job);
}
await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, Math.max(0, deadline - performance.now())).unref())]);
agent.destroy();
process.stdout.write(
  JSON.stringify({ latencies, ok, errors, crossWired, attempted, scheduled: pending.length, durationMs: lastDone - t0 }) + '\n',
);
process.exit(0);

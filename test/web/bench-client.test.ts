/**
 * The load client of `policybot bench-web` (scripts/bench-web-client.mjs) speaks HTTP/1.1 by hand: it
 * must read replies with a Content-Length and chunked ones, reconnect after `Connection: close`, and
 * still catch a reply that belongs to another conversation. Against a small node:http server on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../bot/config.ts';

interface ClientResult {
  ok: number;
  errors: number;
  crossWired: number;
  attempted: number;
  scheduled: number;
  latencies: number[];
  problems: unknown[];
}

let server: Server;
let url = '';
let answered = 0;
let connections = 0;
/** When set, the server answers conversation turns 2+ with another conversation's id (a cross-wired reply). */
let crossWire = false;
const turns = new Map<string, number>();

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { conversationId?: string; text: string };
      const id = body.conversationId ?? randomBytes(9).toString('base64url');
      const turn = (turns.get(id) ?? 0) + 1;
      turns.set(id, turn);
      const n = ++answered;
      const reply = JSON.stringify({
        conversationId: crossWire && turn > 1 ? `x${id}` : id,
        question: body.text,
        turn,
        answer: '符合条件：…'.repeat(n % 3 === 0 ? 400 : 1), // some replies span several TCP reads
      });
      if (n % 7 === 0) res.setHeader('Connection', 'close');
      if (n % 2 === 0) {
        // chunked: no Content-Length, two writes
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write(reply.slice(0, 10));
        res.end(reply.slice(10));
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(reply) });
        res.end(reply);
      }
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/chat`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function runClient(): Promise<ClientResult> {
  const args = { url, rate: 120, seconds: 1, conversations: 6, questions: ['海归落户', '是全职', '六个月了', 'hello <b>'], warmup: 3 };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'scripts', 'bench-web-client.mjs'), JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as ClientResult) : reject(new Error(`client exited with ${code}`))));
  });
}

test('bench client: Content-Length and chunked replies, reconnects after Connection: close, no mismatch', async () => {
  crossWire = false;
  const r = await runClient();
  assert.equal(r.scheduled, 120);
  assert.equal(r.attempted, 120);
  assert.deepEqual(r.problems, []);
  assert.equal(r.errors, 0);
  assert.equal(r.crossWired, 0);
  assert.equal(r.ok, 120);
  assert.equal(r.latencies.length, 120);
  // 7 conversations' sockets (6 + the warm-up's) plus one new socket per `Connection: close` (every 7th reply)
  assert.ok(connections >= 7 + Math.floor(123 / 7) - 1, `connections: ${connections}`);
});

test('bench client: a reply with another conversation id counts as cross-wired', async () => {
  crossWire = true;
  const r = await runClient();
  assert.equal(r.errors, 0);
  assert.ok(r.crossWired >= 100, `cross-wired: ${r.crossWired}`);
});

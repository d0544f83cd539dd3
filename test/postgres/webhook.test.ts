/**
 * Two real `policybot serve --webhook` instances on one PostgreSQL database behind an imaginary load
 * balancer: the secret token is checked, /healthz answers, an update redelivered to the OTHER
 * instance is answered once (update log shared in PostgreSQL), a subscription made through one is
 * seen by all, a corpus version committed in the database makes the instances reload their index,
 * and SIGTERM drains and exits 0. The Bot API is a tiny loopback fake that records sendMessage.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openPgBroadcastStore } from '../../bot/broadcast/outbox-postgres.ts';
import { buildSnapshot } from '../../bot/broadcast/snapshot.ts';
import { createPgPool } from '../../bot/store/postgres.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { freePort } from '../../tools/free-port.ts';
import { seededDataDir } from '../helpers/data.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOKEN = '880001:PG-WEBHOOK-TEST';
const SECRET = 'Hook_Secret-1';
const pgs = await usePostgres();

async function fakeBotApi(): Promise<{ server: Server; root: string; sent: { method: string; body: Record<string, unknown> }[] }> {
  const sent: { method: string; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = (req.url ?? '').split('/').pop()!;
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = (raw.startsWith('{') ? JSON.parse(raw) : {}) as Record<string, unknown>;
      sent.push({ method, body });
      res.setHeader('content-type', 'application/json');
      const result =
        method === 'getMe'
          ? { id: 880001, is_bot: true, first_name: 'PgTest', username: 'PgTestBot' }
          : method === 'sendMessage'
            ? { message_id: sent.length, date: 1, chat: { id: body.chat_id, type: 'private' }, text: body.text }
            : true;
      res.end(JSON.stringify({ ok: true, result }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, root: `http://127.0.0.1:${(server.address() as { port: number }).port}`, sent };
}

function serve(env: Record<string, string>): { child: ChildProcess; log: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'policybot.mjs'), 'serve', '--webhook'], {
    cwd: env.DATA_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, log: () => err, exited: new Promise((r) => child.once('exit', (c) => r(c))) };
}

async function until(what: string, ok: () => boolean, ms = 45_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function update(id: number, text: string) {
  const cmd = text.startsWith('/') ? [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] : undefined;
  return {
    update_id: id,
    message: {
      message_id: id,
      date: Math.floor(Date.now() / 1000),
      chat: { id: 7, type: 'private', first_name: 'A' },
      from: { id: 7, is_bot: false, first_name: 'A' },
      text,
      ...(cmd ? { entities: cmd } : {}),
    },
  };
}

async function post(port: number, body: unknown, secret = SECRET): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/tg/hook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
    body: JSON.stringify(body),
  });
  await r.arrayBuffer();
  return r.status;
}

test(
  'two webhook instances on one PostgreSQL: secret, health, cross-instance de-duplication, shared subscriptions, corpus reload, SIGTERM',
  { skip: pgs.skip, timeout: 120_000 },
  async () => {
    const url = await pgs.freshDatabase('hook');
    const api = await fakeBotApi();
    const dataDir = await seededDataDir('policybot-pghook-');
    const [portA, portB] = [await freePort(), await freePort()];
    const env = (port: number) => ({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: api.root,
      DATABASE_URL: url,
      DATA_DIR: dataDir,
      WEBHOOK_URL: 'https://bot.example.com/tg/hook',
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_PORT: String(port),
      DATABASE_POLL_SECONDS: '0.2',
      LOG_LEVEL: 'info',
      AS_OF: '2024-06-01',
      RATE_LIMIT_PER_MINUTE: '0',
    });
    // Both start at once, like instances behind a load balancer (migrations run under an advisory
    // lock); they share DATA_DIR, which already holds the index.
    const a = serve(env(portA));
    const b = serve(env(portB));
    const pool = createPgPool(url, { max: 2 });
    try {
      await Promise.all([
        until('instance A', () => / serving \{/.test(a.log()) || a.child.exitCode !== null),
        until('instance B', () => / serving \{/.test(b.log()) || b.child.exitCode !== null),
      ]);
      assert.match(a.log(), /"store":"postgres"/, a.log());
      assert.match(b.log(), /"store":"postgres"/, b.log());

      for (const port of [portA, portB]) assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
      assert.equal(await post(portA, update(501, '/help'), 'wrong-secret'), 401, 'a wrong secret token is refused');
      const answers = () => api.sent.filter((s) => s.method === 'sendMessage' && Number(s.body.chat_id) === 7).length;
      assert.equal(answers(), 0);

      assert.equal(await post(portA, update(502, '/help')), 200);
      const afterA = answers();
      assert.ok(afterA >= 1, 'instance A answered');
      // Telegram redelivers the same update; the load balancer sends it to B: B skips it.
      assert.equal(await post(portB, update(502, '/help')), 200);
      assert.equal(answers(), afterA, 'the redelivered update is not answered twice');

      assert.equal(await post(portB, update(503, '/subscribe')), 200);
      const { rows } = await pool.query<{ chat_id: string; active: boolean }>('SELECT chat_id, active FROM subscribers');
      assert.deepEqual(
        rows.map((r) => [Number(r.chat_id), r.active]),
        [[7, true]],
        'the subscription made through B is in the shared store',
      );

      // Another instance committed a new corpus version: both notice and reload their index.
      const bstore = await openPgBroadcastStore(pool);
      const prev = await bstore.loadSnapshot();
      await bstore.commit({
        expectedVersion: prev?.version ?? 0,
        snapshot: buildSnapshot(
          { documents: [{ id: 'x', hash: 'new', title: 't', issuer: 'i', date: '2024-01-01', level: 'municipal' }], chunks: [] },
          (prev?.version ?? 0) + 1,
        ),
        messages: [],
      });
      await until(
        'both instances reload',
        () => a.log().includes('reloading the index') && b.log().includes('reloading the index'),
        30_000,
      );

      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      assert.equal(await a.exited, 0);
      assert.equal(await b.exited, 0);
      assert.ok(!a.log().includes(TOKEN.split(':')[1]!), 'the token never appears in logs');
    } finally {
      for (const p of [a, b]) if (p && p.child.exitCode === null) p.child.kill('SIGKILL');
      await Promise.all([a.exited, b.exited]);
      await pool.end();
      api.server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);

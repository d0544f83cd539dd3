/**
 * Forgetting is real: after /forget, and after a session expired and was swept, none of the facts a
 * person stated can be read back from the SQLite files (main database and -wal), byte for byte.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, test } from 'node:test';
import { makeHarness, privateText } from '../telegram/harness.ts';

const FACTS = ['帝国理工', 'QS第60名', '年薪45万'];
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The facts found in the raw bytes of the database file and its -wal file. */
function factsOnDisk(file: string): string[] {
  const found: string[] = [];
  for (const f of [file, `${file}-wal`]) {
    if (!existsSync(f)) continue;
    const bytes = readFileSync(f);
    for (const fact of FACTS) if (bytes.includes(Buffer.from(fact, 'utf8')) && !found.includes(fact)) found.push(fact);
  }
  return found;
}

async function tellFacts(h: ReturnType<typeof makeHarness>, userId: number) {
  await h.send(privateText(userId, `我毕业于帝国理工，QS第60名，现在年薪45万，能落户吗`));
  await h.send(privateText(userId, '社保缴了8个月'));
  // what the real assistant keeps: the facts in the conversation state
  const s = h.store.sessions<Record<string, unknown>>();
  const cur = (await s.read(`u${userId}`)) ?? {};
  await s.write(`u${userId}`, {
    ...cur,
    conv: {
      facts: { school: '帝国理工', ranking: 'QS第60名', salary: '年薪45万' },
      openQuestion: null,
      ruleId: null,
      updatedAt: Date.now(),
    },
  });
}

test('after /forget, none of the stated facts is left in policybot.sqlite or its -wal file', async () => {
  const h = makeHarness();
  dirs.push(dirname(h.store.file));
  await tellFacts(h, 8);
  assert.deepEqual(factsOnDisk(h.store.file).sort(), [...FACTS].sort(), 'the facts are on disk before /forget (the check can fail)');
  await h.send(privateText(8, '/forget'));
  assert.equal(await h.store.sessions().read('u8'), undefined);
  assert.deepEqual(factsOnDisk(h.store.file), []);
  // and the bot keeps working on the same files
  await h.send(privateText(9, '宝山 落户'));
  assert.deepEqual(factsOnDisk(h.store.file), []);
  await h.store.close();
  assert.deepEqual(factsOnDisk(h.store.file), []);
});

test('an idle session is deleted by the sweep after SESSION_IDLE_MINUTES, and its facts leave the files', async () => {
  const h = makeHarness();
  dirs.push(dirname(h.store.file));
  await tellFacts(h, 18);
  const idleMs = 30 * 60_000;
  const t0 = Date.now();
  assert.equal(await h.store.sweepSessions(idleMs, t0 + idleMs / 2), 0, 'not idle long enough yet');
  assert.ok(factsOnDisk(h.store.file).length > 0);
  assert.equal(await h.store.sweepSessions(idleMs, t0 + idleMs + 60_000), 1);
  assert.equal(await h.store.sessions().read('u18'), undefined);
  assert.deepEqual(factsOnDisk(h.store.file), []);
  await h.store.close();
});

test('the running bot sweeps idle sessions periodically (startBot sessionSweep)', async () => {
  const h = makeHarness();
  dirs.push(dirname(h.store.file));
  await tellFacts(h, 28);
  h.tg.overrides.set('getUpdates', async () => {
    await new Promise((r) => setTimeout(r, 20));
    return { ok: true, result: [] };
  });
  const { startBot } = await import('../../bot/telegram/runner.ts');
  const running = await startBot(h.bot, {
    mode: 'polling',
    logger: h.deps.logger,
    store: h.store,
    skipCommands: true,
    sessionSweep: { idleMs: 150, everyMs: 50 },
  });
  const end = Date.now() + 3000;
  while ((await h.store.sessions().read('u28')) !== undefined && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  await running.stop();
  assert.equal(await h.store.sessions().read('u28'), undefined, 'swept while the bot runs');
  assert.ok(h.logs.some((l) => l.includes('idle sessions deleted')));
  assert.deepEqual(factsOnDisk(h.store.file), []);
  await h.store.close();
});

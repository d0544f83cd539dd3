import assert from 'node:assert/strict';
import { readFileSync, rmSync, unlinkSync, writeFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runBroadcast, type BroadcastDeps } from '../../bot/broadcast/run.ts';
import { OutboxSender } from '../../bot/broadcast/sender.ts';
import { fakeClock, openStores, tempCorpus } from './helpers.ts';

const NEW_BAOSHAN_DOC = `---
title: "宝山区关于支持青年科技人才创新创业的若干措施"
doc_number: "宝人社〔2024〕7号"
issuer: "宝山区人力资源和社会保障局"
date: 2024-03-01
level: district
district: "宝山"
---
为吸引青年科技人才来宝山创新创业，制定以下措施。
一、青年科技人才首次在本区创办企业的，给予一次性开办补贴。
二、对入驻区级孵化载体的青年团队，给予场地租金减免。
`;

function setup() {
  const t = tempCorpus();
  const clock = fakeClock();
  const { store, bstore } = openStores(join(t.dir, 'db.sqlite'), clock.now);
  const sent: { chatId: number; text: string }[] = [];
  const sender = new OutboxSender(
    bstore,
    { send: async (chatId, text) => (sent.push({ chatId, text }), { message_id: sent.length }), clock },
    { globalPerSecond: 1000, perChatPerSecond: 1000, perGroupPerMinute: 60_000, maxAttempts: 3, leaseMs: 30_000 },
  );
  const deps: BroadcastDeps = { corpusDir: t.corpusDir, bstore, subscribers: () => store.listSubscribers(), sender, now: clock.now };
  return { ...t, store, bstore, deps, sent, clock };
}

test('seed corpus edits: reworded, added clause, added/removed document, whitespace-only', async () => {
  const s = setup();
  try {
    await s.store.subscribe(1, 'private', ['all']);
    await s.store.subscribe(2, 'private', ['district:宝山']);
    await s.store.subscribe(3, 'private', ['municipal']);

    // First run: baseline only.
    const base = await runBroadcast(s.deps);
    assert.equal(base.status, 'baseline');
    assert.equal(s.sent.length, 0);

    // No change → nothing.
    const again = await runBroadcast(s.deps);
    assert.equal(again.status, 'no-change');
    assert.equal(s.sent.length, 0);

    // A clause reworded: measure 三 of 103号 (top 50 → top 30).
    const f103 = join(s.docs, 'sh-hrss-2022-103.md');
    const orig103 = readFileSync(f103, 'utf8');
    assert.ok(orig103.includes('世界排名前 50 名院校'));
    writeFileSync(f103, orig103.replace('世界排名前 50 名院校', '世界排名前 30 名院校'));
    const r1 = await runBroadcast(s.deps);
    assert.equal(r1.status, 'changed');
    assert.equal(r1.diff!.changes.length, 1);
    const c1 = r1.diff!.changes[0]!;
    assert.equal(c1.kind, 'changed');
    assert.equal(c1.docId, 'sh-hrss-2022-103');
    assert.deepEqual(
      c1.clauses.map((c) => [c.kind, c.label]),
      [['modified', '三']],
    );
    // Municipal document: the all and municipal subscribers, not the 宝山 one.
    assert.deepEqual(s.sent.map((m) => m.chatId).sort(), [1, 3]);
    assert.match(s.sent[0]!.text, /文件修订/);
    assert.match(s.sent[0]!.text, /沪人社力〔2022〕103号/);
    assert.match(s.sent[0]!.text, /世界排名前30名院校/); // the changed sentence is quoted
    assert.match(s.sent[0]!.text, /详见 \/sources/);
    s.sent.length = 0;

    // A clause added after measure 十八.
    const cur103 = readFileSync(f103, 'utf8');
    writeFileSync(
      f103,
      cur103.replace('特此通知。', '十九、建立人才政策评估机制。每年对各项支持举措的实施效果进行评估并向社会公布。\n\n特此通知。'),
    );
    const r2 = await runBroadcast(s.deps);
    assert.equal(r2.status, 'changed');
    const c2 = r2.diff!.changes[0]!;
    assert.deepEqual(
      c2.clauses.map((c) => [c.kind, c.label]),
      [['added', '十九']],
    );
    assert.match(s.sent[0]!.text, /新增条款/);
    assert.match(s.sent[0]!.text, /建立人才政策评估机制/);
    s.sent.length = 0;

    // A document added (宝山) and one removed (杨浦) in the same run.
    writeFileSync(join(s.docs, 'baoshan-2024-youth.md'), NEW_BAOSHAN_DOC);
    unlinkSync(join(s.docs, 'yangpu-hrss-2021-18.md'));
    const r3 = await runBroadcast(s.deps);
    assert.equal(r3.status, 'changed');
    const kinds = Object.fromEntries(r3.diff!.changes.map((c) => [c.docId, c.kind]));
    assert.deepEqual(kinds, { 'baoshan-2024-youth': 'added', 'yangpu-hrss-2021-18': 'removed' });
    const byChat = (id: number) => s.sent.filter((m) => m.chatId === id).map((m) => m.text);
    assert.equal(byChat(1).length, 2); // all: both
    assert.equal(byChat(2).length, 1); // 宝山: the new 宝山 document only
    assert.match(byChat(2)[0]!, /政策库新增文件/);
    assert.match(byChat(2)[0]!, /宝人社〔2024〕7号/);
    assert.equal(byChat(3).length, 0); // municipal: neither
    assert.ok(byChat(1).some((t) => /已从政策库撤下/.test(t) && /杨人社〔2021〕18号/.test(t)));
    s.sent.length = 0;

    // Whitespace-only change → hash differs, no digest, snapshot updated.
    const fb = join(s.docs, 'baoshan-hrss-2021-8E112.md');
    const ob = readFileSync(fb, 'utf8');
    writeFileSync(fb, ob.replace(/\n/g, '\n\n').replace(/。/g, '。 ') + '\n\n   \n');
    const r4 = await runBroadcast(s.deps);
    assert.equal(r4.status, 'cosmetic');
    assert.deepEqual(r4.diff!.cosmetic, ['baoshan-hrss-2021-8E112']);
    assert.equal(r4.digests.length, 0);
    assert.equal(s.sent.length, 0);
    const r5 = await runBroadcast(s.deps);
    assert.equal(r5.status, 'no-change');

    // Every outbox row was sent exactly once.
    const counts = await s.bstore.counts();
    assert.equal(counts.pending, 0);
    assert.equal(counts.sent, counts.total);
  } finally {
    await s.store.close();
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a renumbered but unchanged clause is not reported; a bad file aborts the run', async () => {
  const s = setup();
  try {
    await s.store.subscribe(1, 'private', ['all']);
    await runBroadcast(s.deps);
    // Insert a new measure before 十八 and renumber 十八 → 十九: only the new clause is reported.
    const f = join(s.docs, 'sh-hrss-2022-103.md');
    const t = readFileSync(f, 'utf8');
    writeFileSync(
      f,
      t.replace(
        '十八、做好人才政策线上咨询宣传工作。',
        '十八、加强人才公寓保障。各区统筹提供人才公寓房源。\n\n十九、做好人才政策线上咨询宣传工作。',
      ),
    );
    const r = await runBroadcast(s.deps);
    assert.deepEqual(
      r.diff!.changes[0]!.clauses.map((c) => [c.kind, c.label]),
      [['added', '十八']],
    );

    // A broken file: the run stops before saving, nothing is announced as withdrawn.
    writeFileSync(join(s.docs, 'broken.md'), 'no header here\n');
    const before = s.sent.length;
    const bad = await runBroadcast(s.deps);
    assert.equal(bad.status, 'corpus-error');
    assert.match(bad.corpusErrors[0]!.file, /broken\.md/);
    assert.equal(s.sent.length, before);
  } finally {
    await s.store.close();
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('inbox documents are imported into the corpus (moved to done/); bad ones are moved to failed/; dry run changes nothing', async () => {
  const s = setup();
  try {
    await s.store.subscribe(7, 'private', ['district:宝山']);
    const inbox = join(s.dir, 'inbox');
    mkdirSync(inbox);
    s.deps.inboxDir = inbox;
    await runBroadcast(s.deps); // baseline (empty inbox)
    writeFileSync(join(inbox, 'baoshan-2024-youth.md'), NEW_BAOSHAN_DOC);
    writeFileSync(join(inbox, 'bad.md'), '');

    const dry = await runBroadcast(s.deps, { dryRun: true });
    assert.equal(dry.status, 'changed');
    assert.deepEqual(
      dry.recipients.map((r) => r.recipients),
      [1],
    );
    assert.equal(dry.enqueued, 0);
    assert.ok(existsSync(join(inbox, 'baoshan-2024-youth.md')), 'dry run leaves the inbox alone');
    assert.equal(s.sent.length, 0);
    assert.equal((await s.bstore.counts()).total, 0);

    const real = await runBroadcast(s.deps);
    assert.deepEqual(real.inbox.imported, ['baoshan-2024-youth.md']);
    assert.deepEqual(
      real.inbox.rejected.map((r) => r.file),
      ['bad.md'],
    );
    assert.ok(existsSync(join(s.docs, 'baoshan-2024-youth.md')));
    assert.deepEqual(readdirSync(inbox).sort(), ['done', 'failed']);
    assert.deepEqual(readdirSync(join(inbox, 'done')), ['baoshan-2024-youth.md']);
    assert.ok(existsSync(join(inbox, 'failed', 'bad.md.error.txt')));
    assert.equal(s.sent.length, 1);
    assert.equal(s.sent[0]!.chatId, 7);
  } finally {
    await s.store.close();
    rmSync(s.dir, { recursive: true, force: true });
  }
});

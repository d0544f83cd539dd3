/**
 * The assistant in worker threads (bot/web/assistant-pool.ts) answers exactly what the in-thread
 * assistant answers: the dev questions of the bench (assistant-dev.yaml with its multi-turn
 * conversations in order, retrieval-dev.yaml), sent through `POST /api/chat` of a channel served by a
 * one-thread pool, give the same reply JSON, byte for byte, and the same conversation state as the
 * assistant called directly with the same states and clock.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import type { App } from '../../bot/app.ts';
import { resumeState } from '../../bot/assistant/state.ts';
import type { ConversationState } from '../../bot/assistant/types.ts';
import { silentLogger } from '../../bot/logger.ts';
import { openSqliteStore, type SqliteStore } from '../../bot/store/index.ts';
import { startAssistantPool, type AssistantPool } from '../../bot/web/assistant-pool.ts';
import { createWebChannel, startWebServer, webReplyJson, type RunningWeb } from '../../bot/web/index.ts';
import { benchQuestions } from '../../scripts/commands/bench-web.ts';
import { buildTestApp } from '../helpers/app.ts';

const NOW = Date.parse('2026-11-20T02:00:00Z');
const CONVERSATIONS = 8;

let app: App;
let pool: AssistantPool;
let store: SqliteStore;
let web: RunningWeb;
const spawned: Worker[] = [];
/** When set, the next message posted to a thread is swallowed and the thread is stopped: it dies holding it. */
let dieHoldingNext = false;

/** Wraps a thread's postMessage so a test can make it die with a message in hand, without a race. */
function watch(w: Worker): void {
  spawned.push(w);
  const post = w.postMessage.bind(w);
  w.postMessage = (message: unknown) => {
    if (!dieHoldingNext) return post(message);
    dieHoldingNext = false;
    void w.terminate();
  };
}

before(async () => {
  app = await buildTestApp({ AS_OF: '2026-11-20' });
  pool = await startAssistantPool({
    config: app.config,
    workers: 1,
    sources: () => app.assistant.sources(),
    logger: silentLogger,
    onSpawn: watch,
  });
  store = openSqliteStore({ file: join(app.config.DATA_DIR, 'web.sqlite') });
  const channel = await createWebChannel({
    app: () => ({ ...app, assistant: pool }),
    store,
    logger: silentLogger,
    settings: { ratePerIpPerMinute: 0, ratePerConversationPerMinute: 0 },
    now: () => NOW,
  });
  web = await startWebServer(channel.app, { port: 0, host: '127.0.0.1' });
});

after(async () => {
  await web?.stop();
  await pool?.close();
  await store?.close();
  if (app) rmSync(app.config.DATA_DIR, { recursive: true, force: true });
});

describe('assistant pool', () => {
  it('gives the same reply JSON and state as the in-thread assistant over the dev questions', async () => {
    const questions = benchQuestions();
    const stride = Math.floor(questions.length / CONVERSATIONS);
    const ids: (string | undefined)[] = [];
    const states: (ConversationState | undefined)[] = [];
    let compared = 0;
    let withEligibility = 0;
    // every question once, in the bench's order: conversation k asks questions[k·stride + m]
    for (let j = 0; j < CONVERSATIONS * stride; j++) {
      const k = j % CONVERSATIONS;
      const text = questions[(k * stride + Math.floor(j / CONVERSATIONS)) % questions.length]!;
      const direct = await app.assistant.reply(resumeState(states[k], NOW, app.config.SESSION_IDLE_MINUTES), text, '2026-11-20', NOW);
      states[k] = direct.state;
      const res = await fetch(`${web.url}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ids[k] ? { conversationId: ids[k], text } : { text }),
      });
      assert.equal(res.status, 200, text);
      assert.equal(res.headers.get('content-type'), 'application/json');
      const body = (await res.json()) as Record<string, unknown>;
      ids[k] ??= body.conversationId as string;
      const { conversationId: _c, turn: _t, handoff: _h, ...rest } = body;
      assert.equal(JSON.stringify(rest), JSON.stringify(webReplyJson(direct.reply)), `reply to "${text}" (conversation ${k})`);
      const stored = await store.sessions<{ conv: ConversationState }>().read(`web:${ids[k]}`);
      assert.equal(JSON.stringify(stored?.conv), JSON.stringify(direct.state), `state after "${text}"`);
      compared++;
      if (direct.reply.eligibility) withEligibility++;
    }
    assert.ok(compared >= 140, `compared ${compared} replies`);
    assert.ok(withEligibility >= 10, `only ${withEligibility} replies had an eligibility check`);
  });

  it('reloads every thread and still answers', async () => {
    await pool.reload();
    const { reply } = await pool.reply(undefined, '宝山区的人才安居资助最高多少？', '2026-11-20', NOW);
    const direct = await app.assistant.reply(undefined, '宝山区的人才安居资助最高多少？', '2026-11-20', NOW);
    assert.equal(JSON.stringify(webReplyJson(reply)), JSON.stringify(webReplyJson(direct.reply)));
  });

  it('replaces a thread that died and fails only the message it held', async () => {
    assert.equal(spawned.length, 1);
    dieHoldingNext = true; // the thread takes the message and stops before it answers
    await assert.rejects(pool.reply(undefined, '你好', '2026-11-20', NOW), /assistant thread stopped/);
    const { reply } = await pool.reply(undefined, '你好', '2026-11-20', NOW); // waits for the replacement
    assert.equal(spawned.length, 2);
    assert.equal(reply.question, '你好');
    await assert.rejects(startAssistantPool({ config: app.config, workers: 0, sources: () => [], logger: silentLogger }), /WEB_WORKERS/);
  });
});

/**
 * The web channel's HTTP API over a real app (shipped corpus and rules, SQLite store in a temp folder),
 * bound on 127.0.0.1: chat, persistence, feedback and the gap log, hand-off to a webhook, limits, CORS,
 * admin token, and bad input (each a clear 4xx JSON, never a stack trace).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../bot/app.ts';
import { silentLogger } from '../../bot/logger.ts';
import { openSqliteStore, type SqliteStore } from '../../bot/store/index.ts';
import { broadcastPreviewFor, createWebChannel, startWebServer, type RunningWeb, type WebChannel } from '../../bot/web/index.ts';
import { webReplyJson } from '../../bot/web/server.ts';
import { replyJson } from '../../scripts/commands/ask.ts';
import { buildTestApp } from '../helpers/app.ts';

const TOKEN = 'test-admin-token-0123456789';
const TOP50 = '我是QS前50名校毕业的，在上海全职工作，能落户吗？';

let app: App;
let store: SqliteStore;
let channel: WebChannel;
let web: RunningWeb;
let hook: Server;
let hookUrl: string;
const hookBodies: { reference: string; text: string; packet: Record<string, unknown> }[] = [];

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(web.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) as Record<string, any> };
}

/** A 4xx answer: JSON with an error code and a message, no stack trace. */
function assertClearError(r: { status: number; text: string; json: Record<string, any> }, status: number, code: string) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json.error, code);
  assert.ok(typeof r.json.message === 'string' && r.json.message.length > 0);
  assert.doesNotMatch(r.text, /\bat .*\.(ts|js):\d+|Error:/);
}

before(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hookBodies.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/cases`;
  app = await buildTestApp({
    ADMIN_TOKEN: TOKEN,
    HANDOFF_WEBHOOK_URL: hookUrl,
    WEB_CORS_ORIGINS: 'https://rsj.example.cn',
    AS_OF: '2026-11-20',
  });
  store = openSqliteStore({ file: join(app.config.DATA_DIR, 'web.sqlite') });
  channel = await createWebChannel({
    app: () => app,
    store,
    logger: silentLogger,
    settings: { ratePerConversationPerMinute: 5, ratePerIpPerMinute: 1000 },
    broadcastPreview: broadcastPreviewFor(app.config, store),
  });
  web = await startWebServer(channel.app, { port: 0, host: '127.0.0.1' });
});

after(async () => {
  await web?.stop();
  await store?.close();
  await new Promise((r) => hook?.close(r));
  if (app) rmSync(app.config.DATA_DIR, { recursive: true, force: true });
});

describe('web API', () => {
  it('answers the top-50 settlement question with the ask --json contract plus a conversation id', async () => {
    const r = await post('/api/chat', { text: TOP50 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.eligibility.verdict, 'eligible');
    assert.match(r.json.conversationId, /^[A-Za-z0-9_-]{24}$/);
    assert.equal(r.json.turn, 1);
    assert.equal(r.json.citations[0].docNumber, '沪人社力〔2022〕103号');
    assert.equal(r.json.citations[0].date, '2022-06-01');
    // every key of the CLI contract is there, with the same values
    const { reply } = await app.assistant.reply(undefined, TOP50, app.asOf());
    const contract = replyJson(reply);
    for (const key of Object.keys(contract)) assert.ok(key in r.json, `missing ${key}`);
    assert.deepEqual(r.json.eligibility.facts, contract.eligibility!.facts);
    assert.deepEqual(Object.keys(webReplyJson(reply)).slice(0, Object.keys(contract).length), Object.keys(contract));
  });

  it('keeps the conversation in the store: a follow-up choice is understood in the next turn', async () => {
    const first = await post('/api/chat', { text: '我是留学回国的，在上海全职工作，能落户吗？' });
    assert.equal(first.json.eligibility.verdict, 'need_more_info');
    const choice = first.json.followUp.choices.find((c: { label: string }) => c.label === '前50名');
    assert.ok(choice, JSON.stringify(first.json.followUp));
    const second = await post('/api/chat', { conversationId: first.json.conversationId, text: choice.label });
    assert.equal(second.status, 200, second.text);
    assert.equal(second.json.turn, 2);
    assert.equal(second.json.eligibility.verdict, 'eligible');
    const row = store.db.prepare('SELECT key FROM sessions WHERE key = ?').get(`web:${first.json.conversationId}`);
    assert.ok(row, 'the conversation is a session row keyed by channel');
  });

  it('records abstentions and 👎 with a reason in the gap log, masking personal details', async () => {
    const r = await post('/api/chat', { text: '我叫张三，电话13812345678，火星上的社保怎么交？' });
    assert.equal(r.status, 200);
    const fb = await post('/api/feedback', {
      conversationId: r.json.conversationId,
      turn: 1,
      rating: 'down',
      reason: '没回答，联系我 13812345678',
    });
    assert.equal(fb.status, 200, fb.text);
    const gaps = await channel.feedback.listGaps();
    const down = gaps.find((g) => g.kind === 'thumbs_down');
    assert.ok(down, JSON.stringify(gaps));
    assert.equal(down.channel, 'web');
    assert.match(down.reason!, /没回答/);
    for (const g of gaps) {
      assert.doesNotMatch(g.question + (g.reason ?? ''), /13812345678|张三/);
    }
    const feedback = await channel.feedback.listFeedback();
    assert.equal(feedback[0]!.rating, 'down');
  });

  it('hands the case over as a packet with a reference, delivered to HANDOFF_WEBHOOK_URL', async () => {
    const first = await post('/api/chat', { text: '我是留学回国的，在上海全职工作，能落户吗？' });
    const h = await post('/api/handoff', { conversationId: first.json.conversationId });
    assert.equal(h.status, 200, h.text);
    assert.match(h.json.reference, /^PB-\d{6}-\d{6}$/);
    assert.deepEqual(h.json.delivered, ['webhook']);
    assert.match(h.json.text, new RegExp(h.json.reference));
    assert.match(h.json.text, /沪人社力〔2022〕103号/);
    const got = hookBodies.find((b) => b.reference === h.json.reference);
    assert.ok(got, 'the webhook received the packet');
    const packet = got.packet as { questions: string[]; check: { conditions: { status: string }[] } };
    assert.equal(packet.questions[0], '我是留学回国的，在上海全职工作，能落户吗？');
    assert.ok(packet.check.conditions.some((c) => c.status === 'unknown'));
    assert.equal((await channel.feedback.listHandoffs())[0]!.reference, h.json.reference);
  });

  it('refuses bad input with a clear 4xx JSON', async () => {
    assertClearError(await post('/api/chat', '{"text": '), 400, 'bad_json');
    assertClearError(await post('/api/chat', { text: 42 }), 400, 'bad_request');
    assertClearError(await post('/api/chat', { text: '   ' }), 400, 'bad_request');
    assertClearError(await post('/api/chat', { text: 'x'.repeat(1_000_000) }), 413, 'too_large');
    assertClearError(await post('/api/chat', { text: '落'.repeat(20_000) }), 413, 'too_large');
    assertClearError(await post('/api/chat', { text: '落'.repeat(app.config.WEB_MAX_TEXT_CHARS + 1) }), 400, 'text_too_long');
    assertClearError(await post('/api/chat', { conversationId: 'A'.repeat(24), text: '你好' }), 404, 'unknown_conversation');
    assertClearError(await post('/api/chat', { conversationId: '../../etc/passwd', text: '你好' }), 404, 'unknown_conversation');
    assertClearError(await post('/api/feedback', { conversationId: 'A'.repeat(24), turn: 1, rating: 'down' }), 404, 'unknown_conversation');
    assertClearError(await post('/api/feedback', { conversationId: 'x', turn: 'one', rating: 'meh' }), 400, 'bad_request');
    const ok = await post('/api/chat', { text: '你好' });
    assertClearError(await post('/api/feedback', { conversationId: ok.json.conversationId, turn: 9, rating: 'up' }), 404, 'unknown_turn');
    const en = await post('/api/chat', '{', { 'accept-language': 'en-US' });
    assert.match(en.json.message, /not valid JSON/);
  });

  it('returns HTML in the text as data (JSON string), never as markup', async () => {
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>落户';
    const r = await post('/api/chat', { text: evil });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^application\/json/);
    assert.equal(r.json.question, evil);
  });

  it('limits each conversation with a clear 429 body and Retry-After', async () => {
    const first = await post('/api/chat', { text: '你好' });
    const id = first.json.conversationId;
    let last;
    for (let i = 0; i < 5; i++) last = await post('/api/chat', { conversationId: id, text: '你好' });
    assertClearError(last!, 429, 'rate_limited');
    assert.ok(Number(last!.headers.get('retry-after')) >= 1);
    assert.match(last!.json.message, /秒后再试/);
  });

  it('serves the page and only the packaged static files', async () => {
    const page = await fetch(web.url + '/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
    assert.equal((await fetch(web.url + '/embed.js')).status, 200);
    for (const p of [
      '/static/..%2f..%2fpackage.json',
      '/static/%2e%2e%2fserver.ts',
      '/static/../../package.json',
      '/static/server.ts',
      '/static/index.html',
      '/nope',
    ]) {
      const r = await fetch(web.url + p);
      const text = await r.text();
      assert.equal(r.status, 404, p);
      assert.equal(JSON.parse(text).error, 'not_found', p);
    }
    assert.equal((await (await fetch(web.url + '/healthz')).json()).ok, true);
  });

  it('answers CORS only for allow-listed origins', async () => {
    const allowed = await post('/api/chat', { text: '你好' }, { origin: 'https://rsj.example.cn' });
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://rsj.example.cn');
    const other = await post('/api/chat', { text: '你好' }, { origin: 'https://evil.example' });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const pre = await fetch(web.url + '/api/chat', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(pre.status, 403);
  });

  it('protects /admin with ADMIN_TOKEN', async () => {
    assert.equal((await fetch(web.url + '/admin')).status, 200);
    const none = await fetch(web.url + '/admin/api/overview');
    assert.equal(none.status, 401);
    assert.equal((await none.json()).error, 'unauthorized');
    const wrong = await fetch(web.url + '/admin/api/overview', { headers: { authorization: `Bearer ${TOKEN}x` } });
    assert.equal(wrong.status, 401);
    const ok = await fetch(web.url + '/admin/api/overview', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.status, 200);
    const data = (await ok.json()) as { gaps: { kinds: Record<string, number> }[]; documents: { validity: string }[]; rules: unknown[] };
    assert.ok(data.gaps.some((g) => g.kinds.thumbs_down));
    assert.ok(
      data.documents.length >= 5 && data.documents.every((d) => ['in_force', 'expired', 'superseded', 'unknown'].includes(d.validity)),
    );
    assert.ok(data.rules.length > 0);
    // the broadcast dry run: first run against an empty store is the baseline, and nothing is saved
    const preview = await fetch(web.url + '/admin/api/broadcast-preview', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(preview.status, 200);
    assert.equal(((await preview.json()) as { status: string }).status, 'baseline');
    const again = await fetch(web.url + '/admin/api/broadcast-preview', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(((await again.json()) as { status: string }).status, 'baseline'); // the first preview saved no snapshot
    assert.equal((await fetch(web.url + '/admin/api/broadcast-preview')).status, 401);
  });

  it('refuses the admin view while ADMIN_TOKEN is unset', async () => {
    const bare = await createWebChannel({ app: () => app, store, logger: silentLogger, settings: { adminToken: undefined } });
    for (const path of ['/admin', '/admin/api/overview']) {
      const r = await bare.app.request(path, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(r.status, 403, path);
      assert.equal(((await r.json()) as { error: string }).error, 'admin_disabled');
    }
  });
});

/**
 * Every reply of the dev sets (bot/reply/eval.ts: understanding-tune, assistant-dev, retrieval-dev,
 * replies-info), rendered for Telegram as the bot sends it — private, in the conversation's context, and
 * as the group's general rule — is valid Telegram HTML under 4096 characters; English replies carry no
 * Chinese outside quoted clause text, 文号 and clause labels.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { App } from '../../bot/app.ts';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { collectReplies, loadReplyCases, strayChinese, type ReplySample } from '../../bot/reply/eval.ts';
import { renderTelegramGeneral, TELEGRAM_MAX_MESSAGE } from '../../bot/reply/render-telegram.ts';
import { buildTestApp } from '../helpers/app.ts';
import { validateTelegramHtml } from './telegram-html.ts';

let app: App;
let samples: ReplySample[];
before(async () => {
  app = await buildTestApp();
  samples = await collectReplies(app.assistant, app.replyKit.locales, loadReplyCases(PROJECT_ROOT));
});

test('every Telegram message of every dev-set reply is valid HTML under 4096 characters', () => {
  assert.ok(samples.length >= 350, `only ${samples.length} replies`);
  let messages = 0;
  for (const s of samples) {
    assert.ok(s.telegram.length >= 1, `no message for "${s.q.slice(0, 40)}"`);
    for (const m of s.telegram) {
      messages++;
      assert.ok(m.length < TELEGRAM_MAX_MESSAGE, `${m.length} characters for "${s.q.slice(0, 40)}"`);
      assert.deepEqual(validateTelegramHtml(m).errors, [], `"${s.q.slice(0, 40)}": ${m.slice(0, 120)}`);
    }
  }
  assert.ok(messages >= samples.length);
});

test('the group rendering (general rule) of every eligibility reply is valid and shows no personal fact', () => {
  let n = 0;
  for (const s of samples) {
    const blocks = s.blocks;
    if (!blocks || blocks.kind !== 'eligibility') continue;
    const { messages, buttons } = renderTelegramGeneral(blocks, app.replyKit.locales[blocks.lang]);
    n++;
    assert.deepEqual(buttons, []);
    for (const m of messages) {
      assert.deepEqual(validateTelegramHtml(m).errors, [], m.slice(0, 120));
      assert.ok(!/[✓✗]/u.test(m), `a condition mark in the group rendering of "${s.q}"`);
      for (const c of blocks.conditions) if (c.display) assert.ok(!m.includes(`：${c.display}`), `"${c.display}" shown to the group`);
    }
  }
  assert.ok(n >= 100, `only ${n} eligibility replies`);
});

test('English replies are English outside quoted clause text, 文号 and clause labels', () => {
  const en = samples.filter((s) => s.lang === 'en');
  assert.ok(en.length >= 10, `only ${en.length} English replies`);
  for (const s of en) {
    assert.equal(strayChinese(s.text), 0, `"${s.q}":\n${s.text}`);
    for (const m of s.telegram) assert.equal(strayChinese(m), 0, `"${s.q}" (Telegram):\n${m}`);
  }
  // the stripping itself: a quote, a 文号 and a clause label may stay Chinese, nothing else
  assert.equal(strayChinese('Eligible. “符合条件的” — 沪人社力〔2022〕103号, clause 三'), 0);
  assert.equal(strayChinese('Eligible: 符合'), 2);
});

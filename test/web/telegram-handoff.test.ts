/**
 * The gap log and the hand-off on Telegram (in-process bot with a fake Bot API and the fake assistant):
 * an abstention in private is recorded (masked) and offers the 转人工 button; pressing it sends the case
 * packet with its reference; in a group /handoff only says to ask privately (the packet holds facts).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createGapLog } from '../../bot/feedback/index.ts';
import { createHandoff } from '../../bot/handoff/service.ts';
import { silentLogger } from '../../bot/logger.ts';
import { openSqliteFeedbackStore } from '../../bot/store/sqlite-web.ts';
import { HANDOFF_CALLBACK } from '../../bot/telegram/features/handoff.ts';
import { loadWebTexts } from '../../bot/web/texts.ts';
import { buttons, callback, groupText, makeHarness, privateText } from '../telegram/harness.ts';

it('records Telegram gaps and offers the hand-off packet in private chats only', async () => {
  const h = makeHarness();
  const feedback = openSqliteFeedbackStore(h.store.db);
  h.deps.gapLog = createGapLog({
    store: feedback,
    masks: [{ name: 'phone', pattern: /1[3-9]\d{9}/gu, replacement: '〈电话〉' }],
    logger: silentLogger,
  });
  h.deps.handoff = createHandoff({ texts: loadWebTexts(), targets: {}, feedback, logger: silentLogger });
  try {
    await h.send(privateText(71, '火星上的社保怎么交？电话13912345678'));
    const offer = h.tg.sent().at(-1);
    assert.ok(
      buttons(offer).some((b) => b.callback_data === HANDOFF_CALLBACK),
      JSON.stringify(offer?.payload.reply_markup),
    );
    await new Promise((r) => setImmediate(r)); // the gap is recorded without delaying the reply
    const gaps = await feedback.listGaps();
    assert.equal(gaps.length, 1);
    assert.equal(gaps[0]!.channel, 'telegram');
    assert.equal(gaps[0]!.question, '火星上的社保怎么交?电话〈电话〉');

    h.tg.clear();
    await h.send(callback(71, HANDOFF_CALLBACK));
    const packet = h.tg.texts().join('\n');
    const ref = /PB-\d{6}-\d{6}/.exec(packet)?.[0];
    assert.ok(ref, packet);
    assert.match(packet, /<pre>[\s\S]*火星上的社保怎么交？电话13912345678[\s\S]*<\/pre>/); // the person's own packet, unmasked
    assert.equal((await feedback.listHandoffs())[0]!.reference, ref);
    assert.equal((await feedback.listHandoffs())[0]!.delivered, 'none');

    h.tg.clear();
    await h.send(groupText(-100500, 71, '/handoff'));
    const group = h.tg.texts().join('\n');
    assert.match(group, /私聊/);
    assert.doesNotMatch(group, /PB-\d{6}/);
  } finally {
    await h.store.close();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TELEGRAM_MAX_MESSAGE } from '../../bot/telegram/format.ts';
import { CHECK_PROMPT, EXAMPLE_QUESTIONS } from '../../bot/telegram/texts.ts';
import { PERSONAL_MARKER } from './fake-assistant.ts';
import {
  BOT_INFO,
  buttons,
  callback,
  editedText,
  groupChat,
  groupMention,
  groupText,
  makeHarness,
  privateMessage,
  privateText,
  TOKEN,
} from './harness.ts';

const EXPIRED = '已过期，请重新开始';

test('private text goes to the assistant and comes back as escaped HTML with its source', async () => {
  const h = makeHarness();
  await h.send(privateText(7, '宝山区对博士后有什么资助？'));
  assert.equal(h.assistant.calls.length, 1);
  assert.equal(h.assistant.calls[0]!.text, '宝山区对博士后有什么资助？');
  assert.equal(h.assistant.calls[0]!.asOf, '2099-06-01');
  const [msg] = h.tg.sent();
  assert.equal(msg!.payload.chat_id, 7);
  assert.equal(msg!.payload.parse_mode, 'HTML');
  assert.match(msg!.payload.text, /宝山区对博士后有资助/);
  assert.match(msg!.payload.text, /<i>——宝测〔2098〕8号（二）（2098年5月20日）<\/i>/);
  assert.equal(msg!.payload.reply_parameters, undefined, 'private replies are not threaded');
  const stats = await h.store.stats('2099-06-01');
  assert.equal(stats.questionsToday, 1);
  assert.equal(stats.users, 1);
});

test('dynamic strings are escaped (assistant text, titles)', async () => {
  const h = makeHarness();
  await h.send(privateText(7, '<script>alert(1)</script> & co'));
  const text = h.tg.texts()[0]!;
  assert.ok(!text.includes('<script>'));
  assert.match(text, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; co/);
  assert.match(text, /&lt;b&gt;不是标签&lt;\/b&gt;/);
  await h.send(privateText(7, '/sources'));
  assert.match(h.tg.texts()[1]!, /《关于测试&lt;人才&gt;引进的通知》/);
});

test('/start shows the welcome with three example buttons; a button asks that question', async () => {
  const h = makeHarness();
  await h.send(privateText(7, '/start'));
  const welcome = h.tg.sent()[0]!;
  assert.match(welcome.payload.text, /上海人才政策助手/);
  const b = buttons(welcome);
  assert.equal(b.length, 3);
  assert.deepEqual(
    b.map((x) => x.text),
    EXAMPLE_QUESTIONS,
  );
  h.tg.clear();
  await h.send(callback(7, b[2]!.callback_data!));
  assert.equal(h.tg.sent('answerCallbackQuery').length, 1);
  assert.equal(h.assistant.calls.at(-1)!.text, EXAMPLE_QUESTIONS[2]);
  assert.match(h.tg.texts().at(-1)!, /宝山区对博士后有资助/);
});

test('/check: facts asked one by one with buttons, typed answers work, verdict with clause', async () => {
  const h = makeHarness();
  await h.send(privateText(7, '/check'));
  assert.equal(h.assistant.calls[0]!.text, CHECK_PROMPT);
  let q = h.tg.sent().at(-1)!;
  assert.match(q.payload.text, /世界排名大约在哪个区间/);
  const rank = buttons(q);
  assert.deepEqual(
    rank.map((x) => x.text),
    ['前50', '51–100', '100名以外', '不清楚'],
  );

  h.tg.clear();
  await h.send(callback(7, rank[0]!.callback_data!));
  assert.equal(h.tg.sent('answerCallbackQuery')[0]!.payload.text, '前50');
  assert.equal(h.assistant.calls.at(-1)!.text, '前50');
  assert.deepEqual(h.assistant.calls.at(-1)!.state!.facts, {}, 'the state from the session is passed back in');
  q = h.tg.sent().at(-1)!;
  assert.match(q.payload.text, /是否在上海全职工作/);
  const yesNo = buttons(q);
  assert.deepEqual(
    yesNo.map((x) => x.text),
    ['是', '否'],
  );

  // the old rank button is stale now
  h.tg.clear();
  await h.send(callback(7, rank[1]!.callback_data!));
  assert.equal(h.tg.sent('answerCallbackQuery')[0]!.payload.text, EXPIRED);
  assert.equal(h.tg.sent().length, 0);

  // a typed answer instead of the button
  await h.send(privateText(7, '是'));
  q = h.tg.sent().at(-1)!;
  assert.match(q.payload.text, /社保多少个月/);
  assert.equal(buttons(q).length, 0, 'no choices → no buttons');
  await h.send(privateText(7, '36个月'));
  const verdict = h.tg.sent().at(-1)!.payload.text as string;
  assert.match(verdict, /^<b>符合（测试规则）<\/b>/);
  assert.match(verdict, /<blockquote>「世界排名前五十名院校的毕业生/);
  assert.match(verdict, /<i>——测人社〔2099〕1号第三条（2099年1月2日）<\/i>/);
  const session = await h.store.sessions<{ conv: { facts: Record<string, unknown> } }>().read('u7');
  assert.deepEqual(session!.conv.facts, { rankBand: 'top50', fullTimeInShanghai: 'yes', socialInsuranceMonths: 36 });
  const stats = await h.store.stats('2099-06-01');
  assert.equal(stats.metrics.eligibility, 4);
});

test('/start check deep link starts the check', async () => {
  const h = makeHarness();
  await h.send(privateText(8, '/start check'));
  assert.equal(h.assistant.calls[0]!.text, CHECK_PROMPT);
  assert.equal(buttons(h.tg.sent().at(-1)).length, 4);
});

test('stale or forged callback data answers 已过期，请重新开始', async () => {
  const h = makeHarness();
  for (const data of ['ck:deadbeef:0', 'ck:zz:1', 'sb:district:浦东', 'sb:all', 'ex:99', 'garbage', 'ck:' + 'a'.repeat(60)]) {
    h.tg.clear();
    await h.send(callback(7, data));
    const answers = h.tg.sent('answerCallbackQuery');
    assert.equal(answers.length, 1, data);
    assert.equal(answers[0]!.payload.text, EXPIRED, data);
    assert.equal(h.tg.sent().length, 0, data);
  }
  assert.equal(h.assistant.calls.length, 0);
});

test('group: @mention, reply to the bot and /ask (also /ask@Bot) are answered in-thread; other chatter is ignored', async () => {
  const h = makeHarness();
  const g = -100123;
  await h.send(groupText(g, 7, '大家好，今天开会吗？'));
  await h.send(groupText(g, 7, '@someoneelse 宝山'));
  await h.send(groupText(g, 7, '/ask@OtherBot 宝山'));
  assert.equal(h.tg.calls.length, 0);
  assert.equal(h.assistant.calls.length, 0);

  const mention = groupMention(g, 7, '宝山区对博士后有什么资助？');
  await h.send(mention);
  assert.equal(h.assistant.calls.at(-1)!.text, '宝山区对博士后有什么资助？', 'the mention is stripped');
  let sent = h.tg.sent().at(-1)!;
  assert.equal(sent.payload.chat_id, g);
  assert.equal(sent.payload.reply_parameters.message_id, mention.message!.message_id);

  const reply = groupText(g, 9, '那博士后呢', {
    reply_to_message: { message_id: 5000, date: 1, chat: groupChat(g), from: BOT_INFO, text: '…' },
  });
  await h.send(reply);
  sent = h.tg.sent().at(-1)!;
  assert.equal(h.assistant.calls.at(-1)!.text, '那博士后呢');
  assert.equal(sent.payload.reply_parameters.message_id, reply.message!.message_id);

  for (const text of ['/ask 宝山博士后', `/ask@${BOT_INFO.username} 宝山博士后`]) {
    const u = groupText(g, 7, text);
    await h.send(u);
    assert.equal(h.assistant.calls.at(-1)!.text, '宝山博士后', text);
    assert.equal(h.tg.sent().at(-1)!.payload.reply_parameters.message_id, u.message!.message_id);
  }
  assert.equal(h.assistant.calls.length, 4);
  assert.equal((await h.store.stats('2099-06-01')).metrics.group_questions, 4);
});

test('group: a personal eligibility question gets the general rule and a deep link, never the facts', async () => {
  const h = makeHarness();
  const g = -100555;
  // the member first tells the bot private facts
  await h.send(privateText(7, '我想落户'));
  await h.send(privateText(7, '前50'));
  h.tg.clear();
  await h.send(groupMention(g, 7, '我是前50毕业的，全职，能落户吗？'));
  const call = h.assistant.calls.at(-1)!;
  assert.equal(call.state, undefined, 'group state is separate from private state');
  const out = h.tg.texts().join('\n');
  assert.ok(!out.includes(PERSONAL_MARKER), 'personal facts are not echoed to the group');
  assert.ok(!out.includes('top50'));
  assert.match(out, /一般规定/);
  assert.match(out, /毕业院校世界排名符合要求/);
  const link = buttons(h.tg.sent().at(-1)).find((b) => b.url);
  assert.equal(link!.url, `https://t.me/${BOT_INFO.username}?start=check`);
  const groupSession = await h.store.sessions<{ conv: { facts: object; openQuestion: unknown } }>().read(`c${g}:u7`);
  assert.deepEqual(groupSession!.conv.facts, {});
  assert.equal(groupSession!.conv.openQuestion, null);
  const privateSession = await h.store.sessions<{ conv: { facts: object } }>().read('u7');
  assert.deepEqual(privateSession!.conv.facts, { rankBand: 'top50' }, 'private state untouched by the group');
  // /check in a group offers the deep link too
  h.tg.clear();
  await h.send(groupText(g, 7, '/check'));
  assert.equal(buttons(h.tg.sent()[0]).find((b) => b.url)!.url, `https://t.me/${BOT_INFO.username}?start=check`);
});

test("group state is per member: one member's context never reaches another", async () => {
  const h = makeHarness();
  const g = -100777;
  await h.send(groupMention(g, 7, '宝山博士后'));
  await h.send(groupMention(g, 8, '宝山博士后'));
  assert.ok(h.assistant.calls[0]!.state === undefined);
  assert.ok(h.assistant.calls[1]!.state === undefined, "member 8 does not inherit member 7's state");
  await h.send(groupMention(g, 7, '宝山博士后'));
  assert.ok(h.assistant.calls[2]!.state !== undefined);
});

test('bad input: unknown command, edited message, sticker/photo/voice/location, forwarded, 4096 chars', async () => {
  const h = makeHarness();
  await h.send(privateText(7, '/frobnicate'));
  assert.match(h.tg.texts()[0]!, /没有这个命令/);
  h.tg.clear();
  await h.send(editedText(7, '改过的问题'));
  assert.equal(h.tg.calls.length, 0, 'edited messages are ignored');
  for (const fields of [
    { sticker: { file_id: 's', file_unique_id: 's', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false } },
    { photo: [{ file_id: 'p', file_unique_id: 'p', width: 1, height: 1 }] },
    { voice: { file_id: 'v', file_unique_id: 'v', duration: 3 } },
    { location: { latitude: 31.2, longitude: 121.5 } },
  ]) {
    h.tg.clear();
    await h.send(privateMessage(7, fields));
    assert.deepEqual(h.tg.texts(), ['目前我只能阅读文字消息，请用文字描述您的问题。'], Object.keys(fields)[0]);
  }
  // a sticker in a group not addressed to the bot: silence
  h.tg.clear();
  await h.send({
    update_id: 999_001,
    message: {
      message_id: 1,
      date: 1,
      chat: groupChat(-1001),
      from: { id: 7, is_bot: false, first_name: 'a' },
      sticker: { file_id: 's', file_unique_id: 's', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false },
    },
  } as never);
  assert.equal(h.tg.calls.length, 0);
  // forwarded text is answered with a note
  await h.send(privateText(7, '宝山博士后补贴', { forward_origin: { type: 'hidden_user', sender_user_name: 'x', date: 1 } }));
  assert.match(h.tg.texts().at(-1)!, /^<i>（已按转发的内容回答）<\/i>\n/);
  // a 4096-character message
  h.tg.clear();
  await h.send(privateText(7, '宝'.repeat(4096)));
  assert.equal(h.assistant.calls.at(-1)!.text.length, 4096);
  for (const t of h.tg.texts()) assert.ok(t.length <= TELEGRAM_MAX_MESSAGE);
  assert.ok(h.tg.texts().length >= 2, 'the echoed long question is split');
});

test('a long reply is split under 4096 characters at clause boundaries', async () => {
  const h = makeHarness();
  await h.send(privateText(7, '请给我长答案'));
  const texts = h.tg.texts();
  assert.ok(texts.length >= 2);
  for (const t of texts) {
    assert.ok(t.length <= TELEGRAM_MAX_MESSAGE);
    assert.match(t, /^(<b>长答案如下：<\/b>|<blockquote expandable>\d+\. 第\d+项)/, 'each part starts at a clause');
    assert.match(t.split('</blockquote>')[0]!, /。」?$/, 'each part of the quote ends at a sentence end');
  }
  const all = texts.join('\n');
  for (let i = 1; i <= 40; i++) assert.ok(all.includes(`${i}. 第${i}项测试条款&lt;内容&gt;`), `clause ${i}`);
});

test('errors: logged with the update id, the user gets a short apology, the bot keeps going', async () => {
  const h = makeHarness();
  const u = privateText(7, 'boom');
  await h.send(u);
  assert.deepEqual(h.tg.texts(), ['抱歉，处理您的消息时出了点问题，请稍后再试。']);
  const line = h.logs.find((l) => l.includes('update failed'))!;
  assert.ok(line.includes(`"update":${u.update_id}`));
  assert.ok(line.includes('fake assistant failure'));
  assert.equal((await h.store.stats('2099-06-01')).metrics.errors, 1);
  await h.send(privateText(7, '宝山博士后'));
  assert.equal(h.tg.texts().length, 2);
  assert.ok(!h.logs.join('\n').includes(TOKEN), 'the token never appears in logs');
});

test('403 on send: logged, user and subscriber marked inactive, no crash', async () => {
  const h = makeHarness();
  await h.send(privateText(7, '/subscribe'));
  assert.equal((await h.store.getSubscriber(7))!.active, true);
  h.tg.overrides.set('sendMessage', () => ({ ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }));
  await h.send(privateText(7, '宝山博士后'));
  const sub = (await h.store.getSubscriber(7))!;
  assert.equal(sub.active, false);
  assert.equal(sub.inactiveReason, 'blocked');
  const stats = await h.store.stats('2099-06-01');
  assert.equal(stats.inactiveUsers, 1);
  assert.equal(stats.subscribers, 0);
  assert.ok(h.logs.some((l) => l.includes('403')));
  assert.equal(h.tg.sent().length, 2, 'no apology is attempted to a chat that blocked us (1 subscribe + 1 answer)');
});

test('being kicked from a group (my_chat_member) deactivates its subscription', async () => {
  const h = makeHarness();
  h.tg.groupAdmins.add(7);
  await h.send(groupText(-100900, 7, '/subscribe'));
  assert.equal((await h.store.getSubscriber(-100900))!.active, true);
  await h.send({
    update_id: 999_101,
    my_chat_member: {
      chat: groupChat(-100900),
      from: { id: 7, is_bot: false, first_name: 'a' },
      date: 1,
      old_chat_member: { status: 'member', user: BOT_INFO },
      new_chat_member: { status: 'kicked', user: BOT_INFO, until_date: 0 },
    },
  } as never);
  assert.equal((await h.store.getSubscriber(-100900))!.inactiveReason, 'kicked');
});

test('rate limit per user: a polite message once, then silence', async () => {
  const h = makeHarness({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
  for (let i = 0; i < 6; i++) await h.send(privateText(7, '宝山博士后'));
  assert.equal(h.assistant.calls.length, 3);
  const texts = h.tg.texts();
  assert.equal(texts.length, 4);
  assert.equal(texts[3], '您发送得太快了，请稍等一分钟再继续提问。');
  await h.send(privateText(8, '宝山博士后'));
  assert.equal(h.assistant.calls.length, 4, 'other users are not limited');
});

test('admin commands: refusal for non-admins; /stats, /reload, /broadcast for admins', async () => {
  const reloads: number[] = [];
  const h = makeHarness({ deps: { reload: async () => (reloads.push(1), '5 份文件，120 个条款') } });
  for (const cmd of ['/stats', '/reload', '/broadcast hi']) {
    h.tg.clear();
    await h.send(privateText(7, cmd));
    assert.deepEqual(h.tg.texts(), ['此命令仅限管理员使用。'], cmd);
  }
  assert.equal(reloads.length, 0);
  await h.send(privateText(7, '宝山博士后'));
  await h.send(privateText(7, 'xyz 天气'));
  h.tg.clear();
  await h.send(privateText(900, '/stats'));
  const stats = h.tg.texts()[0]!;
  assert.match(stats, /今日提问：2/);
  assert.match(stats, /拒答率 50\.0%/);
  assert.match(stats, /用户：2/);
  h.tg.clear();
  await h.send(privateText(900, '/reload'));
  assert.equal(reloads.length, 1);
  assert.match(h.tg.texts().at(-1)!, /5 份文件，120 个条款/);
  h.tg.clear();
  await h.send(privateText(900, '/broadcast 明天系统维护'));
  assert.deepEqual(h.tg.texts(), ['广播功能尚未配置。']);

  const got: { text: string; from: unknown }[] = [];
  const h2 = makeHarness({ deps: { broadcast: async (text, from) => (got.push({ text, from }), '已排队 3 条') } });
  await h2.send(privateText(900, '/broadcast 明天<系统>维护'));
  assert.deepEqual(got, [{ text: '明天<系统>维护', from: { userId: 900, chatId: 900 } }]);
  assert.deepEqual(h2.tg.texts(), ['已排队 3 条']);
  await h2.send(privateText(900, '/broadcast'));
  assert.match(h2.tg.texts().at(-1)!, /用法/);
});

test('/subscribe and /unsubscribe with topic toggles (private)', async () => {
  const h = makeHarness();
  await h.send(privateText(7, '/subscribe'));
  const msg = h.tg.sent().at(-1)!;
  const kb = buttons(msg);
  assert.deepEqual(
    kb.map((b) => b.text),
    ['✅ 全部', '市级', '宝山', '杨浦', '落户', '社保', '博士后', '人才公寓', '补贴', '完成'],
  );
  assert.deepEqual((await h.store.getSubscriber(7))!.topics, ['all']);
  await h.send(callback(7, 'sb:district:宝山'));
  assert.deepEqual((await h.store.getSubscriber(7))!.topics, ['district:宝山']);
  const edit = h.tg.sent('editMessageReplyMarkup').at(-1)!;
  assert.ok(buttons(edit).some((b) => b.text === '✅ 宝山'));
  await h.send(callback(7, 'sb:keyword:落户'));
  await h.send(callback(7, 'sb:district:宝山'));
  assert.deepEqual((await h.store.getSubscriber(7))!.topics, ['keyword:落户']);
  await h.send(callback(7, 'sb:done'));
  assert.match(h.tg.texts().at(-1)!, /订阅主题已保存：<b>落户<\/b>/);
  // typed topics
  await h.send(privateText(7, '/subscribe 宝山区 市级'));
  assert.deepEqual((await h.store.getSubscriber(7))!.topics, ['keyword:落户', 'district:宝山', 'municipal']);
  await h.send(privateText(7, '/subscribe 火星'));
  assert.match(h.tg.texts().at(-1)!, /不认识的主题：火星/);
  await h.send(privateText(7, '/unsubscribe 市级'));
  assert.deepEqual((await h.store.getSubscriber(7))!.topics, ['keyword:落户', 'district:宝山']);
  await h.send(privateText(7, '/unsubscribe'));
  assert.equal((await h.store.getSubscriber(7))!.active, false);
  h.tg.clear();
  await h.send(callback(7, 'sb:municipal'));
  assert.equal(h.tg.sent('answerCallbackQuery')[0]!.payload.text, EXPIRED, 'toggles of an ended subscription are stale');
  await h.send(privateText(7, '/unsubscribe'));
  assert.match(h.tg.texts().at(-1)!, /还没有订阅/);
});

test('groups subscribe only when a group admin asks (getChatMember)', async () => {
  const h = makeHarness();
  const g = -100321;
  await h.send(groupText(g, 7, '/subscribe'));
  assert.match(h.tg.texts().at(-1)!, /只有本群管理员/);
  assert.equal(await h.store.getSubscriber(g), null);
  assert.equal(h.tg.sent('getChatMember')[0]!.payload.user_id, 7);
  h.tg.groupAdmins.add(8);
  await h.send(groupText(g, 8, `/subscribe@${BOT_INFO.username} 杨浦`));
  const sub = (await h.store.getSubscriber(g))!;
  assert.equal(sub.chatType, 'group');
  assert.deepEqual(sub.topics, ['district:杨浦']);
  // a non-admin pressing the toggles is refused
  h.tg.clear();
  await h.send(callback(7, 'sb:all', groupChat(g)));
  assert.match(h.tg.sent('answerCallbackQuery')[0]!.payload.text, /管理员/);
  assert.deepEqual((await h.store.getSubscriber(g))!.topics, ['district:杨浦']);
  await h.send(groupText(g, 7, '/unsubscribe'));
  assert.equal((await h.store.getSubscriber(g))!.active, true);
  await h.send(groupText(g, 8, '/unsubscribe'));
  assert.equal((await h.store.getSubscriber(g))!.active, false);
});

test('/sources lists each document with 文号 and date, newest first', async () => {
  const h = makeHarness();
  await h.send(privateText(7, '/sources'));
  const t = h.tg.texts()[0]!;
  assert.match(t, /共 3 份文件/);
  assert.match(t, /测人社〔2099〕1号 · 测试局 · 2099-01-02 · 市级/);
  assert.match(t, /宝测〔2098〕8号 · 宝山区测试局 · 2098-05-20 · 宝山区/);
  assert.ok(t.indexOf('2099-01-02') < t.indexOf('2098-05-20'));
});

test('/forget erases stored facts (private and group sessions) and the user row', async () => {
  const h = makeHarness();
  await h.send(privateText(7, '我想落户'));
  await h.send(privateText(7, '前50'));
  await h.send(groupMention(-100444, 7, '宝山博士后'));
  const s = h.store.sessions<unknown>();
  assert.ok(await s.has('u7'));
  assert.ok(await s.has('c-100444:u7'));
  await h.send(privateText(7, '/forget'));
  assert.equal(await s.has('u7'), false);
  assert.equal(await s.has('c-100444:u7'), false);
  assert.match(h.tg.texts().at(-1)!, /已清除/);
  await h.send(privateText(7, '宝山博士后'));
  assert.equal(h.assistant.calls.at(-1)!.state, undefined, 'nothing remembered');
});

test('an update handled once is not handled again (restart redelivery)', async () => {
  const h = makeHarness();
  const u = privateText(7, '宝山博士后');
  await h.send(u);
  await h.send(u);
  assert.equal(h.assistant.calls.length, 1);
  assert.equal(h.tg.texts().length, 1);
});

test('per-chat order is kept under concurrent handling', async () => {
  const h = makeHarness();
  h.assistant.delayMs = 2;
  const updates = [];
  for (let i = 0; i < 10; i++) for (const chat of [11, 12, 13]) updates.push(privateText(chat, `宝山 #${i}`));
  await Promise.all(updates.map((u) => h.send(u)));
  for (const chat of [11, 12, 13]) {
    const seq = h.tg
      .sent()
      .filter((c) => c.payload.chat_id === chat)
      .map((c) => Number(/#(\d+)/.exec(c.payload.text)![1]));
    assert.deepEqual(seq, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  }
});

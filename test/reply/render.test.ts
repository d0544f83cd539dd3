import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadLocales } from '../../bot/locales/locale.ts';
import { blocksToJson, parseBlocks, type ReplyBlocks } from '../../bot/reply/blocks.ts';
import { renderTelegram, TELEGRAM_MAX_MESSAGE } from '../../bot/reply/render-telegram.ts';
import { renderTerminal } from '../../bot/reply/render-terminal.ts';
import { CITATION, eligibilityZh, QUOTE_TEXT } from './samples.ts';
import { validateTelegramHtml } from './telegram-html.ts';

const { zh, en } = loadLocales();

function assertValid(messages: string[]) {
  for (const m of messages) {
    assert.ok(m.length < TELEGRAM_MAX_MESSAGE, `message of ${m.length} chars`);
    assert.deepEqual(validateTelegramHtml(m).errors, [], m.slice(0, 200));
  }
}

/** A small seeded PRNG (mulberry32), so that the property test is reproducible. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the validator used below', () => {
  it('rejects what Telegram rejects', () => {
    assert.deepEqual(validateTelegramHtml('<b>a</b> &amp; <blockquote expandable>q</blockquote>').errors, []);
    assert.ok(validateTelegramHtml('<b>a<i>b</b></i>').errors.length);
    assert.ok(validateTelegramHtml('a < b').errors.length);
    assert.ok(validateTelegramHtml('R&D').errors.length);
    assert.ok(validateTelegramHtml('<div>x</div>').errors.length);
    assert.ok(validateTelegramHtml('<blockquote><blockquote>x</blockquote></blockquote>').errors.length);
    assert.ok(validateTelegramHtml('<b>open').errors.length);
  });
});

describe('renderTelegram', () => {
  it('answer line first and bold, the quote and its citation, notes beyond the first two behind 详情', () => {
    const { messages, buttons } = renderTelegram(eligibilityZh(), zh);
    assertValid(messages);
    assert.equal(messages.length, 1);
    const m = messages[0]!;
    assert.ok(m.startsWith('<b>暂不符合：世界排名51-100名的'), m);
    assert.ok(m.includes(`<blockquote>「【加大世界名校留学人员引进力度】${QUOTE_TEXT}」</blockquote>`), m);
    assert.ok(renderTelegram(eligibilityZh(), zh, {}, { expandableOver: 100 }).messages[0]!.includes('<blockquote expandable>「【加大'));
    assert.ok(m.includes('<i>——沪人社力〔2022〕103号第三条（2022年6月1日）</i>'), m);
    // by priority: the time note, then the first rule note; the rest in the expandable details with the document's full title
    const shown = m.split('<blockquote expandable>详情')[0]!;
    assert.ok(shown.includes('※ 补缴截止日期：2022-12-31，已过。\n※ 前提是符合留学人员落户的基本条件'), shown);
    const details = /<blockquote expandable>详情\n([\s\S]*?)<\/blockquote>/.exec(m)?.[1] ?? '';
    assert.ok(details.includes(`文件：《${CITATION.title}》`), details);
    assert.ok(details.includes('※ 世界排名一般可参考') && details.includes('※ 请向12333确认现行规定。'), details);
    assert.deepEqual(buttons, []);
    // a ✓/✗ only where the person gave the fact; the assumed precondition says so
    assert.ok(m.includes('≈ 留学人员（境外留学毕业）（假定）'));
    assert.ok(m.includes('✗ 在本市缴纳社会保险费满6个月：5个月'));
    // 前50 failed but 51–100 passed on the same fact, and social insurance decides: the ✗ 前50 line is noise
    assert.ok(!m.includes('前50名院校：第68名'));
  });
  it('escapes what the documents and the person wrote', () => {
    const b = eligibilityZh();
    b.answer.text = '<script>&"x"';
    b.conditions[1]!.display = 'R&D <部门>';
    const { messages } = renderTelegram(b, zh);
    assertValid(messages);
    assert.ok(messages[0]!.startsWith('<b>&lt;script&gt;&amp;&quot;x&quot;</b>'));
  });
  it('cites a clause already quoted in the conversation by label only, and shows what changed', () => {
    const first = eligibilityZh();
    const next = eligibilityZh();
    next.answer = { text: '符合条件：世界排名51-100名，已缴满6个月。', verdict: 'eligible' };
    next.conditions[4] = { ...next.conditions[4]!, value: 6, display: '6个月', status: 'pass' };
    const { messages } = renderTelegram(next, zh, { quoted: new Set([CITATION.clauseId]), previous: first });
    assertValid(messages);
    const m = messages.join('\n');
    assert.ok(m.includes('<i>依据：沪人社力〔2022〕103号第三条（上文已引）</i>'), m);
    assert.ok(!m.includes('<blockquote expandable>「'), 'no full quote again');
    assert.ok(m.includes('✓ 在本市缴纳社会保险费满6个月：6个月') && !m.includes('全职来本市工作：是'), m);
    assert.ok(m.includes('其余条件同上。'));
    // the note shown last time is not shown again by default
    assert.ok(!/^※ 补缴截止日期/m.test(m.split('<blockquote expandable>详情')[0]!), m);
  });
  it('splits a very long reply at block boundaries into valid messages under 4096', () => {
    const b = eligibilityZh();
    b.quote!.text = QUOTE_TEXT.repeat(60);
    b.notes = Array.from({ length: 40 }, (_, i) => ({
      kind: 'rule' as const,
      priority: 50,
      text: `第${i}条说明<&>：${'很长的说明文字'.repeat(20)}`,
    }));
    b.followUp = {
      fact: 'socialInsuranceMonths',
      question: '您在上海已连续缴纳社会保险费几个月了？',
      choices: [{ label: '满6个月', value: '{"min":6}' }],
    };
    const { messages, buttons } = renderTelegram(b, zh);
    assert.ok(messages.length >= 3, `${messages.length} messages`);
    assertValid(messages);
    assert.ok(messages[0]!.startsWith('<b>暂不符合'));
    assert.ok(messages.at(-1)!.endsWith('<b>您在上海已连续缴纳社会保险费几个月了？</b>'));
    assert.equal(buttons.length, 1);
    // nothing lost: every note is in some message
    const all = messages.map((m) => validateTelegramHtml(m).text).join('');
    for (const n of b.notes) assert.ok(all.includes(n.text), n.text.slice(0, 10));
  });
  it('property: random replies always give valid HTML messages under the limit', () => {
    const rand = rng(12);
    const alphabet = ['<', '>', '&', '"', '一', '二', '。', '；', '\n', 'a', ' ', '😀', '（1）', '：', '、', '&amp;'];
    const str = (n: number) =>
      Array.from({ length: Math.floor(rand() * n) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    for (let k = 0; k < 150; k++) {
      const b = eligibilityZh();
      b.answer.text = str(200);
      b.quote!.text = str(rand() < 0.2 ? 9000 : 500);
      b.quote!.heading = rand() < 0.5 ? null : str(20);
      b.notes = Array.from({ length: Math.floor(rand() * 8) }, (_, i) => ({
        kind: 'other' as const,
        priority: i,
        text: str(rand() < 0.1 ? 5000 : 150),
      }));
      b.related = rand() < 0.5 ? [{ citation: { ...CITATION, clauseId: 'x#二', clause: '二' }, heading: str(30) }] : [];
      const limit = rand() < 0.3 ? 300 : TELEGRAM_MAX_MESSAGE;
      const { messages } = renderTelegram(b, rand() < 0.5 ? zh : en, {}, { maxMessage: limit });
      for (const m of messages) {
        assert.ok(m.length <= limit, `case ${k}: ${m.length} > ${limit}`);
        assert.deepEqual(validateTelegramHtml(m).errors, [], `case ${k}`);
      }
    }
  });
});

describe('renderTerminal', () => {
  it('plain text, two notes at most by default, /more for the rest', () => {
    const { text, more } = renderTerminal(eligibilityZh(), zh, {}, { noteChars: 1000 });
    assert.ok(text.startsWith('暂不符合：'));
    assert.ok(!/<\/?[a-z]/.test(text));
    assert.equal((text.match(/^※ /gm) ?? []).length, 2);
    assert.ok(text.includes('另有2条说明，发送 /more 查看。'), text);
    assert.ok(more?.includes('※ 请向12333确认现行规定。') && more.includes('文件：《'), more ?? '');
  });
  it('an English reply is English outside the quoted clause and the document number', () => {
    const b: ReplyBlocks = {
      ...eligibilityZh(),
      lang: 'en',
      answer: {
        text: 'Not eligible yet: for world rank 51–100 you need 6 months of social insurance first (you have 5).',
        verdict: 'not_eligible',
      },
      conditions: [
        {
          id: 'social_insurance_6m',
          fact: 'socialInsuranceMonths',
          value: 5,
          display: '5 months',
          label: '6 months of Shanghai social insurance',
          status: 'fail',
          source: { kind: 'button', text: 'Less than 6 months' },
          clause: '三',
        },
      ],
      notes: [
        { kind: 'rule', priority: 50, text: 'World rank usually refers to QS, THE, U.S. News or ARWU.' },
        { kind: 'rule', priority: 40, text: '中文说明不应出现在英文回复中。' },
      ],
      followUp: {
        fact: 'x',
        question: 'Did you study abroad?',
        choices: [
          { label: 'Yes', value: 'true' },
          { label: 'No', value: 'false' },
        ],
      },
    };
    const { text } = renderTerminal(b, en);
    // the quoted clause stays Chinese, with its clause label and document number
    const outside = text.replace(`“[${b.quote!.heading}]${QUOTE_TEXT}”`, '').replaceAll(CITATION.docNumber!, '').replace('clause 三', '');
    assert.ok(!/\p{Script=Han}/u.test(outside), outside);
    assert.ok(text.includes('Choices: Yes / No'));
    assert.ok(text.includes('— 沪人社力〔2022〕103号, clause 三, 2022-06-01'), text);
  });
});

describe('blocks JSON form', () => {
  it('round-trips and names a wrong field', () => {
    const b = eligibilityZh();
    const json = JSON.parse(JSON.stringify(blocksToJson(b)));
    assert.deepEqual(parseBlocks(json), JSON.parse(JSON.stringify(b)));
    json.conditions[0].status = 'maybe';
    assert.throws(() => parseBlocks(json), /field "conditions\.0\.status"/);
  });
});

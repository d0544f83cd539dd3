import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { classifyScope, loadScopeTable, parseScopeTable, ScopeTableError } from '../../bot/reply/scope.ts';

const table = loadScopeTable(join(PROJECT_ROOT, 'corpus', 'out-of-scope.yaml'));
const id = (text: string, lang: 'zh' | 'en' = 'zh') => classifyScope(table, text, lang)?.id ?? null;

describe('classifyScope on corpus/out-of-scope.yaml', () => {
  it('another city → that city’s 12333, with its area code', () => {
    const m = classifyScope(table, '北京的人才引进落户政策是什么？', 'zh');
    assert.equal(m?.id, 'other_city');
    assert.ok(m!.reply.includes('北京的12333') && m!.reply.includes('010-12333'), m!.reply);
    const en = classifyScope(table, 'How do I get hukou in Shenzhen?', 'en');
    assert.ok(en?.reply.includes("Shenzhen's 12333") && en.reply.includes('0755-12333'), en?.reply);
    assert.equal(id('深圳灣的社保怎麼轉'), 'other_city', 'traditional characters');
  });
  it('Shanghai keeps a message in scope, but not beside another sentence that asks about another city', () => {
    assert.equal(id('我在上海工作，之前在杭州交过社保，能落户吗'), null);
    assert.equal(
      id("Does Hangzhou give a rent subsidy to new master's graduates? I'm deciding between Hangzhou and Shanghai.", 'en'),
      'other_city',
    );
    assert.equal(id('OK never mind Beijing. For Shanghai: HKUST MPhil, full-time in Shanghai, SI 2 months.', 'en'), null);
    assert.equal(id('员工全职 能落户吗，他老婆是外地户口，落户后能随迁吗'), 'residence_and_travel');
  });
  it('an English cue finds its inflections and hyphenated forms, as whole words', () => {
    assert.equal(id('Is outpatient treatment reimbursed by medical insurance?', 'en'), 'social_insurance_benefits');
    assert.equal(id('How many days of maternity-leave do we give?', 'en'), 'labour_standards');
    assert.equal(id('What pensions do retirees get?', 'en'), 'social_insurance_benefits');
    assert.equal(id('Can our pensioner-owned firm apply for the HR licence?', 'en'), null, 'not inside another word');
  });
  it('leave, probation questions and areas without documents have their own answers', () => {
    assert.equal(id('试用期最长几个月'), 'labour_standards');
    assert.equal(id('代尔夫特理工 全职 还在试用期'), null, 'a probation remark is a fact, not the question');
    assert.equal(id('Lingang new area: can talent get hukou after 3 years there?', 'en'), 'other_area_schemes');
    assert.equal(id('我儿子诺丁汉大学 英国本部的 不是宁波那个 全职'), null, 'a campus denied is no city asked about');
    assert.equal(id('居转户是不是要交满七年社保啊'), 'residence_and_travel');
  });
  it('a message that also names Shanghai stays in scope', () => {
    assert.equal(id('我在北京读的本科，现在在上海工作，能落户吗'), null);
    assert.equal(id('从杭州调到杨浦工作，社保怎么转'), null);
  });
  it('tax → 12366; 税前 income in a subsidy question is not a tax question', () => {
    assert.equal(id('人才补贴要交个人所得税吗'), 'tax');
    assert.ok(classifyScope(table, '个税汇算怎么退税', 'zh')!.reply.includes('12366'));
    assert.equal(id('宝山骨干人才按税前年收入怎么资助'), null);
    assert.equal(id('Do I pay income tax on the subsidy?', 'en'), 'tax');
  });
  it('labour disputes → 12333 and arbitration', () => {
    const m = classifyScope(table, '公司拖欠工资三个月了怎么办', 'zh');
    assert.equal(m?.id, 'labour_dispute');
    assert.ok(m!.reply.includes('12333') && m!.reply.includes('仲裁'));
    assert.equal(id('I want to apply for labour arbitration', 'en'), 'labour_dispute');
  });
  it('small talk only when the message is nearly nothing else', () => {
    assert.equal(id('你好'), 'small_talk');
    assert.equal(id('在吗？？'), 'small_talk');
    assert.equal(id('谢谢！👍'), 'small_talk');
    assert.equal(id('Hi, who are you?', 'en'), 'small_talk');
    assert.equal(id('你好，我想问一下留学生落户'), null);
    assert.equal(id('this is about hukou', 'en'), null, '"hi" inside a word is not a greeting');
  });
  it('policy questions are not out of scope', () => {
    for (const q of [
      '世界排名前50的大学毕业能直接落户吗',
      '宝山区的人才安居资助最高多少',
      '疫情期间公司断缴社保，后来补上了，影响人才引进吗',
    ])
      assert.equal(id(q), null, q);
  });
});

describe('parseScopeTable', () => {
  it('names the file and field of a problem', () => {
    assert.throws(
      () => parseScopeTable('categories:\n  - id: x\n    when: sometimes\n    cues: [a]\n    reply: { zh: a, en: b }\n', 't.yaml'),
      (e: Error) => e instanceof ScopeTableError && /t\.yaml: field "categories\.0\.when"/.test(e.message),
    );
    assert.throws(
      () => parseScopeTable('categories:\n  - id: x\n    when: always\n    cues: [a]\n    reply: { zh: "{place}", en: b }\n', 't.yaml'),
      /categories\.0 \(x\)\.reply\.zh: unknown placeholder \{place\}/,
    );
    assert.throws(
      () => parseScopeTable('categories:\n  - id: x\n    when: always\n    reply: { zh: a, en: b }\n', 't.yaml'),
      /needs cues or places/,
    );
  });
});

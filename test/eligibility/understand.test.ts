import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { loadCueTables } from '../../eligibility/cues.ts';
import { extractLang } from './extract-lang.ts';
import { extractFacts } from '../../eligibility/extract.ts';
import { loadFactCatalog } from '../../eligibility/rules.ts';
import { resolveDates, understand, type Understanding } from '../../eligibility/understand.ts';

// The understanding stage over the shipped cue tables, without a rankings table (ranks given as numbers).
const catalog = loadFactCatalog(join(PROJECT_ROOT, 'corpus/rules/facts.yaml'));
const cues = loadCueTables(join(PROJECT_ROOT, 'corpus/lang'), new Set(Object.keys(catalog)));
const extract = (
  t: string,
  o: { asOf: string; openFact?: string | null; contextYear?: number | null; messageText?: string; topicFacts?: string[] },
) =>
  extractFacts(t, {
    asOf: o.asOf,
    topicFacts: o.topicFacts,
    lang: extractLang,
    openFact: o.openFact ?? undefined,
    contextYear: o.contextYear ?? undefined,
    messageText: o.messageText,
  });
const u = (q: string, ctx: Partial<Parameters<typeof understand>[1]> = {}) =>
  understand(q, { asOf: '2026-12-01', ...ctx }, { cues, extract, catalog, dates: extractLang.dates });
const selfFacts = (x: Understanding) => Object.keys(x.facts).sort();

test('dates as people write them resolve against the reference year, never today by default', () => {
  const r = (t: string, ref: number | null = null) => resolveDates(t, '2026-12-01', cues, ref, extractLang.dates).text;
  assert.equal(r('22年6月至9月'), '2022年6月至9月');
  assert.equal(r('2022.05补缴'), '2022年5月补缴');
  assert.equal(r('22.5欠缴'), '2022年5月欠缴');
  assert.equal(r('当年11月补的', 2022), '2022年11月补的');
  assert.equal(r('去年年底'), '2025年12月');
  assert.equal(r('2022年上半年'), '2022年1月至6月');
  assert.equal(r('社保交了10年'), '社保交了10年', 'a duration is not a year');
  assert.equal(r('22届'), '2022届');
  assert.equal(resolveDates('22届，那年11月', '2026-12-01', cues, null, extractLang.dates).text, '2022届，2022年11月');
  assert.equal(resolveDates('当年11月', '2026-12-01', cues, null, extractLang.dates).text, '当年11月', 'no year named: left unresolved');
});

test('extraction asserts the exact set of facts, each with a span of the message', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['QS排名第35的学校毕业，在上海全职，能落户吗', { worldRank: 35, rankingSystem: 'QS', employedFullTimeInShanghai: true }],
    [
      '2022年6月至9月因为疫情社保没交，2022年12月补上了',
      {
        missedContributionMonths: ['2022-06', '2022-07', '2022-08', '2022-09'],
        missedDueToEpidemic: true,
        backPaid: true,
        backPaidOn: '2022-12',
      },
    ],
    ['交大毕业 想落户', { studiedAbroad: false }],
    ['还在美国读书，offer还没拿到', { studiedAbroad: true, employedFullTimeInShanghai: false }],
  ];
  for (const [q, want] of cases) {
    const x = u(q);
    assert.deepEqual(x.facts, want, q);
    for (const f of Object.keys(want)) {
      const s = x.spans.find((sp) => sp.fact === f && (sp.role === 'self' || sp.role === 'negated'));
      assert.ok(s, `${q}: ${f} has a span`);
      assert.equal(x.text.slice(s.span[0], s.span[1]), s.text, `${q}: span of ${f} points into the message`);
    }
  }
});

test('roles: comparison, hypothetical and reported mentions are not facts about the person', () => {
  const a = u('我在杨浦工作，杨浦有没有宝山那种骨干人才激励');
  assert.equal(a.facts.workDistrict, '杨浦');
  const b = u('要是我考上QS前50的学校，毕业后在上海工作，可以落户不');
  assert.deepEqual(selfFacts(b), []);
  assert.ok(b.spans.some((s) => s.role === 'hypothetical' && s.fact === 'worldRank'));
  const c = u('听说前50名的不看社保，我学校是QS 60，在上海全职');
  assert.equal(c.facts.worldRank, 60);
  assert.ok(c.spans.some((s) => s.role === 'reported'));
  const d = u('宝山那个安居资助 我是徐汇的紧缺人才 能拿吗');
  assert.equal(d.facts.workDistrict, '徐汇', 'a district owning the measure is not where the person works');
});

test('goals, intent, the situation date and corrections (the later statement wins)', () => {
  const g = u('曼大毕业的 想落户');
  assert.deepEqual(g.goals.includes('settlement'), true);
  assert.equal(g.intent, true);
  const s = u('我们公司是22年8月成立的，当时社保晚交了，那会儿办许可能先承诺吗');
  assert.equal(s.situationDate, '2022-08-01');
  assert.ok(s.goals.includes('licence'));
  const now = u('疫情那会儿公司2022年5月的社保没按时交，现在申请落户有影响吗');
  assert.equal(now.situationDate, null, 'a question about now has no situation date');
  const c = u('QS第30，哦不对是130，在上海全职');
  assert.equal(c.facts.worldRank, 130);
  assert.deepEqual(c.corrections, [{ fact: 'worldRank', from: 30, to: 130 }]);
  const next = u('不对，是145', { lastFacts: ['worldRank'], known: { worldRank: 45 } });
  assert.equal(next.facts.worldRank, 145);
  assert.deepEqual(next.corrections, [{ fact: 'worldRank', from: 45, to: 145 }]);
  assert.equal(u('六个月了', { openFact: 'worldRank' }).facts.socialInsuranceMonths, 6, 'a unit names the fact');
});

test('bad input never throws: empty, 20 000 characters, digits, emoji, mixed scripts', () => {
  for (const q of ['', ' ', '1234567890', '😀😀😀', '？？？', '落户'.repeat(10_000), 'QS 30 全职 in 上海 🎓', '\u0000\u200b']) {
    const x = u(q);
    assert.ok(Array.isArray(x.spans));
    for (const sp of x.spans) assert.ok(sp.span[0] >= 0 && sp.span[1] <= x.text.length);
  }
});

// General rules found by blind sets 11 and 12 (each was a confident wrong verdict there).
test('an A-not-A question asks and denies nothing ("能不能承诺")', () => {
  const x = u('我们是新设的人力资源服务机构，疫情欠了社保，能不能承诺年底前补缴');
  assert.notEqual(x.facts.commitsToBackPay, false);
  assert.equal(u('我们新设的人力资源机构 疫情欠社保 不想承诺').facts.commitsToBackPay, false, 'a real refusal still counts');
});

test('a question restating a condition does not replace a value stated before it', () => {
  assert.equal(u('现在这家全职，社保连续交了4个月，能直接落户吗还是要先满半年').facts.socialInsuranceMonths, 4);
  const x = u('因为疫情公司22年6月到9月社保没交，财务说23年1月3号才补完，这样还算年底前补缴吗');
  assert.equal(x.facts.backPaidOn, '2023-01-03');
});

test('"差1名进前50" is short of the band, not a rank of 1 nor inside it', () => {
  assert.equal(u('学校QS第51，就差一名进前50，现在全职').facts.worldRank, 51);
});

test('what was only planned ("本来想…结果…") is not what happened', () => {
  const x = u('22届的 本来想22年底回学校考 结果阳了拖到23年1月才去考 还能享受补贴吗');
  assert.equal(x.facts.skillAssessmentDate, '2023-01');
});

test('a list of talent categories denied after it ("…都不算") is denied', () => {
  assert.equal(u('宝山上班 我高层次人才团队核心紧缺急需都不算 就是普通职员').facts.talentCategory, 'other');
});

test('two values said as either-or are the interval of both', () => {
  assert.deepEqual(u('企业员工 线上培训补贴领了两次还是三次记不清了').facts.onlineTrainingSubsidiesUsed, { min: 2, max: 3 });
  assert.deepEqual(u('学校QS 60还是65来着').facts.worldRank, { min: 60, max: 65 });
  assert.equal(u('2022年或者2023年毕业').facts.worldRank, undefined, 'years are no alternatives of a count');
});

test('a correction after a remark takes the value that follows it', () => {
  assert.equal(u('企业员工 线上培训补贴领过3次 不对 我刚翻了记录 是2次').facts.onlineTrainingSubsidiesUsed, 2);
  assert.equal(u('社保5个月 不对 刚算了下是6个月 全职').facts.socialInsuranceMonths, 6);
});

test("a cousin's or a friend's facts are not the person's", () => {
  assert.equal(u('闺蜜在宝山拿了安居资助 我在静安上班 我能申请吗').facts.workDistrict, '静安');
  assert.equal(u('我表弟是22届的 我自己是20届毕业').facts.graduationYear, 2020);
});

test("an HR contact's job and company are not about them: the colleague asked for is the case", () => {
  const x = u('我是公司人事 有个同事QS排名第67 全职入职我们上海公司 社保交了6个月 能申请名校落户吗');
  assert.equal(x.facts.worldRank, 67);
  assert.equal(x.facts.socialInsuranceMonths, 6);
  assert.equal(u('我们新开的人力资源服务公司 疫情原因社保欠了 老板说不想做什么承诺').facts.commitsToBackPay, false);
  assert.equal(u('企业员工 有个员工22年9月参加了线上职业培训 他那年之前已经补过一次了').facts.onlineTrainingSubsidiesUsed, 1);
});

test('what is said of now settles a conflicting statement about then', () => {
  assert.equal(u('去年9月毕业回国 那会儿还没找到工作 现在在上海全职了').facts.employedFullTimeInShanghai, true);
  assert.equal(u('还在读研 打算明年回国 到时候来上海全职').facts.employedFullTimeInShanghai, false, 'a plan is not now');
});

test('shortfalls, 出头, 两回, the months a back payment was for, and a relative of 我 (blind set 13)', () => {
  assert.equal(u('社保交了五个月 差一个月能不能先办').facts.socialInsuranceMonths, 5);
  assert.deepEqual(u('软科排名一百出头的学校').facts.worldRank, { min: 101, max: 199 });
  assert.equal(u('企业职工 线上培训补贴之前已经享受过两回了').facts.onlineTrainingSubsidiesUsed, 2);
  const x = u('22年6月到9月的社保是后来补缴的 2022年11月底补完');
  assert.deepEqual(x.facts.missedContributionMonths, ['2022-06', '2022-07', '2022-08', '2022-09']);
  assert.equal(x.facts.backPaidOn, '2022-11');
  assert.equal(u('我侄子QS排名第29 在浦东全职上班 能落户吗').facts.worldRank, 29, 'asked for the nephew');
});

test('blind sets 14 and 15: shortfalls to a total, 当月, month lists, ranking names, the kind of people asked about', () => {
  assert.equal(u('利兹的硕士 上海全职 社保差一个月满半年').facts.socialInsuranceMonths, 5);
  assert.equal(u('疫情影响 22年4月的社保晚交了 当月就补了').facts.backPaidOn, '2022-04');
  assert.deepEqual(u('公司因为疫情22年5、6、7月社保没按时交').facts.missedContributionMonths, ['2022-05', '2022-06', '2022-07']);
  assert.equal(u('软科 58 社保6个月 能落吗').facts.worldRank, 58);
  assert.equal(u('我老婆能落户吗 她QS 40的学校毕业的').facts.worldRank, 40, 'asked for the wife');
  assert.equal(u('我不是兼职哈 是全职').facts.employedFullTimeInShanghai, true);
  assert.equal(u('我自己是国内本科 没出过国留学').facts.studiedAbroad, false);
  assert.equal(u('22年8月那会儿 因为疫情我们社保没按时缴 办人力资源服务许可能先办吗').situationDate, '2022-08-01');
  assert.equal(u('51到100名的留学生 要交多久社保才能落户').facts.worldRank, undefined, 'a kind of people, not the person');
  assert.deepEqual(u('100名开外的海归 名校落户那条能用吗').facts.worldRank, { min: 101 }, 'asks whether they can: the person');
});

test('the district asked about: in a question for information, and before a comparison, not the one compared', () => {
  assert.deepEqual(u('嘉定区人才安居补贴多少钱').districtsAsked, ['嘉定']);
  assert.deepEqual(u('嘉定有没有宝山那样的人才安居资助').districtsAsked, ['嘉定']);
  assert.deepEqual(u('宝山区人才安居资助最高多少').districtsAsked, ['宝山']);
});

test('中专毕业 is a graduation year (a home degree beside a university abroad: eligibility-extract.yaml)', () => {
  assert.equal(u('孩子是2022年6月中专毕业的').facts.graduationYear, 2022);
});

test('blind set 17: neighbouring numbers are either-or; a past event asked about is the situation', () => {
  assert.deepEqual(u('QS 66 全职 社保大概交了七八个月 能落户吗').facts.socialInsuranceMonths, { min: 7, max: 8 });
  assert.equal(u('22届毕业 22年11月回学校参加了技能等级认定 能享受补贴吗').situationDate, '2022-11-01');
  assert.equal(u('2022年10月那会 企业职工 线上职业培训补贴已经用了3次 还能再申请吗').situationDate, '2022-10-01');
});

test("a company's hires are reported, unless the clause speaks of the person", () => {
  assert.equal(u('我是宝山企业引进的紧缺急需人才 有住房补贴吗').facts.talentCategory, 'shortage');
  assert.equal(u('企业引进的紧缺急需人才能申请住房补贴吗').facts.talentCategory, undefined);
});

test('a band followed by a unit is a count, not a rank: 7-8个月, 5到6个月, 5-6 months', () => {
  const a = u('曼大毕业 上海全职 社保交了7-8个月 能落户吗');
  assert.deepEqual(a.facts.socialInsuranceMonths, { min: 7, max: 8 });
  assert.equal(a.facts.worldRank, undefined);
  const b = u('QS 80 上海全职 社保交了5到6个月 能落户吗');
  assert.deepEqual([b.facts.worldRank, b.facts.socialInsuranceMonths], [80, { min: 5, max: 6 }]);
  assert.deepEqual(u('ranked 60, full-time in Shanghai, 5-6 months of social insurance').facts.socialInsuranceMonths, { min: 5, max: 6 });
  // A band with a rank word stays a rank.
  assert.deepEqual(u('QS 51-100名 全职 社保6个月').facts.worldRank, { min: 51, max: 100 });
});

test('an A-not-A question on back payment states neither (补没补, 有没有补)', () => {
  const a = u('2022年8月社保因为疫情没按时交，补没补我也不清楚，得问财务');
  assert.deepEqual([a.facts.missedContributionMonths, a.facts.backPaid], [['2022-08'], undefined]);
  assert.equal(u('社保有没有补缴过我不清楚').facts.backPaid, undefined);
  assert.equal(u('2022年8月社保断缴 到现在还没补').facts.backPaid, false);
});

test('a cue inside a longer match of the same fact is part of it', () => {
  // "骨干" alone would state the fact; inside "还没被认定为重点企业骨干" it is the denial's word.
  assert.equal(u('宝山企业 我还没被认定为重点企业骨干').facts.isKeyEnterpriseBackbone, false);
  assert.equal(u('宝山企业 我是重点企业骨干').facts.isKeyEnterpriseBackbone, true);
  // Two cues of one fact, one after the other, both count ("断缴" then "补缴").
  const x = u('疫情断缴补缴');
  assert.deepEqual([x.facts.missedDueToEpidemic, x.facts.backPaid], [true, true]);
});

test('a band that names the measure ("前100名校落户政策") is not the person\'s rank', () => {
  assert.equal(u('全职两年了，前100名校落户政策我能用吗').facts.worldRank, undefined);
  assert.equal(u('现在全职，想走前100名校直接落户').facts.worldRank, undefined);
  assert.equal(u('Does the top-100 settlement measure cover me? I work full-time in Shanghai').facts.worldRank, undefined);
  // …but the school's band is: "前50名校毕业".
  assert.deepEqual(u('前50名校毕业 全职 能落户吗').facts.worldRank, { min: 1, max: 50 });
});

test('an A-not-A question the person cannot answer doubts what it asks ("算不算全职我也说不清")', () => {
  const x = u('现在在上海上班，但是算不算全职我也说不清');
  assert.ok(x.doubts.some((d) => d.fact === 'employedFullTimeInShanghai'));
  assert.ok(!u('现在在上海全职上班').doubts.some((d) => d.fact === 'employedFullTimeInShanghai'));
});

test('a refusal with words between the negation and the stem ("不愿意签那个承诺书") refuses', () => {
  assert.equal(u('新设立的人力资源服务机构 疫情欠了社保 不愿意签那个承诺书').facts.commitsToBackPay, false);
});

test('"差那么一名" is a difference of places, not a rank of 1', () => {
  assert.equal(u('我学校排101名，就差那么一名，在上海全职两年了').facts.worldRank, 101);
});

test('dates written yy.mm.dd, and 下半年 after a named year', () => {
  const r = (t: string) => resolveDates(t, '2026-12-01', cues, null, extractLang.dates).text;
  assert.equal(r('23.01.01 才补缴'), '2023年1月1日 才补缴');
  assert.equal(r('2022年上半年领过1次，下半年9月再参加'), '2022年1月至6月领过1次，2022年9月再参加');
  assert.equal(r('承诺年底前补'), '承诺年底前补', 'a deadline word keeps its words');
  // The months of a part of a year are no either-or count, and the count beside them is not doubted.
  const x = u('企业员工 2022年上半年领过1次线上培训补贴，下半年9月再参加一次还能领吗');
  assert.equal(x.facts.onlineTrainingSubsidiesUsed, 1);
  assert.ok(!x.doubts.some((d) => d.fact === 'onlineTrainingSubsidiesUsed'));
});

test('"六七十名那样" is about that rank, not a comparison', () => {
  assert.deepEqual(u('排名大概在六七十名那样，全职，社保交了三个月').facts.worldRank, { min: 60, max: 70 });
});

test('a list of people: only the one asked about is the case', () => {
  const x = u('小李QS 75，社保3个月；我问的是小张：QS 40，全职，能直接落户吗');
  assert.deepEqual([x.facts.worldRank, x.facts.socialInsuranceMonths], [40, undefined]);
  assert.deepEqual(x.people, { labels: ['小李', '小张'], asked: '小张' });
  const y = u('名单：Amy 墨尔本大学 全职；Bob 南安普敦大学 全职 SI 10个月。Bob能走名校落户吗？');
  assert.equal(y.people?.asked, 'Bob');
  const z = u('A：QS 30，全职；B：QS 80，社保2个月；C：国内211。他们仨能落户吗？');
  assert.deepEqual([z.people?.asked, z.facts.worldRank, z.facts.studiedAbroad], [null, undefined, undefined]);
  // One label is no list ("Our company…; our engineer…").
  assert.equal(u('Our company is in Baoshan; our lead engineer is core staff').people, null);
});

test('months of social insurance counted from the month they started', () => {
  assert.deepEqual(u('QS 70，全职，社保从去年10月开始交，一直没断').facts.socialInsuranceMonths, { min: 13, max: 14 });
  assert.deepEqual(u('QS 90，全职，社保今年9月才开始交的').facts.socialInsuranceMonths, { min: 2, max: 3 });
});

test('a full-time start within weeks on an offer taken is full-time, said back; 才/明年 is not yet', () => {
  const x = u('刚拿到offer 下个月入职 全职');
  assert.equal(x.facts.employedFullTimeInShanghai, true);
  assert.ok(x.notes.some((n) => n.includes('下个月入职')));
  assert.equal(u('员工是港中文毕业 下个月才入职').facts.employedFullTimeInShanghai, false);
  assert.equal(u('人还在伦敦 offer拿到了 明年3月才入职上海').facts.employedFullTimeInShanghai, false);
  assert.equal(u('offer还没拿到 能先落户吗').facts.employedFullTimeInShanghai, false);
});

test('a supposition put on a past day asks about that day ("…那天…，要是那天去申请，能用…吗")', () => {
  const x = u('2022年5月20日那天我已经是QS前30毕业、在上海全职了，要是那天去申请，能用世界名校直接落户政策吗');
  assert.deepEqual([x.situationDate, x.situationAsked], ['2022-05-20', true]);
});

test('what a clause of the measure says is no fact of the person ("那条说的4月到11月")', () => {
  assert.equal(u('社保补缴那条说的4月到11月，是所属期还是缴费月份').facts.missedContributionMonths, undefined);
});

test('"不在重点企业名单里，我也算不上骨干" denies the backbone fact', () => {
  assert.equal(u('宝山企业的员工，不过我们公司不在重点企业名单里，我也算不上骨干').facts.isKeyEnterpriseBackbone, false);
});

test('a pasted list, one line each, and the one asked about later', () => {
  const list =
    'Two hires, both full-time in Shanghai:\n- A: University of Bristol MSc, SI 7 months\n- B: University of Southampton MSc, SI 9 months';
  assert.deepEqual(u(`${list}\nCan A apply for hukou?`).people, { labels: ['A', 'B'], asked: 'A' });
  const b = u(`${list}\nCan A apply for hukou?\nAnd what about B?`);
  assert.deepEqual([b.people?.asked, b.facts.socialInsuranceMonths], ['B', 9]);
});

test('English month/year and quarters are dates', () => {
  const r = (t: string) => resolveDates(t, '2026-12-01', cues, null, extractLang.dates).text;
  assert.equal(r('assessment in 12/2022'), 'assessment in 2022年12月');
  assert.equal(r('We missed Q2 2022 SI'), 'We missed 2022年4月至6月 SI');
});

test('English backbone status with a word in brackets ("core (backbone) staff")', () => {
  assert.equal(
    u('Our company is a key enterprise in Baoshan and our R&D director is recognised by us as core (backbone) staff').facts
      .isKeyEnterpriseBackbone,
    true,
  );
});

test('English dates: apostrophe years, parts of a year before it, relative years', () => {
  const r = (t: string) => resolveDates(t, '2026-12-01', cues, null, extractLang.dates).text;
  assert.equal(r("missed May '22"), 'missed May 2022');
  assert.equal(r("class of '22"), 'class of 2022');
  assert.equal(r("'99 was long ago"), "'99 was long ago", 'outside the two-digit year range');
  assert.equal(r('back-paid in mid-2022'), 'back-paid in 2022年5月至8月');
  assert.equal(r('the first half of 2023'), '2023年1月至6月');
  assert.equal(r('H2 2022'), '2022年7月至12月');
  assert.equal(r('2022 H1'), '2022年1月至6月');
  assert.equal(r('in spring 2022'), 'in 2022年3月至5月');
  assert.equal(r('I graduated last year'), 'I graduated 2025');
  assert.equal(r('at the end of last year'), 'at the end of 2025');
  assert.equal(r('the start of the project'), 'the start of the project', 'a part without a year stays');
  assert.equal(r('back-paid in 11/2022. Does it matter?'), 'back-paid in 2022年11月. Does it matter?', 'a full stop after it');
  assert.equal(r('2022.05.断了'), '2022年5月.断了');
});

test("English back payments: the period after the words, a negation before them, another event's date", () => {
  const a = u("We missed SI in May '22 because of the lockdown and back-paid it in early 2023. Does it affect my talent application?");
  assert.deepEqual(a.facts.missedContributionMonths, ['2022-05']);
  assert.equal(a.facts.backPaidOn, '2023-03', 'by the last month of the period');
  assert.ok(
    a.doubts.some((d) => d.fact === 'backPaidOn' && d.why === 'vague'),
    'a part of a year is approximate',
  );
  const b = u("We still haven't back-paid the Apr-May 2022 arrears caused by the lockdown. Can he still rely on it?");
  assert.equal(b.facts.backPaid, false);
  assert.equal(b.facts.backPaidOn, undefined);
  assert.deepEqual(b.facts.missedContributionMonths, ['2022-04', '2022-05']);
  const c = u(
    'We set up a new HR-services firm in mid-2022 and missed some social insurance due to COVID. In August 2022, could we get the licence first by committing to back-pay?',
  );
  assert.equal(c.facts.missedContributionMonths, undefined, 'the founding date is no month missed');
  assert.equal(c.situationDate, '2022-08-01', 'the date put before the question');
  assert.ok(!c.doubts.some((d) => d.fact === '*date'), 'the founding date is a date of the story');
});

test('the epidemic is the reason for missed contributions only in a message about contributions', () => {
  assert.equal(
    u('Our talent application was approved online but we could not hand in the papers because of the lockdown. What did the notice allow?')
      .facts.missedDueToEpidemic,
    undefined,
  );
  assert.equal(u('22年封城那阵子 其实也是疫情生意做不下去 5月6月的社保就没交').facts.missedDueToEpidemic, true);
});

test('the asking clause that opens with its own past date is the situation, over an earlier event', () => {
  const x = u(
    'New HR service company registered 07/2022; we fell behind on SI because of cash-flow problems (not pandemic-related). On 1 Oct 2022 could we have applied for the licence under the commitment model?',
  );
  assert.equal(x.situationDate, '2022-10-01');
  assert.equal(x.facts.missedDueToEpidemic, false);
  assert.equal(x.facts.isNewHrAgency, true);
});

test('blind sets 28, 30, 31: ordinals of a training, a job before, a list denied, deadlines, cleared arrears', () => {
  assert.equal(u('第三次培训是22年11月').facts.onlineTrainingSubsidiesUsed, 2, 'the third one: two used before it');
  assert.equal(
    u('In 2022 I took two subsidised online courses; could I get a third one in November?').facts.onlineTrainingSubsidiesUsed,
    2,
  );
  assert.equal(u('刚才说错了，其实是全职，兼职是之前那份').facts.employedFullTimeInShanghai, true, 'the part-time job was the one before');
  assert.equal(u('他就是普通的工程师，不算高层次、团队核心或者紧缺人才').facts.talentCategory, 'other', 'every item of the list is denied');
  const d = u("We applied in Oct 2022 but told the bureau we couldn't promise to pay the arrears by December.");
  assert.equal(d.facts.missedContributionMonths, undefined, 'a deadline is no month missed');
  assert.equal(d.facts.commitsToBackPay, false);
  const c = u('We missed the Oct and Nov 2022 payments during the covid closures and cleared them on 31 Dec 2022.');
  assert.equal(c.facts.backPaid, true);
  assert.equal(c.facts.backPaidOn, '2022-12-31');
  const x = u('My friend works in Changning — does Changning have anything like rent subsidies for talent?');
  assert.equal(x.facts.workDistrict, undefined, "the friend's workplace is not the person's");
  assert.deepEqual(x.districtsNamed, ['长宁']);
  assert.deepEqual(u("I run a small consultancy in Jing'an. Is there a district subsidy for hiring fresh graduates?").districtsAsked, [
    '静安',
  ]);
});

test('blind set 29: a relative spoken for is the case; almost a count; days short of a total', () => {
  const x = u('我儿子利物浦大学的 全职一年多了');
  assert.equal(x.facts.employedFullTimeInShanghai, true, "the son's facts are the case, question or not");
  assert.equal(u('我同事是剑桥的').facts.studiedAbroad, undefined, "a colleague's are not");
  assert.equal(u('社保交了快半年了').facts.socialInsuranceMonths, 5);
  assert.equal(u('社保快6个月了').facts.socialInsuranceMonths, 5);
  assert.deepEqual(u('硕士回国，在上海全职快一年了社保一直在交').facts.socialInsuranceMonths, { min: 6, max: 11 });
  assert.equal(u('社保交了 差几天满六个月').facts.socialInsuranceMonths, 5);
});

test('English: months since a start date; typos read the standard way', () => {
  const x = u('Full time in Shanghai and my social insurance has been paid every month since Feb 2026. Can I apply?');
  assert.deepEqual(x.facts.socialInsuranceMonths, { min: 9, max: 10 });
  assert.equal(x.facts.applicationDate, undefined, 'a start is no application date');
  assert.deepEqual(u("I'm employed full-time in Shanghai since January this year.").facts.socialInsuranceMonths, { min: 10, max: 11 });
});

test('an HR agency founded shortly before the time asked about is new; English commitments and arrears', () => {
  const x = u(
    'We were set up in Oct 2022 as a headhunting agency. Because of covid we could not pay social insurance on time. In Nov 2022 we applied for the HR service licence and committed to back-pay by year end. Was that allowed?',
  );
  assert.equal(x.facts.isNewHrAgency, true);
  assert.equal(x.facts.commitsToBackPay, true);
  assert.equal(
    u('我们是人力资源公司，2015年成立的，22年11月申请许可，能先承诺吗').facts.isNewHrAgency,
    undefined,
    'founded years before: not new',
  );
  assert.equal(u('We are a software company (not an HR service provider) that missed SI in 2022 due to covid.').facts.isNewHrAgency, false);
  assert.equal(u('We applied for the licence in Feb 2023 and our SI was still unpaid because of covid.').facts.backPaid, false);
});

test('blind set 29: spoken years, counts after a date, contributions since the job started', () => {
  assert.equal(u('二三年五月份我老公办的留学生落户').text.startsWith('2023年5月'), true, '二三年 before a month is 2023');
  assert.equal(u('今年在上海找了份工作全职的刚交了两个月社保').facts.socialInsuranceMonths, 2, 'the count after a year named');
  assert.deepEqual(u('今年三月份入职上海一家基金公司全职 从入职就开始交社保').facts.socialInsuranceMonths, { min: 8, max: 9 });
  assert.equal(u('QS 70 全职 社保交了半年 但是中间22年5月6月疫情断过两个月 后来当年补了').facts.socialInsuranceMonths, 6);
});

test('blind sets 32, 33: a hedged belief corrects nothing; "A是…，B是…" lists; bounds; English counts', () => {
  const x = u('LSE master，full-time入职了，SI还没交，LSE应该是前50吧？能直接办吗');
  assert.equal(x.facts.socialInsuranceMonths, 0, '"应该是前50吧" is a belief, not a correction of the months');
  const list = u('两个人问一下：A是UCLA的，B是UC Irvine的，都全职，都交了3个月社保。先看B');
  assert.deepEqual(list.people?.labels, ['A', 'B']);
  assert.equal(list.people?.asked, 'B');
  const t = u('我在一家民企上班，22年9月报了个线上职业培训，今年之前已经领过2次线上培训补贴了，这次还能领吗？');
  assert.equal(t.facts.trainingDate, '2022-09', '"今年之前" is a bound, not the training date');
  assert.equal(u('2022 online training subsidy, company employee, used 1 so far, can i get another?').facts.onlineTrainingSubsidiesUsed, 1);
});

test('English quarters, slashed days, the date nearest its word, backbone staff, English self words', () => {
  const r = (t: string) => resolveDates(t, '2026-12-01', cues, null, extractLang.dates).text;
  assert.equal(r('The 3rd quarter of 2022'), '2022年7月至9月');
  assert.equal(r('22年10月疫情欠缴 12/31补齐的'), '2022年10月疫情欠缴 12月31日补齐的');
  const a = u('I graduated in July 2022 from a vocational college and went back there in Nov 2022 for the skill level assessment.');
  assert.equal(a.facts.skillAssessmentDate, '2022-11', 'the date nearest the assessment');
  assert.equal(a.facts.assessedAtOwnSchool, true);
  assert.equal(u('I work in Baoshan, my employer is a key enterprise and named me as backbone staff.').facts.isKeyEnterpriseBackbone, true);
  assert.equal(
    u('I work in Baoshan at a small trading company. Can I get the backbone talent bonus?').facts.isKeyEnterpriseBackbone,
    undefined,
    'the measure named',
  );
  assert.equal(
    u('My nephew graduated in summer 2022. Was he entitled to the subsidy?').facts.graduationYear,
    2022,
    'asked for him: no English self word',
  );
  assert.equal(
    u('My husband is backbone staff in Baoshan. I work in Pudong. Can I get it too?').facts.isKeyEnterpriseBackbone,
    undefined,
    "the husband's, not mine",
  );
});

test('during a check that counts months paid, a count of months is that count', () => {
  const x = u("Quick update — HR checked and it's actually 6 months, not 4.", { topicFacts: ['socialInsuranceMonths', 'worldRank'] });
  assert.equal(x.facts.socialInsuranceMonths, 6);
  assert.equal(
    u("Quick update — HR checked and it's actually 6 months, not 4.").facts.socialInsuranceMonths,
    undefined,
    'not without the check',
  );
});

test('where the person works is no district asked about when another district owns the measure asked', () => {
  const x = u("We're a company in Xuhui — does that 2 million housing grant from Baoshan apply to our new hires?");
  assert.equal(x.facts.workDistrict, '徐汇');
  assert.deepEqual(x.districtsNamed, ['宝山']);
  assert.deepEqual(
    u("I run a small consultancy in Jing'an. Is there a district subsidy for hiring fresh graduates?").districtsAsked,
    ['静安'],
    'no other district: their own is asked',
  );
});

test('a question whether the university is in a band is no answer to the rank asked for', () => {
  assert.equal(extract('So is my school top 100? can I apply?', { asOf: '2026-12-01', openFact: 'worldRank' }).facts.worldRank, undefined);
  assert.deepEqual(
    extract('前100', { asOf: '2026-12-01', openFact: 'worldRank' }).facts.worldRank,
    { min: 1, max: 100 },
    'a bare band still answers',
  );
});

test('a year alone, or a span of months, of the event asked about is the situation, kept whole', () => {
  const y = u('我老公在厂里上班的 二二年线上职业培训补贴拿过一次了 那年还能再拿吗');
  assert.deepEqual([y.facts.trainingDate, y.situationDate], ['2022', '2022']);
  const h = u('我老公是企业职工 二二年下半年参加了线上职业培训 补贴能申请吗');
  assert.deepEqual([h.facts.trainingDate, h.situationDate], ['2022-07/2022-12', '2022-07/2022-12']);
  assert.deepEqual(
    h.doubts.filter((d) => d.fact === 'trainingDate'),
    [],
    'the span is the part of the year: no doubt',
  );
  // (…but the months of a list fact date no event: "4到6月没交，后来补了" gives no back-payment date.)
  const m = u('22年4到6月疫情没交社保，后来补了，现在办落户有影响吗');
  assert.deepEqual([m.facts.backPaidOn, m.situationDate], [undefined, null]);
  assert.equal(u('23年1到3月办的居转户 社平工资基数还是老的吗').facts.applicationDate, '2023-01/2023-03');
});

test('a correction inside one message: a marker alone, after a pause, replaces the fact it names', () => {
  // "哦不" corrects only as a clause of its own; the later statement wins.
  assert.equal(u('我是全职，哦不，是兼职，在上海一家咨询公司，学校QS 30，能直接落户吗').facts.employedFullTimeInShanghai, false);
  // An ellipsis is a pause: the corrected value is the fact said before the marker in this message.
  assert.equal(u('我是22年6月交的积分材料…哦记错了 是22年8月 平均工资按哪个基数').facts.applicationDate, '2022-08');
  const t = u('22年11月的线上培训 我是企业员工 之前用过两次…哦不 我查了下是三次都用完了');
  assert.equal(t.facts.onlineTrainingSubsidiesUsed, 3, JSON.stringify([t.text, t.facts]));
  assert.equal(u('我21届，哦不，我是22届的，22年10月回母校考的技能等级').facts.graduationYear, 2022);
  // (Not a marker: "哦不是很清楚" says nothing is corrected.)
  assert.equal(u('QS 30 哦不是很清楚 全职').facts.worldRank, 30);
});

test('social insurance paid in another city is no work in Shanghai; she, after another person, is that person', () => {
  assert.equal(
    u('墨尔本大学毕业，全职，但我们公司在苏州，社保也在苏州交的，能申请上海的名校落户吗').facts.employedFullTimeInShanghai,
    false,
  );
  assert.equal(u('墨尔本大学毕业 人在昆山上班 社保也是交在昆山 能落上海户口吗').facts.employedFullTimeInShanghai, false);
  const x = u('我老婆是复旦毕业的 我是悉尼大学硕士 现在我俩都在上海 我是全职 她在做自由职业 我能落户吗');
  assert.equal(x.facts.employedFullTimeInShanghai, true);
  assert.ok(x.spans.some((sp) => sp.role === 'reported' && sp.text === '自由职业'));
  // (A relative the person speaks for is the case, and she is that relative.)
  assert.equal(u('我女儿纽约大学硕士 她现在在上海全职 能落户吗').facts.employedFullTimeInShanghai, true);
});

test('a fact corrected twice in one message is said back once, as it ends', () => {
  const x = u('不好意思说错了，其实我现在是兼职，全职offer还没下来', {
    known: { employedFullTimeInShanghai: true },
    lastFacts: ['employedFullTimeInShanghai'],
  });
  assert.equal(x.facts.employedFullTimeInShanghai, false);
  assert.deepEqual(
    x.corrections.map((c) => [c.fact, c.from, c.to]),
    [['employedFullTimeInShanghai', true, false]],
  );
});

test('districts and hires: a clause bounds an owner word; 区里 is the district named; a hire asked of by 他 is the case', () => {
  assert.equal(u('我们公司在宝山，有个员工想申请骨干人才专项激励，他符合吗').facts.workDistrict, '宝山');
  assert.equal(u('宝山区那个骨干人才奖励，我们公司是区里的重点企业，一年能拿多少').facts.workDistrict, '宝山');
  const hire = u('宝山区的单位引进了一名紧缺急需人才，安居资助他能拿吗');
  assert.deepEqual([hire.facts.workDistrict, hire.facts.talentCategory], ['宝山', 'shortage']);
  // (A kind of people a measure is for, asked in general, stays no case.)
  assert.equal(u('企业引进的紧缺急需人才能申请住房补贴吗').facts.talentCategory, undefined);
});

test("a plan's date of the event a rule asks about is the person's, and the question is judged then; a supposition's is not", () => {
  const plan = u('我们HR下个月要给员工办居转户');
  assert.deepEqual([plan.facts.applicationDate, plan.situationDate], ['2027-01', '2027-01-01']);
  const ifSo = u('如果下个月办居转户，还按老基数吗');
  assert.deepEqual([ifSo.facts.applicationDate, ifSo.supposed.applicationDate], [undefined, '2027-01']);
});

test("asked for a colleague, the asker's own clause is the asker's; our office is the colleague's", () => {
  const x = u('我是国内985毕业的，自己没有留学经历，帮同事问一下：他是UIUC的CS硕士，在我们上海办公室全职，社保14个月了。请问他能落户吗？');
  assert.equal(x.facts.studiedAbroad, undefined, 'the asker studied at home, not the colleague');
  assert.equal(x.facts.employedFullTimeInShanghai, true);
});

test("people: a clause that joins the case with another and says both is the case's; labels with a prefix; a name named again", () => {
  const both = u('我和我老公都在民营企业上班。2022年我用了2次线上职业培训补贴，他用了3次。请问我那年还能再用一次吗？');
  assert.deepEqual([both.facts.isEnterpriseEmployee, both.facts.onlineTrainingSubsidiesUsed], [true, 2], 'his 3 are his, the company both');
  const friends = u('朋友A是牛津毕业的，朋友B是清华本硕（没出过国），两人现在都在上海全职工作。B能不能按世界前50名院校直接落户？');
  assert.deepEqual([friends.people?.asked, friends.facts.university, friends.facts.employedFullTimeInShanghai], ['B', undefined, true]);
  const again = u('员工A是UCL硕士，员工B是复旦本科，B能落户吗');
  assert.deepEqual([again.people?.asked, again.facts.degreeLevel], ['B', 'bachelor'], 'B named again inside its own part');
  const named = u('Amy: UCL MSc, Bob: Manchester MSc, 5 months social insurance. Can Bob get hukou?');
  assert.deepEqual([named.people?.labels, named.people?.asked], [['Amy', 'Bob'], 'Bob'], 'a name with a colon after a comma starts a part');
  // (Without a joining word, 都 of one other person stays theirs.)
  assert.equal(u('我老公都在民营企业上班，我能领培训补贴吗').facts.isEnterpriseEmployee, undefined);
  assert.equal(u('我是全职，我老婆社保交了3个月').speaksOfAnother, true);
  assert.equal(u('我朋友说曼大是前50').speaksOfAnother, false, "hearsay is no other person's case");
});

test('a past application asked about with a question word, or said with 办的, is the situation', () => {
  const q3 = u('Q3 2022我们给两个员工办的居转户 平均工资用的哪个基数');
  assert.deepEqual([q3.facts.applicationDate, q3.situationDate], ['2022-07/2022-09', '2022-07/2022-09']);
  const year = u('2023年办的人才引进 涉及平均工资的那块还是按老标准吗');
  assert.deepEqual([year.facts.applicationDate, year.situationDate], ['2023', '2023']);
  // (A bound after a date is no application: "2022年7月以后怎么算" asks about the measure.)
  assert.equal(u('人才引进的平均工资基数2022年7月以后怎么算').facts.applicationDate, undefined);
});

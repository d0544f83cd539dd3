import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadLocales } from '../../bot/locales/locale.ts';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../bot/config.ts';
import {
  ANSWER_LINE_CHARS,
  answerLine,
  answerSentence,
  bigramScorer,
  clauseParts,
  cueScorer,
  loadAnswerCueFile,
  loadAnswerCues,
  parseAnswerCues,
  questionKinds,
} from '../../bot/reply/answer.ts';

const { zh, en } = loadLocales();
const title = { zh: '世界名校留学人员落户', en: 'Top-university returnees' };

describe('answerLine', () => {
  it('eligible: the verdict and the passing path, not the generic outcome', () => {
    const line = answerLine(
      {
        verdict: 'eligible',
        title,
        reasons: [
          { zh: '您符合条件。', en: 'You qualify.' },
          { zh: '前50名院校不看社保缴费。', en: 'Top 50: no social-insurance requirement.' },
        ],
      },
      zh,
    );
    assert.deepEqual(line, { text: '符合条件：前50名院校不看社保缴费。', verdict: 'eligible' });
    assert.equal(
      answerLine({ verdict: 'eligible', title, reasons: [{ zh: 'x' }, { zh: 'y', en: 'Top 50.' }] }, en).text,
      'Eligible: Top 50.',
    );
  });
  it('not eligible: the failing condition with its value filled in', () => {
    const line = answerLine(
      { verdict: 'not_eligible', title, reasons: [{ zh: '须缴满6个月社保（您目前为{value}）。' }, { zh: '不符合。' }] },
      zh,
      { value: '5个月' },
    );
    assert.equal(line.text, '暂不符合：须缴满6个月社保（您目前为5个月）。');
  });
  it('English without an English reason: a generic English line, never Chinese', () => {
    const line = answerLine({ verdict: 'not_eligible', title, reasons: [{ zh: '须缴满6个月社保。' }] }, en);
    assert.equal(line.text, 'You do not currently meet the conditions of Top-university returnees.');
  });
  it('a measure whose period is over says so first', () => {
    const v = {
      verdict: 'not_applicable' as const,
      title,
      reasons: [{ zh: '本条不适用。' }],
      validity: { status: 'expired' as const, validFrom: '2022-07-01', validTo: '2023-06-30' },
    };
    const line = answerLine(v, zh);
    assert.ok(line.text.startsWith('该措施仅适用于2022年7月至2023年6月，已届满。'), line.text);
    assert.equal(line.expired, true);
    assert.ok(answerLine(v, en).text.startsWith('This measure only applied from 2022-07 to 2023-06; it is over.'));
    const since = answerLine({ ...v, validity: { status: 'expired', validTo: '2023-06-15' } }, zh);
    assert.ok(since.text.startsWith('该措施已于2023年6月15日届满。'), since.text);
  });
  it('a long reason is cut to its first sentence, never inside one', () => {
    const reason =
      '世界排名51-100名的，须缴纳社会保险费满6个月后才可申办，具体以受理部门审核为准，材料包括学历学位认证等。另外还有一句很长的补充说明需要阅读。';
    const line = answerLine({ verdict: 'not_eligible', title, reasons: [{ zh: reason }] }, zh, { maxChars: 60 });
    assert.equal(
      line.text,
      '暂不符合：世界排名51-100名的，须缴纳社会保险费满6个月后才可申办，具体以受理部门审核为准，材料包括学历学位认证等。',
    );
  });
  it('need more info: the open conditions by their labels', () => {
    const v = { verdict: 'need_more_info' as const, title, reasons: [{ zh: '还需要几项信息才能判断。' }] };
    assert.equal(
      answerLine(v, zh, { pending: ['全职来本市工作', '在本市缴纳社会保险费满6个月'] }).text,
      '还需确认2项：全职来本市工作、在本市缴纳社会保险费满6个月。',
    );
    assert.equal(answerLine(v, en, { pending: ['Works full-time in Shanghai'] }).text, '1 more to check: Works full-time in Shanghai.');
  });
  it('names the date judged on when it is not today', () => {
    const line = answerLine({ verdict: 'eligible', title, reasons: [{ zh: '符合。' }] }, zh, { judgedOn: '2022-08-01' });
    assert.equal(line.text, '符合条件：符合。（按2022年8月1日的情况判断）');
  });
});

describe('answerSentence', () => {
  const clause =
    '三是依托海外引才工作站引进高精尖人才。我们目前在加拿大温哥华、美国硅谷、德国法兰克福、英国萨里等设立前线引才工作站，大力引进急需紧缺海外人才。对人力资源服务机构引进人才的，给予最高50万元的引才奖励。';
  it('picks the sentence that answers, verbatim, with its numbers whole', () => {
    const a = answerSentence(clause, '猎头引才奖励最高多少');
    assert.equal(a?.sentence, '对人力资源服务机构引进人才的，给予最高50万元的引才奖励。');
    assert.ok(clause.includes(a!.sentence));
  });
  it('keeps an enumeration whole even when it is long', () => {
    const text =
      '总体要求。申请材料包括：（1）身份证明；（2）学历学位证书及认证报告；（3）劳动合同；（4）社会保险缴费记录；（5）单位推荐意见和其他需要提供的证明材料。';
    const a = answerSentence(text, '申请需要哪些材料', undefined, { maxChars: 30 });
    assert.equal(
      a?.sentence,
      '申请材料包括：（1）身份证明；（2）学历学位证书及认证报告；（3）劳动合同；（4）社会保险缴费记录；（5）单位推荐意见和其他需要提供的证明材料。',
    );
  });
  it('narrows a long non-list sentence to its best part between ；', () => {
    const text =
      '对于毕业于世界排名前50名院校的，取消社会保险费缴费基数和缴费时间要求，全职来本市工作后即可直接申办落户；对于毕业于世界排名51-100名的，全职来本市工作并缴纳社会保险费满6个月后可申办落户。';
    const a = answerSentence(text, '排名51-100名要交几个月社保', undefined, { maxChars: 60 });
    assert.equal(a?.sentence, '对于毕业于世界排名51-100名的，全职来本市工作并缴纳社会保险费满6个月后可申办落户。');
  });
  it('prefers the sentence of the kind the question asks for (corpus/answer-cues.yaml)', () => {
    const cues = loadAnswerCues(join(PROJECT_ROOT, 'corpus', 'answer-cues.yaml'));
    const text = '三是依托海外引才工作站引进高精尖人才。我们目前在加拿大温哥华、美国硅谷、德国法兰克福、英国萨里等设立前线引才工作站。';
    const q = '杨浦的海外引才工作站设在哪些地方';
    assert.deepEqual(
      questionKinds(cues, q).map((c) => c.kind),
      ['place'],
    );
    assert.equal(
      answerSentence(text, q)?.sentence,
      '三是依托海外引才工作站引进高精尖人才。',
      'without cues the heading-like sentence wins',
    );
    assert.ok(answerSentence(text, q, cueScorer(bigramScorer(), cues))?.sentence.includes('温哥华'));
    assert.throws(
      () => parseAnswerCues('kinds:\n  x: { question: [a], answer: "(", bonus: 1 }\n', 'c.yaml'),
      /c\.yaml: kinds\.x\.answer is not a valid regular expression/,
    );
    assert.throws(
      () => parseAnswerCues('kinds:\n  x: { question: [a], answer: "a", bonus: 50 }\n', 'c.yaml'),
      /c\.yaml: field "kinds\.x\.bonus"/,
    );
  });
  it('takes the scorer it is given', () => {
    const a = answerSentence(clause, 'x', (s) => (s.includes('温哥华') ? 1 : 0));
    assert.ok(a?.sentence.startsWith('我们目前在加拿大温哥华'));
    assert.equal(answerSentence('', 'x'), null);
  });
});

describe('answerSentence: the answer line of a long sentence', () => {
  const file = loadAnswerCueFile(join(PROJECT_ROOT, 'corpus', 'answer-cues.yaml'));
  const scorer = cueScorer(bigramScorer(), file.kinds);
  const opts = { openEnds: file.openEnds };
  const housing =
    '出台《宝山区新引进优秀人才安居资助办法》，为来宝山创新创业的高层次人才、团队核心人才和紧缺急需人才，给予阶段性住房保障，特别优秀的可资助200万元。';
  it('says the part that answers, verbatim; the sentence stays whole for the quote', () => {
    const a = answerSentence(`此前已有规定。${housing}`, '宝山区的人才安居资助最高多少', scorer, opts)!;
    assert.equal(a.line, '特别优秀的可资助200万元。');
    assert.equal(a.sentence, housing);
    assert.ok(a.sentence.includes(a.line));
  });
  it('keeps the sentence itself as the line when it fits or is a marked enumeration', () => {
    const short = '对人力资源服务机构引进人才的，给予最高50万元的引才奖励。';
    assert.equal(answerSentence(short, '引才奖励最高多少', scorer, opts)!.line, short);
    const list =
      '申请材料包括：（1）身份证明；（2）学历学位证书及认证报告；（3）劳动合同；（4）社会保险缴费记录；（5）单位推荐意见和其他需要提供的证明材料。';
    assert.equal(answerSentence(list, '申请需要哪些材料', scorer, { ...opts, maxChars: 30 })!.line, list);
  });
  it('never ends the line on a part that opens a condition (open_ends), and keeps the predicate', () => {
    const text =
      '在符合留学人员落户基本条件的基础上，对于毕业于世界排名前50名院校的，取消社会保险费缴费基数和缴费时间要求，全职来本市工作后即可直接申办落户；';
    const a = answerSentence(text, '世界排名前50的留学生落户还要看社保吗', scorer, opts)!;
    assert.ok([...a.line].length <= ANSWER_LINE_CHARS, a.line);
    assert.ok(!a.line.endsWith('的') && a.line.includes('取消社会保险费缴费基数和缴费时间要求'), a.line);
    // without the data the subject alone wins on its query words: the rule is in corpus/answer-cues.yaml
    assert.ok(answerSentence(text, '世界排名前50的留学生落户还要看社保吗', scorer)!.line.endsWith('院校的'));
  });
  it('a how-question gets the measure taken, not the case it is taken for', () => {
    const text =
      '人才引进“一网通办”系统中已经网上受理通过但受疫情影响无法现场递交书面材料的申请，由申报单位向业务经办部门申请后，采取“书面材料暂缓递交、线上流程正常办理”的特殊支持措施。';
    const a = answerSentence(text, '人才引进的书面材料交不了怎么办', scorer, opts)!;
    assert.equal(a.line, '采取“书面材料暂缓递交、线上流程正常办理”的特殊支持措施。');
  });
  it('splits clause parts at ，；： but not inside brackets, quotes or numbers', () => {
    assert.deepEqual(clauseParts('出台《甲，乙办法》，投入1,000万元；“一，二”：好。'), [
      '出台《甲，乙办法》，',
      '投入1,000万元；',
      '“一，二”：',
      '好。',
    ]);
  });
});

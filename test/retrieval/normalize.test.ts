import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cjkPunctuation,
  collapseBlankLines,
  findUnrecoverable,
  fullwidthToHalfwidth,
  hasTraditional,
  isBrokenContinuation,
  joinBrokenLines,
  normalizeLineEndings,
  normalizeSpaces,
  normalizeText,
  removeBom,
  removePageNumbers,
  removePinyinGlosses,
  toSimplified,
} from '../../retrieval/normalize.ts';
import { parseFrontMatter } from '../../retrieval/frontmatter.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const docsDir = join(root, 'corpus', 'documents');
function seedBody(id: string): string {
  return parseFrontMatter(readFileSync(join(docsDir, `${id}.md`), 'utf8'), id).body;
}

test('removeBom drops byte-order marks and zero-width characters', () => {
  assert.equal(removeBom('\ufeff一、总则'), '一、总则');
  assert.equal(removeBom('人\u200b才\u2060'), '人才');
});

test('normalizeLineEndings: CRLF, lone CR, form feed → LF', () => {
  assert.equal(normalizeLineEndings('a\r\nb\rc\fd'), 'a\nb\nc\nd');
  assert.equal(normalizeLineEndings('a\r\n\r\nb').split('\n').length, 3);
});

test('removePinyinGlosses removes toned and plain glosses, keeps other parentheses', () => {
  assert.equal(removePinyinGlosses('關(guān)于寶山區(qū)'), '關于寶山區');
  assert.equal(removePinyinGlosses('現(xiàn)將有關(guān)情況'), '現將有關情況');
  assert.equal(removePinyinGlosses('在上?,F(xiàn)有政策'), '在上?,F有政策'); // toned gloss after mojibake
  assert.equal(removePinyinGlosses('發(fā)揮職務(wù)'), '發揮職務');
  assert.equal(removePinyinGlosses('区(qu)人社局'), '区人社局'); // plain letters after a Han character
  assert.equal(removePinyinGlosses('關（guān）于'), '關于'); // full-width brackets
  // not glosses
  for (const keep of ['措施(试行)', '以HR(人事)为', '见附件(a)', '(HR)联盟', '(2021)', 'item (see) here', '平台(APP)']) {
    assert.equal(removePinyinGlosses(keep), keep, keep);
  }
});

test('toSimplified converts traditional text with mainland forms', () => {
  assert.equal(toSimplified('關于'), '关于');
  assert.equal(toSimplified('寶山區'), '宝山区');
  assert.equal(toSimplified('落戶'), '落户');
  assert.equal(toSimplified('發揮'), '发挥');
  assert.equal(toSimplified('著重優化業務經辦流程'), '着重优化业务经办流程');
  assert.equal(toSimplified('科技成果顯著'), '科技成果显著');
});

test('toSimplified leaves simplified text alone (no 著→着 on 显著/土著)', () => {
  const s = '遴选部分科研能力强、科技成果显著的高校；土著；着重。';
  assert.equal(hasTraditional(s), false);
  assert.equal(toSimplified(s), s);
  for (const id of ['sh-hrss-2022-103', 'yangpu-hrss-2021-18', 'sh-hrss-2023-113', 'changning-2020-talent']) {
    assert.equal(hasTraditional(seedBody(id)), false, id);
  }
  assert.equal(hasTraditional(seedBody('baoshan-hrss-2021-8E112')), true);
});

test('toSimplified converts only the lines that contain traditional characters', () => {
  assert.equal(toSimplified('科技成果显著\n香港滙豐銀行'), '科技成果显著\n香港汇丰银行');
});

test('fullwidthToHalfwidth: digits and letters to ASCII, Chinese punctuation kept', () => {
  assert.equal(fullwidthToHalfwidth('２０２２年ＨＲ联盟ａｂ'), '2022年HR联盟ab');
  assert.equal(fullwidthToHalfwidth('３．５万元'), '3.5万元');
  assert.equal(fullwidthToHalfwidth('（一）人才，落户。；：'), '（一）人才，落户。；：');
  assert.equal(fullwidthToHalfwidth('１．'), '1．'); // a label dot stays for the chunker
});

test('normalizeSpaces removes spaces next to Chinese, trims lines, keeps Latin spacing', () => {
  assert.equal(normalizeSpaces('缴纳 2022 年 4 月至 11 月'), '缴纳2022年4月至11月');
  assert.equal(normalizeSpaces('若 干 意 见'), '若干意见');
  assert.equal(normalizeSpaces('第 E104 号提案'), '第E104号提案');
  assert.equal(normalizeSpaces('\u3000\u3000一、总则\u3000'), '一、总则');
  assert.equal(normalizeSpaces('人才\u00a0公寓\t申请'), '人才公寓申请');
  assert.equal(normalizeSpaces('Xenova  bge   small'), 'Xenova bge small');
  assert.equal(normalizeSpaces('1. **统筹谋划。**'), '1. **统筹谋划。**');
  assert.equal(normalizeSpaces('人才， 落户'), '人才，落户');
});

test('cjkPunctuation: clause brackets and commas in Chinese text become full-width', () => {
  assert.equal(cjkPunctuation('(二)我区在市级'), '（二）我区在市级');
  assert.equal(cjkPunctuation('各街道(镇),各区级机关'), '各街道（镇），各区级机关');
  assert.equal(cjkPunctuation('(1)申请人'), '（1）申请人');
  assert.equal(cjkPunctuation('人才,经区人才办认定'), '人才，经区人才办认定');
  assert.equal(cjkPunctuation('2021年1-4月,全区'), '2021年1-4月，全区');
  assert.equal(cjkPunctuation('补贴;对经'), '补贴；对经');
  assert.equal(cjkPunctuation('朱燕委員:'), '朱燕委員：');
  assert.equal(cjkPunctuation('联系电话:25033466'), '联系电话：25033466');
  assert.equal(cjkPunctuation('人才, 落户'), '人才，落户');
});

test('cjkPunctuation leaves numbers, Latin text, URLs and mojibake alone', () => {
  for (const keep of [
    '运营咨询10,769人次',
    'at 10:30 am',
    'Shanghai, China',
    'see https://rsj.sh.gov.cn/x',
    '在上?,F有政策',
    'a(b)c',
    '(HR)',
  ]) {
    assert.equal(cjkPunctuation(keep), keep, keep);
  }
});

test('removePageNumbers drops lines that are only a page number', () => {
  const text = ['正文第一段，', '- 3 -', '3', '第3页', '第 3 页 共 8 页', '3/8', '— 12 —', 'Page 4 of 9', '2022年', '3月', '12333'].join(
    '\n',
  );
  const kept = removePageNumbers(text).split('\n').filter(Boolean);
  assert.deepEqual(kept, ['正文第一段，', '2022年', '3月', '12333']); // 5 digits: a hotline, not a page
});

test('joinBrokenLines joins page-break splits inside words and sentences (seed patterns)', () => {
  assert.equal(
    joinBrokenLines('六、千方百计推进高校毕业生就业。积极挖掘中央在沪企业、\n\n市属和区属国有企业等重点用人单位。'),
    '六、千方百计推进高校毕业生就业。积极挖掘中央在沪企业、市属和区属国有企业等重点用人单位。',
  );
  assert.equal(
    joinBrokenLines('重点做好海外高层次人才特定待遇政策落地服务，及时推送相关信息，在出入境、物\n\n品通关等方面提供必要的便利服务。'),
    '重点做好海外高层次人才特定待遇政策落地服务，及时推送相关信息，在出入境、物品通关等方面提供必要的便利服务。',
  );
  assert.equal(
    joinBrokenLines('强化线上咨询和政策宣传工作。启动以“揽才聚\n\n才助发展”为主题的人才政策宣传季活动。'),
    '强化线上咨询和政策宣传工作。启动以“揽才聚才助发展”为主题的人才政策宣传季活动。',
  );
  assert.equal(
    joinBrokenLines('2009年，杨浦区成为全国首批基地，经过十多年的发展和\n\n建设，吸引集聚了一定数量的海外高层次人才。'),
    '2009年，杨浦区成为全国首批基地，经过十多年的发展和建设，吸引集聚了一定数量的海外高层次人才。',
  );
  assert.equal(
    joinBrokenLines('in the middle of a long English sentence that goes on and on and on and on, and\nthen continues'),
    'in the middle of a long English sentence that goes on and on and on and on, and then continues',
  );
});

test('joinBrokenLines keeps real paragraph breaks', () => {
  const cases = [
    '一、总则。\n\n二、附则。', // sentence end
    '（一）建立一套体系\n\n去年年底，在我局的积极争取下，市人社局将杨浦区作为试点区。', // heading
    '上海市人力资源和社会保障局关于助力复工复产实施人才特殊支持举措的通知\n\n各区人力资源和社会保障局：', // title
    '各区人力资源和社会保障局，各有关单位：\n\n为进一步促进本市复工复产，现通知如下：', // salutation
    '积极挖掘中央在沪企业、市属国有企业等，\n\n二、实行社保补缴阶段性适用。', // next line is a clause label
    '积极挖掘中央在沪企业、市属国有企业等，\n\n2022年6月1日', // next line is a date
    '上海市杨浦区人力资源和社会保障局\n\n2021年4月26日', // signature
    '主要发挥作用，根据杨浦“十四五”发展定位。”\n\n下一段。', // 。” ends a sentence
  ];
  for (const c of cases) assert.equal(joinBrokenLines(c), c, c);
  assert.equal(isBrokenContinuation('发展和', '建设'), false); // short, no prose punctuation: could be a title
});

test('collapseBlankLines collapses runs of blank lines and trims the ends', () => {
  assert.equal(collapseBlankLines('\n\n\n一、总则\n\n\n\n二、附则  \n\n'), '一、总则\n\n二、附则');
});

test('findUnrecoverable reports U+FFFD and "?" mojibake with line numbers, not question marks', () => {
  const w = findUnrecoverable('第一行\n在上?,F有政策\n人才\ufffd公寓\n是否可以?\n您好吗?我们\n');
  assert.deepEqual(
    w.map((x) => x.line),
    [2, 3],
  );
  assert.match(w[0]!.message, /在上\?,F有政策/);
  assert.match(w[1]!.message, /U\+FFFD/);
});

test('normalizeText composes the rules and keeps unrecoverable characters', () => {
  const raw = '\ufeff關(guān)于寶山區(qū)人才落戶\r\n\r\n- 1 -\r\n\r\n在上?,F(xiàn)有政策基礎(chǔ)上\r\n\r\n\r\n(一)２０２１ 年 5 月\r\n';
  const r = normalizeText(raw);
  assert.equal(r.text, '关于宝山区人才落户\n\n在上?,F有政策基础上\n\n（一）2021年5月');
  assert.deepEqual(
    r.warnings.map((w) => w.line),
    [5],
  );
  assert.equal(r.stats.traditionalConverted, true);
  assert.equal(r.stats.pinyinGlossesRemoved, 4);
  assert.equal(r.stats.pageNumbersRemoved, 1);
});

test('normalizeText on seed 002: no pinyin glosses, no traditional characters, one warning', () => {
  const raw = seedBody('baoshan-hrss-2021-8E112');
  const r = normalizeText(raw);
  assert.doesNotMatch(r.text, /[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+[)）]/);
  assert.equal(hasTraditional(r.text), false);
  assert.match(r.text, /关于您提出的《关于完善宝山区人才落户政策/);
  assert.equal(r.warnings.length, 1);
  assert.equal(raw.split('\n')[r.warnings[0]!.line - 1]!.includes('?,F'), true);
});

test('normalizeText joins the page-break splits of seeds 000, 001 and 003', () => {
  const t0 = normalizeText(seedBody('sh-hrss-2022-103')).text;
  for (const s of ['中央在沪企业、市属和区属国有企业', '在出入境、物品通关', '以“揽才聚才助发展”为主题']) assert.ok(t0.includes(s), s);
  const t1 = normalizeText(seedBody('yangpu-hrss-2021-18')).text;
  for (const s of ['经过十多年的发展和建设', '《上海市海外人才居住证管理办法》', '在“十四五”期间充分依托', '凝聚起富有杨浦特色'])
    assert.ok(t1.includes(s), s);
  const t3 = normalizeText(seedBody('sh-hrss-2023-113')).text;
  for (const s of ['组建中级职称评审委员会，加强', '“博士后国际合作交流”专项', '制定《上海市事业单位特设岗位管理办法》'])
    assert.ok(t3.includes(s), s);
  const t4 = normalizeText(seedBody('changning-2020-talent')).text;
  assert.ok(t4.includes('长宁区关于加快推进科技创新人才集聚区建设的若干意见\n为全面落实'));
});

test('normalizeText is idempotent on every shipped document', () => {
  for (const f of readdirSync(docsDir).filter((n) => n.endsWith('.md'))) {
    const once = normalizeText(parseFrontMatter(readFileSync(join(docsDir, f), 'utf8'), f).body).text;
    assert.equal(normalizeText(once).text, once, f);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boilerplateLines, chineseNumeral, chunkDocument, parseClauseLabel, splitOnSentences } from '../../retrieval/chunk.ts';
import { readCorpus } from '../../retrieval/corpus.ts';
import { normalizeText } from '../../retrieval/normalize.ts';
import type { Chunk, PolicyDocument } from '../../retrieval/types.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function doc(body: string, id = 'test-doc'): PolicyDocument {
  return {
    id,
    file: `${id}.md`,
    title: '测试文件',
    docNumber: '测〔2024〕1号',
    issuer: '测试局',
    date: '2024-01-01',
    level: 'municipal',
    rawText: body,
    text: normalizeText(body).text,
    hash: '',
  };
}
const strip = (s: string) => s.replace(/\s+/g, '');
const byId = (chunks: Chunk[]) => new Map(chunks.map((c) => [c.id, c]));

test('chineseNumeral parses Chinese numbers', () => {
  assert.deepEqual(
    ['一', '九', '十', '十一', '十八', '二十', '二十三', '九十九', '一百', '一百零五', '两'].map(chineseNumeral),
    [1, 9, 10, 11, 18, 20, 23, 99, 100, 105, 2],
  );
  assert.ok(Number.isNaN(chineseNumeral('甲')));
});

test('parseClauseLabel recognizes the label forms of Chinese policy documents', () => {
  const cases: Array<[string, string, string, string]> = [
    ['三、加大世界名校留学人员引进力度。', 'cn', '三', '三、'],
    ['十八、做好人才政策线上咨询宣传工作。', 'cn', '十八', '十八、'],
    ['（二）建设两个平台', 'paren-cn', '（二）', '（二）'],
    ['(二)我区在市级', 'paren-cn', '（二）', '（二）'],
    ['5.实施优秀青年人才开发计划。', 'num', '5', '5.'],
    ['5、聚焦人才', 'num', '5', '5、'],
    ['5．聚焦人才', 'num', '5', '5．'],
    ['（3）申请人', 'paren-num', '（3）', '（3）'],
    ['第三条 本办法所称', 'article', '第三条', '第三条'],
    ['第12条　适用范围', 'article', '第12条', '第12条'],
    ['第一章 总则', 'chapter', '第一章', '第一章'],
    ['①申请材料', 'circled', '①', '①'],
    ['## 一、总体思路', 'cn', '一', '一、'],
  ];
  for (const [line, kind, clause, raw] of cases) {
    const l = parseClauseLabel(line);
    assert.ok(l, line);
    assert.deepEqual([l.kind, l.clause, l.raw], [kind, clause, raw], line);
  }
});

test('parseClauseLabel rejects numbers in running text', () => {
  for (const line of [
    '2009 年，经中央人才工作协调小组批复',
    '2009年，经批复',
    '2020年12月1日起实施',
    '3.5万元补贴',
    '2.3 万',
    '12333热线',
    '一是推出“3310”计划',
    '第三条规定的情形',
    '3.',
    '一般情况下',
    '十分重视',
  ]) {
    assert.equal(parseClauseLabel(line), undefined, line);
  }
});

test('parseClauseLabel reads bold titles', () => {
  const l = parseClauseLabel('1. **统筹谋划推进专业技术人才工作。**深入学习贯彻');
  assert.equal(l?.clause, '1');
  assert.equal(l?.boldTitle, '统筹谋划推进专业技术人才工作');
  const b = parseClauseLabel('**加强组织领导。**各区要高度重视');
  assert.equal(b?.kind, 'bold');
  assert.equal(b?.clause, '加强组织领导');
  const w = parseClauseLabel('**一、总体要求**');
  assert.equal(w?.kind, 'cn');
  assert.equal(w?.boldTitle, '总体要求');
});

test('boilerplateLines finds closing formulas, signatures, dates, publicity and contact lines', () => {
  const lines = [
    '一、正文。',
    '特此通知。',
    '上海市人力资源和社会保障局',
    '2022年6月1日',
    '(此件主动公开)',
    '联系电话：25033466',
    '上海市人力资源和社会保障局',
    '沪人社力〔2022〕103号',
  ];
  assert.deepEqual([...boilerplateLines(lines)].sort(), [1, 2, 3, 4, 5]);
});

test('nested 一、/（一）/1. structure: ids, paths, headings, no empty heading chunks', () => {
  const body = [
    '关于加快推进人才工作的若干意见',
    '为落实人才工作要求，制定本意见。',
    '一、总体思路',
    '坚持党管人才，坚持全球视野，深入实施人才优先发展战略。',
    '二、主要任务举措',
    '（一）聚焦区域发展实施重点人才工程',
    '1.实施高峰人才支持计划。支持企业大力引进一流人才及其团队。',
    '2.实施重点产业人才激励计划。对重点产业骨干人才给予激励补贴。',
    '（二）打造国际创新创业人才集聚高地',
    '3.拓宽海外人才引进渠道。支持区内企业面向全球引进高层次人才。',
    '三、附则',
    '本意见自发文之日起执行。',
    '特此通知。',
  ].join('\n');
  const d = doc(body);
  const chunks = chunkDocument(d);
  assert.deepEqual(
    chunks.map((c) => c.id),
    ['test-doc#preamble', 'test-doc#一', 'test-doc#二/（一）/1', 'test-doc#二/（一）/2', 'test-doc#二/（二）/3', 'test-doc#三'],
  );
  const m = byId(chunks);
  const item = m.get('test-doc#二/（一）/2')!;
  assert.equal(item.clause, '2');
  assert.deepEqual(item.path, ['二、主要任务举措', '（一）聚焦区域发展实施重点人才工程']);
  assert.equal(item.heading, '实施重点产业人才激励计划');
  assert.equal(item.text, '2.实施重点产业人才激励计划。对重点产业骨干人才给予激励补贴。');
  assert.equal(item.title, '测试文件');
  assert.equal(item.docNumber, '测〔2024〕1号');
  assert.equal(m.get('test-doc#一')!.heading, '总体思路');
  assert.equal(m.get('test-doc#一')!.text, '一、总体思路\n坚持党管人才，坚持全球视野，深入实施人才优先发展战略。');
  assert.equal(m.get('test-doc#三')!.text, '三、附则\n本意见自发文之日起执行。'); // 特此通知。 trimmed
  for (const c of chunks) assert.equal(c.text, d.text.slice(c.start, c.end));
});

test('a section heading takes the following unlabelled paragraphs', () => {
  const body =
    '二、提案建议答复\n\n经研究，答复如下：\n\n（一）建立一套体系\n\n去年年底，我局争取到试点。\n\n其中：留学回国人员落户初审制度已经建立。\n\n（二）建设两个平台\n\n我局建设了两个平台。';
  const chunks = chunkDocument(doc(body));
  const m = byId(chunks);
  assert.equal(
    m.get('test-doc#二/（一）')!.text,
    '（一）建立一套体系\n\n去年年底，我局争取到试点。\n\n其中：留学回国人员落户初审制度已经建立。',
  );
  assert.equal(m.get('test-doc#二/（一）')!.heading, '建立一套体系');
  assert.equal(m.get('test-doc#二')!.text, '二、提案建议答复\n\n经研究，答复如下：');
});

test('第X条 style with chapters', () => {
  const body = [
    '第一章 总则',
    '第一条 为了规范人才引进工作，制定本办法。',
    '第二条 本办法适用于本市各类用人单位。',
    '第二章 申请条件',
    '第三条 申请人应当符合下列条件：',
    '（一）具有本科及以上学历；',
    '（二）在本市缴纳社会保险满六个月。',
    '第四条 申请人可以通过网上办理。',
  ].join('\n');
  const chunks = chunkDocument(doc(body));
  assert.deepEqual(
    chunks.map((c) => c.id),
    [
      'test-doc#第一章/第一条',
      'test-doc#第一章/第二条',
      'test-doc#第二章/第三条',
      'test-doc#第二章/第三条/（一）',
      'test-doc#第二章/第三条/（二）',
      'test-doc#第二章/第四条',
    ],
  ); // 第三条's lead-in sentence ends with ： — content, so it keeps its own chunk
  assert.deepEqual(
    chunkDocument(doc('第一章 总则\n第一条 为了规范人才引进工作，制定本办法。')).map((c) => c.id),
    ['test-doc#第一章/第一条'], // 第一章 总则 is a bare title: no chunk of its own
  );
  const m = byId(chunks);
  assert.equal(m.get('test-doc#第二章/第三条')!.clause, '第三条');
  assert.deepEqual(m.get('test-doc#第二章/第三条/（二）')!.path, ['第二章申请条件', '第三条申请人应当符合下列条件']);
  assert.equal(m.get('test-doc#第二章/第四条')!.path[0], '第二章申请条件');
});

test('a document without structure becomes preamble chunks split on sentences', () => {
  const sentence = '本市继续实施人才引进政策，用人单位可以按规定为符合条件的人员申办落户手续。';
  const body = Array.from({ length: 40 }, () => sentence).join('');
  const d = doc(body);
  const chunks = chunkDocument(d, { maxChars: 300 });
  assert.ok(chunks.length >= 5);
  assert.equal(chunks[0]!.id, 'test-doc#preamble');
  assert.equal(chunks[1]!.id, 'test-doc#preamble~2');
  for (const c of chunks) {
    assert.equal(c.clause, 'preamble');
    assert.ok(c.text.length <= 300, `${c.id} ${c.text.length}`);
    assert.ok(c.text.endsWith('。'), c.id);
    assert.equal(c.text, d.text.slice(c.start, c.end));
  }
  assert.equal(chunks.map((c) => c.text).join(''), d.text);
});

test('a short unstructured document is one chunk', () => {
  const chunks = chunkDocument(doc('本通知自2024年1月1日起施行。'));
  assert.equal(chunks.length, 1);
  assert.equal(chunks[0]!.id, 'test-doc#preamble');
});

test('long clauses are split with the path and heading repeated', () => {
  const long = '（一）建立一套体系\n' + Array.from({ length: 30 }, (_, i) => `第${i + 1}项工作要求按照规定办理并做好相关衔接。`).join('');
  const chunks = chunkDocument(doc(`一、总体要求\n${long}`), { maxChars: 200 });
  const parts = chunks.filter((c) => c.clause === '（一）');
  assert.ok(parts.length >= 3);
  assert.equal(parts[0]!.id, 'test-doc#一/（一）');
  assert.equal(parts[1]!.id, 'test-doc#一/（一）~2');
  for (const p of parts) {
    assert.deepEqual(p.path, ['一、总体要求']);
    assert.equal(p.heading, '建立一套体系');
    assert.ok(p.text.length <= 200);
  }
});

test('numbering sanity: numbers out of order in running text are not labels', () => {
  const body = '一、总体要求\n按规定办理。\n2009.年度数据如下\n5.这一行不是第五项。\n二、附则\n本办法自发布之日起施行。';
  const chunks = chunkDocument(doc(body));
  assert.deepEqual(
    chunks.map((c) => c.clause),
    ['一', '二'],
  );
  assert.match(chunks[0]!.text, /5\.这一行不是第五项。/);
});

test('a repeated label (copy-paste) does not restart the numbering', () => {
  const chunks = chunkDocument(doc('一、甲项工作。\n二、乙项工作。\n一、甲项工作。'));
  assert.deepEqual(
    chunks.map((c) => c.id),
    ['test-doc#一', 'test-doc#二'],
  );
});

test('boilerplate in the middle of the preamble splits it into two parts', () => {
  const body = [
    '现将《工作要点》印发给你们，请结合实际认真贯彻落实。',
    '特此通知。',
    '上海市人力资源和社会保障局',
    '2023年4月26日',
    '（此件主动公开）',
    '2023年上海市专业技术人才工作要点',
    '2023年本市专业技术人才工作总体要求是：坚持党管人才。',
    '一、充分发挥职能作用',
    '1. **统筹谋划。**深入学习。',
  ].join('\n\n');
  const chunks = chunkDocument(doc(body));
  assert.deepEqual(
    chunks.map((c) => c.id),
    ['test-doc#preamble', 'test-doc#preamble~2', 'test-doc#一/1'],
  );
  assert.doesNotMatch(chunks[0]!.text, /特此通知/);
  assert.match(chunks[1]!.text, /^2023年上海市专业技术人才工作要点/);
  assert.equal(chunks[2]!.heading, '统筹谋划');
});

test('splitOnSentences keeps parts within the limit and covers the text', () => {
  const text = '甲。'.repeat(50) + '乙'.repeat(250);
  const parts = splitOnSentences(text, 0, text.length, 120);
  for (const [s, e] of parts) assert.ok(e - s <= 120);
  assert.equal(parts.map(([s, e]) => text.slice(s, e)).join(''), text);
});

test('a sentence longer than the limit is cut at a comma, then hard', () => {
  const text = '甲'.repeat(90) + '，' + '乙'.repeat(300);
  const parts = splitOnSentences(text, 0, text.length, 100);
  assert.equal(text.slice(parts[0]![0], parts[0]![1]), '甲'.repeat(90) + '，');
  for (const [s, e] of parts) assert.ok(e - s <= 100);
  assert.equal(parts.map(([s, e]) => text.slice(s, e)).join(''), text);
});

test('bold title lines without a number are clauses; their ids stay parseable', () => {
  const chunks = chunkDocument(doc('一、工作要求\n**加强组织/领导。**各区要高度重视。\n**强化宣传。**各区要加强宣传。'));
  assert.deepEqual(
    chunks.map((c) => c.id),
    ['test-doc#一/加强组织_领导', 'test-doc#一/强化宣传'],
  );
  assert.equal(chunks[0]!.clause, '加强组织/领导');
  assert.deepEqual(chunks[1]!.path, ['一、工作要求']);
});

// ── the five shipped documents ────────────────────────────────────────────────────────────────
const corpus = await readCorpus(join(root, 'corpus'));
const chunksOf = (id: string) => corpus.chunks.filter((c) => c.docId === id);
const CN = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二', '十三', '十四', '十五', '十六', '十七', '十八'];

test('shipped corpus: every chunk is a verbatim slice of its normalized document, ids unique, sizes bounded', () => {
  assert.equal(corpus.documents.length, 5);
  const ids = new Set<string>();
  for (const c of corpus.chunks) {
    const d = corpus.documents.find((x) => x.id === c.docId)!;
    assert.equal(c.text, d.text.slice(c.start, c.end), c.id);
    assert.ok(strip(d.text).includes(strip(c.text)), c.id);
    assert.ok(c.text.length <= 600, `${c.id}: ${c.text.length}`);
    assert.ok(c.text.trim().length > 0, c.id);
    assert.ok(!ids.has(c.id), `duplicate ${c.id}`);
    ids.add(c.id);
  }
});

test('seed 000 (沪人社力〔2022〕103号): preamble + measures 一…十八, each its own chunk', () => {
  const chunks = chunksOf('sh-hrss-2022-103');
  assert.deepEqual(
    chunks.map((c) => c.clause),
    ['preamble', ...CN],
  );
  assert.deepEqual(
    chunks.map((c) => c.id).slice(1),
    CN.map((n) => `sh-hrss-2022-103#${n}`),
  );
  const m = byId(chunks);
  assert.equal(m.get('sh-hrss-2022-103#三')!.heading, '加大世界名校留学人员引进力度');
  assert.match(m.get('sh-hrss-2022-103#三')!.text, /世界排名前50名/);
  assert.match(m.get('sh-hrss-2022-103#六')!.text, /中央在沪企业、市属和区属国有企业/);
  assert.match(m.get('sh-hrss-2022-103#十二')!.text, /物品通关/);
  assert.doesNotMatch(m.get('sh-hrss-2022-103#十八')!.text, /特此通知|此件主动公开|2022年6月1日/);
  assert.equal(m.get('sh-hrss-2022-103#一')!.docNumber, '沪人社力〔2022〕103号');
  assert.match(m.get('sh-hrss-2022-103#preamble')!.text, /现将助力复工复产实施人才特殊支持举措通知如下/);
});

test('seed 001 (杨浦): 一, 二 and its sections （一）（二）（三）', () => {
  const chunks = chunksOf('yangpu-hrss-2021-18');
  const clauses = [...new Set(chunks.map((c) => c.id.split('#')[1]!.replace(/~\d+$/, '')))];
  assert.deepEqual(clauses, ['preamble', '一', '二', '二/（一）', '二/（二）', '二/（三）']);
  const s1 = chunks.find((c) => c.id === 'yangpu-hrss-2021-18#二/（一）')!;
  assert.deepEqual(s1.path, ['二、提案建议答复']);
  assert.equal(s1.heading, '建立一套体系');
  // 2009 年 is running text, not a clause; the address block is dropped
  assert.ok(chunks.find((c) => c.id === 'yangpu-hrss-2021-18#二')!.text.includes('2009年，经中央人才工作协调小组批复'));
  assert.ok(!chunks.some((c) => /联系电话|邮政编码|承办人姓名/.test(c.text)));
});

test('seed 002 (宝山): simplified, no pinyin, heading-only articles give their children a path', () => {
  const chunks = chunksOf('baoshan-hrss-2021-8E112');
  for (const c of chunks) {
    assert.doesNotMatch(c.text, /[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+[)）]/, c.id);
    assert.doesNotMatch(c.text, /[關區戶發與導產這將對實針現]/, c.id);
  }
  const ids = chunks.map((c) => c.id.split('#')[1]);
  // 一、针对您提出的“…”建议答复如下： is a lead-in sentence (the proposal's point): its own chunk
  assert.deepEqual(ids, [
    'preamble',
    '一',
    '一/（一）',
    '一/（二）/1',
    '一/（二）/2',
    '一/（二）/3',
    '二',
    '二/（一）',
    '二/（二）',
    '三',
    '三/（一）',
    '三/（二）',
    '四',
  ]);
  const item = chunks.find((c) => c.id === 'baoshan-hrss-2021-8E112#一/（二）/1')!;
  assert.equal(item.heading, '聚焦人才“居住难”');
  assert.equal(item.path[1], '（二）我区在市级人才政策基础上加持的区级政策');
  assert.match(item.path[0]!, /^一、针对您提出的“对落户政策实行分类管理/);
});

test('seed 003 (沪人社专〔2023〕113号): items 1…24 under 一…八 with bold titles', () => {
  const chunks = chunksOf('sh-hrss-2023-113');
  const items = chunks.filter((c) => c.clause !== 'preamble');
  assert.deepEqual(
    items.map((c) => c.clause),
    Array.from({ length: 24 }, (_, i) => String(i + 1)),
  );
  assert.equal(items[0]!.id, 'sh-hrss-2023-113#一/1');
  assert.equal(items[3]!.id, 'sh-hrss-2023-113#二/4');
  assert.equal(items[0]!.heading, '统筹谋划推进专业技术人才工作');
  assert.deepEqual(items[0]!.path, ['一、充分发挥人社部门专业技术人才工作职能作用']);
  assert.equal(items[23]!.id, 'sh-hrss-2023-113#八/24');
  assert.equal(chunks.filter((c) => c.clause === 'preamble').length, 2);
});

test('seed 004 (长宁): items 1…20 under 二/（一）…（五）, 一 and 三 as articles', () => {
  const chunks = chunksOf('changning-2020-talent');
  const item = chunks.find((c) => c.id === 'changning-2020-talent#二/（一）/1')!;
  assert.deepEqual(item.path, ['二、主要任务举措', '（一）聚焦区域发展实施重点人才工程']);
  assert.equal(item.heading, '实施高峰人才支持计划');
  assert.equal(chunks.filter((c) => /^\d+$/.test(c.clause)).length, 20);
  assert.ok(chunks.some((c) => c.id === 'changning-2020-talent#三'));
  assert.ok(chunks.some((c) => c.id === 'changning-2020-talent#二/（五）/20'));
  assert.ok(!chunks.some((c) => /^2020年4月24日$/m.test(c.text)));
});

test('every substantial line of each shipped document is in a chunk or a heading path', () => {
  for (const d of corpus.documents) {
    const chunks = chunksOf(d.id);
    const covered = (start: number, end: number) => chunks.some((c) => c.start <= start && c.end >= end);
    const paths = new Set(chunks.flatMap((c) => c.path));
    let pos = 0;
    for (const line of d.text.split('\n')) {
      const start = pos;
      pos += line.length + 1;
      if ([...line].length < 25) continue; // short lines may be titles, signatures or boilerplate
      const inPath = [...paths].some((p) => line.startsWith(p.replace(/…$/, '')));
      assert.ok(covered(start, start + line.length) || inPath, `${d.id}: ${line.slice(0, 30)}`);
    }
  }
});

/**
 * The builders on the real corpus and rules (documents read and chunked, rules loaded and evaluated; no
 * index, no assistant): blocks from verdicts and clauses, rendered for Telegram and the terminal.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { loadLocales, type Locale } from '../../bot/locales/locale.ts';
import { eligibilityBlocks, informationBlocks, pendingLabels, type ClauseRef } from '../../bot/reply/build.ts';
import { renderTelegram } from '../../bot/reply/render-telegram.ts';
import { renderTerminal } from '../../bot/reply/render-terminal.ts';
import { replyView } from '../../bot/reply/view.ts';
import { evaluate } from '../../eligibility/evaluate.ts';
import type { Facts } from '../../eligibility/facts.ts';
import { loadRuleSet, type FactCatalog, type Rule } from '../../eligibility/rules.ts';
import { readCorpus } from '../../retrieval/corpus.ts';
import type { Chunk, PolicyDocument } from '../../retrieval/types.ts';
import { ANSWER_LINE_CHARS, answerSentence, bigramScorer, cueScorer, loadAnswerCueFile, loadAnswerCues } from '../../bot/reply/answer.ts';
import { cleanQuote, trimQuote, uniqueClauseLabels } from '../../text/quote.ts';
import { validateTelegramHtml } from './telegram-html.ts';

const locales = loadLocales();
let chunks: Chunk[] = [];
let docs = new Map<string, PolicyDocument>();
let rules: Rule[] = [];
let catalog: FactCatalog = {};
let labels = new Map<string, string>();

before(async () => {
  const corpusDir = join(PROJECT_ROOT, 'corpus');
  const corpus = await readCorpus(corpusDir);
  chunks = corpus.chunks;
  docs = new Map(corpus.documents.map((d) => [d.id, d]));
  ({ rules, catalog } = loadRuleSet(join(corpusDir, 'rules'), { chunks }));
  labels = uniqueClauseLabels(chunks);
});

function ref(chunk: Chunk): ClauseRef {
  const d = docs.get(chunk.docId)!;
  return { chunk, doc: { title: d.title, docNumber: d.docNumber ?? null, date: d.date }, label: labels.get(chunk.id)! };
}

function blocksFor(ruleId: string, facts: Facts, locale: Locale, asOf = '2026-12-01') {
  const rule = rules.find((r) => r.id === ruleId)!;
  const [v] = evaluate([rule], facts, asOf, { catalog });
  const sources = Object.fromEntries(Object.keys(facts).map((f) => [f, { text: f, span: [0, 1] as [number, number] }]));
  const chunk = chunks.find((c) => c.id === rule.citeChunkIds[0])!;
  return eligibilityBlocks({
    verdict: v!,
    ruleNotes: rule.notes,
    assumeApplies: rule.assumeApplies,
    catalog,
    sources,
    locale,
    clause: ref(chunk),
    ruleQuote: rule.cite.quote,
  });
}

const TOP = 'sh-hrss-2022-103-3-top-university';
const hanOutside = (s: string) => /\p{Script=Han}/u.test(s);

describe('eligibilityBlocks on the real rules', () => {
  it('top 50, full-time: eligible, the passing path as the reason, the precondition assumed', () => {
    const b = blocksFor(TOP, { worldRank: { min: 1, max: 50 }, employedFullTimeInShanghai: true }, locales.zh);
    assert.equal(b.answer.verdict, 'eligible');
    assert.ok(b.answer.text.startsWith('符合条件：世界排名前50名'), b.answer.text);
    assert.equal(b.conditions.find((c) => c.fact === 'studiedAbroad')?.status, 'assumed');
    assert.ok(b.quote!.text.includes('对于毕业于世界排名前50名院校的'), b.quote!.text);
    assert.equal(b.quote!.citation.clause, '三');
    // the assumption is said by the condition line, not again as a note
    assert.ok(!b.notes.some((n) => n.text.startsWith('假定')), JSON.stringify(b.notes));
  });
  it('rank 68 with 5 months: the 51–100 provision is quoted, the value is in the answer line', () => {
    const b = blocksFor(
      TOP,
      { studiedAbroad: true, worldRank: 68, employedFullTimeInShanghai: true, socialInsuranceMonths: 5 },
      locales.zh,
    );
    assert.equal(b.answer.verdict, 'not_eligible');
    assert.ok(b.answer.text.includes('5个月'), b.answer.text);
    assert.ok(b.quote!.text.includes('对于毕业于世界排名51-100名的，全职来本市工作并缴纳社会保险费满6个月后可申办落户。'), b.quote!.text);
  });
  it('a fact without a source is never shown as ✓', () => {
    const b = blocksFor(TOP, { studiedAbroad: true, worldRank: 30, employedFullTimeInShanghai: true }, locales.zh);
    b.conditions = b.conditions.map((c) => (c.fact === 'employedFullTimeInShanghai' ? { ...c, source: null } : c));
    const view = replyView(b, locales.zh);
    assert.ok(
      view.conditions.some((l) => l.startsWith('≈ 全职来本市工作')),
      view.conditions.join('\n'),
    );
    assert.ok(!view.conditions.some((l) => l.startsWith('✓ 全职来本市工作')));
  });
  it('every rule, in both languages: valid Telegram HTML, English replies English outside the quote', () => {
    for (const rule of rules) {
      for (const facts of [
        {},
        {
          studiedAbroad: true,
          worldRank: 68,
          employedFullTimeInShanghai: true,
          socialInsuranceMonths: 8,
          workDistrict: '宝山',
          applicationDate: '2023-01',
        },
      ]) {
        for (const lang of ['zh', 'en'] as const) {
          const b = blocksFor(rule.id, facts, locales[lang]);
          for (const m of renderTelegram(b, locales[lang]).messages)
            assert.deepEqual(validateTelegramHtml(m).errors, [], `${rule.id} ${lang}`);
          if (lang !== 'en') continue;
          const v = replyView(b, locales.en);
          const cite = b.quote!.citation;
          const lines = [
            v.answer,
            ...v.conditions,
            ...v.notes,
            v.quote?.mode === 'full' ? v.quote.citation.replace(cite.docNumber ?? '', '').replace(cite.clause, '') : '',
          ];
          for (const l of lines) assert.ok(!hanOutside(l), `${rule.id}: ${l}`);
        }
      }
    }
  });
  it('a measure that is over says so first (measure 一 after June 2023)', () => {
    const rule = rules.find((r) => r.cite.docId === 'sh-hrss-2022-103' && r.cite.clause === '一')!;
    const [v] = evaluate([rule], {}, '2026-12-01', { catalog });
    const b = eligibilityBlocks({
      verdict: { ...v!, validity: { ...v!.validity, status: 'expired', validFrom: '2022-07-01', validTo: '2023-06-30' } },
      catalog,
      sources: {},
      locale: locales.zh,
      clause: ref(chunks.find((c) => c.id === rule.citeChunkIds[0])!),
    });
    assert.ok(b.answer.text.startsWith('该措施仅适用于2022年7月至2023年6月，已届满。'), b.answer.text);
  });
});

describe('informationBlocks and quotes on the real documents', () => {
  it('Yangpu’s recruiting stations: the city names are quoted whole', () => {
    const chunk = chunks.find((c) => c.id === 'yangpu-hrss-2021-18#二/（三）~2')!;
    const scorer = cueScorer(bigramScorer(), loadAnswerCues(join(PROJECT_ROOT, 'corpus', 'answer-cues.yaml')));
    const b = informationBlocks({ query: '杨浦在哪些国家设立了海外引才工作站', locale: locales.zh, clause: ref(chunk), scorer });
    assert.ok(b.quote!.text.includes('加拿大温哥华、美国硅谷、德国法兰克福、英国萨里'), b.quote!.text);
    assert.ok(b.answer.text.includes('加拿大温哥华、美国硅谷、德国法兰克福、英国萨里'), b.answer.text);
    assert.ok(b.quote!.text.includes(b.quote!.answer!), 'the quote contains the answer');
  });
  it('the Baoshan incentive: the amount is in the answer line, the whole sentence in the quote', () => {
    const chunk = chunks.find((c) => c.docId === 'baoshan-hrss-2021-8E112' && c.text.includes('骨干人才专项激励'))!;
    const file = loadAnswerCueFile(join(PROJECT_ROOT, 'corpus', 'answer-cues.yaml'));
    const scorer = cueScorer(bigramScorer(), file.kinds);
    const b = informationBlocks({
      query: '宝山骨干人才激励最高多少',
      locale: locales.zh,
      clause: ref(chunk),
      scorer,
      answer: { openEnds: file.openEnds },
    });
    assert.ok(b.answer.text.includes('最高每年10万元'), b.answer.text);
    assert.ok([...b.answer.text].length <= ANSWER_LINE_CHARS, b.answer.text);
    assert.ok(
      b.quote!.answer!.includes(b.answer.text) && b.quote!.answer!.startsWith('出台《宝山区企业骨干人才专项激励办法》'),
      b.quote!.answer!,
    );
    assert.equal(b.quote!.citation.clause, '一/（二）/2');
    // the answer line first, then the quote with the whole sentence
    const { text } = renderTerminal(b, locales.zh);
    assert.ok(text.startsWith(`${b.answer.text}\n`), text);
    assert.ok(text.includes('「【聚焦企业“留才难”】出台《宝山区企业骨干人才专项激励办法》'), text);
    assert.ok(text.includes('——《第8E112号提案的答复》一/（二）/2'), text);
  });
  it('every chunk: no markdown left, heading split off, the answering sentence inside the trimmed quote', () => {
    for (const c of chunks) {
      const q = cleanQuote(c.text, { heading: c.heading });
      assert.ok(!q.body.includes('**') && !(q.heading ?? '').includes('**'), c.id);
      const query = (q.heading ?? q.body).slice(0, 12);
      const a = answerSentence(q.body, query);
      if (!a) continue;
      assert.ok(trimQuote(q.body, a.sentence, { maxChars: 90 }).includes(a.sentence), c.id);
    }
    const glued = cleanQuote(chunks.find((c) => c.id === 'yangpu-hrss-2021-18#二/（一）')!.text);
    assert.equal(glued.heading, '建立一套体系');
    assert.ok(glued.body.startsWith('去年年底'));
  });
  it('clause labels are unique within each document', () => {
    const seen = new Map<string, string>();
    for (const c of chunks) {
      const key = `${c.docId} ${labels.get(c.id)}`;
      const clausePath = [...c.path, c.clause].join('/');
      assert.equal(seen.get(key) ?? clausePath, clausePath, `${key}: two clauses share a label`);
      seen.set(key, clausePath);
    }
  });
  it('renders for the terminal with /more', () => {
    const chunk = chunks.find((c) => c.id === 'yangpu-hrss-2021-18#二/（三）~2')!;
    const b = informationBlocks({
      query: '海外引才工作站',
      locale: locales.zh,
      clause: ref(chunk),
      notes: [1, 2, 3].map((i) => ({ kind: 'other' as const, priority: i, text: `说明${i}` })),
    });
    const { text, more } = renderTerminal(b, locales.zh);
    assert.ok(text.includes('※ 说明1\n※ 说明2\n另有1条说明'), text);
    assert.ok(more?.includes('※ 说明3'));
  });
});

it('need more info: alternative bands of one fact are one thing to check', () => {
  const { zh, en } = loadLocales();
  const c = (id: string, fact: string, label: string, status: 'unknown' | 'pass') =>
    ({ id, fact, label, status, source: null, clause: '三' }) as const;
  const conditions = [
    c('full', 'employedFullTimeInShanghai', '全职来本市工作', 'unknown'),
    c('top50', 'worldRank', '毕业于世界排名前50名院校', 'unknown'),
    c('51', 'worldRank', '毕业于世界排名51-100名院校', 'unknown'),
    c('abroad', 'studiedAbroad', '留学人员', 'pass'),
  ];
  assert.deepEqual(pendingLabels([...conditions], zh), ['全职来本市工作', '毕业于世界排名前50名院校或毕业于世界排名51-100名院校']);
  assert.deepEqual(pendingLabels([c('a', 'x', 'A', 'unknown'), c('b', 'x', 'B', 'unknown')], en), ['A or B']);
});

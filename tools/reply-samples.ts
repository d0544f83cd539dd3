/**
 * Sample replies of the new reply modules on the real corpus and rules (no index, no assistant): a few
 * eligibility checks evaluated with eligibility/evaluate.ts and information answers from named clauses,
 * built into blocks and rendered for Telegram and the terminal, in Chinese and English. Prints each
 * reply and the median default-view lengths — the numbers quoted in docs/replies.md.
 *
 *   node --import tsx tools/reply-samples.ts [--print]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { PROJECT_ROOT } from '../bot/config.ts';
import { loadLocales, type Locale } from '../bot/locales/locale.ts';
import { bigramScorer, cueScorer, loadAnswerCues } from '../bot/reply/answer.ts';
import type { ReplyBlocks } from '../bot/reply/blocks.ts';
import { eligibilityBlocks, informationBlocks, type ClauseRef } from '../bot/reply/build.ts';
import { renderTelegram } from '../bot/reply/render-telegram.ts';
import { renderTerminal } from '../bot/reply/render-terminal.ts';
import { evaluate } from '../eligibility/evaluate.ts';
import type { Facts } from '../eligibility/facts.ts';
import { findClauseChunks, loadRuleSet } from '../eligibility/rules.ts';
import { readCorpus } from '../retrieval/corpus.ts';
import type { Chunk, PolicyDocument } from '../retrieval/types.ts';
import { uniqueClauseLabels } from '../text/quote.ts';

const print = process.argv.includes('--print');
const corpusDir = join(PROJECT_ROOT, 'corpus');
const corpus = await readCorpus(corpusDir);
const { rules, catalog } = loadRuleSet(join(corpusDir, 'rules'), { chunks: corpus.chunks });
const locales = loadLocales();
const labels = uniqueClauseLabels(corpus.chunks);
const docs = new Map<string, PolicyDocument>(corpus.documents.map((d) => [d.id, d]));
const scorer = cueScorer(bigramScorer(), loadAnswerCues(join(corpusDir, 'answer-cues.yaml')));

function ref(chunk: Chunk): ClauseRef {
  const d = docs.get(chunk.docId)!;
  return { chunk, doc: { title: d.title, docNumber: d.docNumber ?? null, date: d.date }, label: labels.get(chunk.id) ?? chunk.clause };
}

interface EligCase {
  facts: Facts;
  words: Record<string, string>;
  asOf: string;
}
const eligCases: EligCase[] = [
  {
    facts: { studiedAbroad: true, worldRank: { min: 1, max: 50 }, employedFullTimeInShanghai: true },
    words: { worldRank: '世界排名前50', employedFullTimeInShanghai: '在上海全职工作' },
    asOf: '2026-12-01',
  },
  {
    facts: { worldRank: 68, employedFullTimeInShanghai: true, socialInsuranceMonths: 5 },
    words: { worldRank: 'QS第68', employedFullTimeInShanghai: '全职', socialInsuranceMonths: '社保交了5个月' },
    asOf: '2026-12-01',
  },
  { facts: { worldRank: 80 }, words: { worldRank: '排名80左右' }, asOf: '2026-12-01' },
  { facts: { applicationDate: '2024-03' }, words: { applicationDate: '24年3月' }, asOf: '2026-12-01' },
  {
    facts: { workDistrict: '宝山', talentCategory: 'shortage' },
    words: { workDistrict: '宝山', talentCategory: '紧缺急需' },
    asOf: '2026-12-01',
  },
];

function eligibility(c: EligCase, locale: Locale): ReplyBlocks[] {
  const verdicts = evaluate(rules, c.facts, c.asOf, { catalog });
  const lead =
    verdicts.find((v) => v.verdict !== 'not_applicable' && Object.keys(c.facts).some((f) => v.conditions.some((k) => k.fact === f))) ??
    verdicts[0]!;
  const rule = rules.find((r) => r.id === lead.ruleId)!;
  const chunk =
    corpus.chunks.find((k) => k.id === rule.citeChunkIds[0]) ?? findClauseChunks(corpus.chunks, rule.cite.docId, rule.cite.clause)[0]!;
  const missing = lead.missing[0];
  const spec = missing ? catalog[missing] : undefined;
  const text = (t: { zh: string; en?: string }) => (locale.lang === 'en' ? (t.en ?? t.zh) : t.zh);
  const sources = Object.fromEntries(Object.entries(c.words).map(([f, w]) => [f, { text: w, span: [0, w.length] as [number, number] }]));
  return [
    eligibilityBlocks({
      verdict: lead,
      ruleNotes: rule.notes,
      assumeApplies: rule.assumeApplies,
      catalog,
      sources,
      locale,
      clause: ref(chunk),
      ruleQuote: rule.cite.quote,
      followUp: spec
        ? {
            fact: missing!,
            question: text(spec.question),
            choices: (spec.choices ?? []).map((ch) => ({ label: text(ch.label), value: JSON.stringify(ch.value) })),
          }
        : null,
    }),
  ];
}

const infoCases: { chunkId: string; query: string }[] = [
  { chunkId: 'yangpu-hrss-2021-18#二/（三）~2', query: '杨浦的海外引才工作站设在哪些地方' },
  { chunkId: 'yangpu-hrss-2021-18#二/（一）', query: '杨浦留学回国人员落户初审制度是什么' },
  { chunkId: 'sh-hrss-2022-103#一', query: '人才引进的平均工资基数怎么算' },
  { chunkId: 'baoshan-hrss-2021-8E112#一/（二）/2', query: '宝山骨干人才激励最高多少' },
  { chunkId: 'sh-hrss-2023-113#一/1', query: '专业技术人才工作怎么统筹谋划' },
  { chunkId: 'sh-hrss-2023-113#三/11', query: '超级博士后资助规模会扩大吗' },
];

function information(locale: Locale): ReplyBlocks[] {
  return infoCases.flatMap(({ chunkId, query }) => {
    const chunk = corpus.chunks.find((k) => k.id === chunkId) ?? corpus.chunks.find((k) => k.id.startsWith(chunkId));
    if (!chunk) {
      console.error(`no chunk ${chunkId}`);
      return [];
    }
    return [informationBlocks({ query, locale, clause: ref(chunk), scorer })];
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : 0;
};

for (const lang of ['zh', 'en'] as const) {
  const locale = locales[lang];
  const elig = eligCases.flatMap((c) => eligibility(c, locale));
  const info = information(locale);
  const lengths = { elig: [] as number[], info: [] as number[], eligTg: [] as number[] };
  for (const [kind, set] of [
    ['elig', elig],
    ['info', info],
  ] as const) {
    for (const b of set) {
      const term = renderTerminal(b, locale, { quoted: new Set() });
      const tg = renderTelegram(b, locale, { quoted: new Set() });
      lengths[kind].push([...term.text].length);
      if (kind === 'elig') lengths.eligTg.push(tg.messages.join('').length);
      if (print) console.log(`--- ${lang} ${kind} (${[...term.text].length} chars)\n${term.text}\n`);
    }
  }
  // A second turn of the first eligibility case: the clause was quoted, the previous reply is known.
  const [first] = elig;
  if (first && print) {
    const again = renderTerminal(first, locale, { quoted: new Set([first.quote!.citation.clauseId]), previous: first });
    console.log(`--- ${lang} same reply as a later turn (${[...again.text].length} chars)\n${again.text}\n`);
  }
  console.log(
    `${lang}: eligibility median ${median(lengths.elig)} chars (n=${lengths.elig.length}), information median ${median(lengths.info)} chars (n=${lengths.info.length}) — terminal default view`,
  );
}

// The dev set's information questions, each on the clause holding its expected phrase.
const dev = yaml.load(readFileSync(join(PROJECT_ROOT, 'test/fixtures/assistant-dev.yaml'), 'utf8')) as {
  information: { q: string; doc: string; phrase: string }[];
};
const squash = (t: string) => t.replace(/\s+/g, '');
let visible = 0;
let inLine = 0;
const infoLengths: number[] = [];
for (const c of dev.information) {
  const chunk = corpus.chunks.find((k) => k.docId === c.doc && squash(k.text).includes(squash(c.phrase)));
  if (!chunk) {
    console.log(`dev: no clause of ${c.doc} holds "${c.phrase}"`);
    continue;
  }
  const b = informationBlocks({ query: c.q, locale: locales.zh, clause: ref(chunk), scorer });
  const { text } = renderTerminal(b, locales.zh, { quoted: new Set() });
  infoLengths.push([...text].length);
  const seen = squash(text).includes(squash(c.phrase));
  visible += seen ? 1 : 0;
  inLine += squash(b.answer.text).includes(squash(c.phrase)) ? 1 : 0;
  if (print || !seen) console.log(`--- dev "${c.q}" phrase ${c.phrase} ${seen ? 'visible' : 'NOT visible'}\n${text}\n`);
}
console.log(
  `dev information (${dev.information.length}): phrase visible in the default view ${visible}, in the answer line ${inLine}; median ${median(infoLengths)} chars`,
);

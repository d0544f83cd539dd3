/**
 * Runs the assistant's dev set (test/fixtures/assistant-dev.yaml): eligibility verdicts, multi-turn
 * conversations, information questions (right clause as the first citation) and unanswerable questions
 * (abstention). Used by `policybot eval-ask` and by the tests.
 *
 * @example
 * const report = await runDevSet(app.assistant, loadDevSet(file), { hasRankings: true });
 * report.eligibility.accuracy // 1
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Assistant, ConversationState, Reply } from './types.ts';

const Split = z.enum(['tune', 'check']);
const Verdict = z.enum(['eligible', 'not_eligible', 'need_more_info', 'not_applicable']);
const EligibilityCase = z.object({
  q: z.string(),
  rule: z.string(),
  verdict: Verdict,
  missing_first: z.string().optional(),
  needs: z.literal('rankings').optional(),
  as_of: z.string().optional(),
  /** `tune` cases may be looked at while fixing; `check` cases are only counted. */
  split: Split.optional(),
});
const Turn = z.object({
  say: z.string(),
  rule: z.string().optional(),
  verdict: Verdict.optional(),
  missing_first: z.string().optional(),
  abstain: z.boolean().optional(),
});
const DevSetSchema = z
  .object({
    as_of: z.union([z.string(), z.date()]).transform((d) => (d instanceof Date ? d.toISOString().slice(0, 10) : d)),
    eligibility: z.array(EligibilityCase).default([]),
    conversations: z
      .array(
        z.object({
          name: z.string(),
          needs: z.literal('rankings').optional(),
          split: Split.optional(),
          as_of: z.string().optional(),
          turns: z.array(Turn),
        }),
      )
      .default([]),
    information: z.array(z.object({ q: z.string(), doc: z.string(), phrase: z.string(), split: Split.optional() })).default([]),
    unanswerable: z
      .array(z.union([z.string(), z.object({ q: z.string(), split: Split.optional() })]))
      .default([])
      .transform((xs) => xs.map((x) => (typeof x === 'string' ? { q: x } : x))),
  })
  .transform(({ unanswerable, ...rest }) => ({
    ...rest,
    /** Questions the assistant must abstain on (plain strings, as the other tools read them). */
    unanswerable: unanswerable.map((x) => x.q),
    /** The split of each unanswerable question (same order). */
    unanswerableSplit: unanswerable.map((x) => x.split) as ('tune' | 'check' | undefined)[],
  }));
export type DevSet = z.infer<typeof DevSetSchema>;
/** Which half of a split set to run: `tune`, `check`, or everything (`all`, the default). */
export type SplitFilter = 'tune' | 'check' | 'all';

/** Loads and validates a dev-set file. */
export function loadDevSet(file: string): DevSet {
  const parsed = DevSetSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export interface Failure {
  kind: 'eligibility' | 'conversation' | 'information' | 'unanswerable';
  q: string;
  expected: string;
  got: string;
}

export interface DevReport {
  eligibility: { total: number; correct: number; accuracy: number };
  conversations: { turns: number; correct: number; accuracy: number };
  information: { total: number; firstCitationCorrect: number; rate: number; wronglyAbstained: number };
  unanswerable: { total: number; abstained: number; rate: number };
  failures: Failure[];
  skipped: number;
}

const squash = (s: string) => s.replace(/\s+/g, '');

function verdictOf(r: Reply): string {
  return r.eligibility
    ? `${r.eligibility.ruleId}:${r.eligibility.verdict}${r.eligibility.missing[0] ? `(${r.eligibility.missing[0]})` : ''}`
    : `route:${r.route}`;
}

/**
 * Reads a retrieval question file (`test/fixtures/retrieval-*.yaml`: `questions: [{ q, doc, phrase } |
 * { q, answerable: false }]`) as assistant cases: answerable → information, the others → unanswerable.
 */
export function devSetFromRetrievalFile(file: string, asOf: string): DevSet {
  const doc = parse(readFileSync(file, 'utf8')) as {
    questions?: { q: string; doc?: string; phrase?: string | number; answerable?: boolean }[];
  };
  const qs = doc.questions ?? [];
  return {
    as_of: asOf,
    eligibility: [],
    conversations: [],
    information: qs
      .filter((x) => x.answerable !== false && x.doc && x.phrase !== undefined)
      .map((x) => ({ q: String(x.q), doc: x.doc!, phrase: String(x.phrase) })),
    unanswerable: qs.filter((x) => x.answerable === false).map((x) => x.q),
    unanswerableSplit: [],
  };
}

/** Runs every case of the dev set through the assistant (each case a new conversation). */
export async function runDevSet(
  assistant: Assistant,
  set: DevSet,
  opts: { hasRankings: boolean; now?: number; clauseText?: (docId: string, clause: string) => string | undefined; split?: SplitFilter },
): Promise<DevReport> {
  const failures: Failure[] = [];
  let skipped = 0;
  const now = opts.now ?? Date.now();
  const inSplit = (c: { split?: 'tune' | 'check' }) => !opts.split || opts.split === 'all' || c.split === opts.split;
  const ask = async (state: ConversationState | undefined, q: string, asOf: string) => assistant.reply(state, q, asOf, now);

  let eOk = 0;
  let eTotal = 0;
  for (const c of set.eligibility) {
    if (!inSplit(c)) continue;
    if (c.needs === 'rankings' && !opts.hasRankings) {
      skipped++;
      continue;
    }
    eTotal++;
    const { reply } = await ask(undefined, c.q, c.as_of ?? set.as_of);
    const e = reply.eligibility;
    const ok = !!e && e.ruleId === c.rule && e.verdict === c.verdict && (!c.missing_first || e.missing[0] === c.missing_first);
    if (ok) eOk++;
    else
      failures.push({
        kind: 'eligibility',
        q: c.q,
        expected: `${c.rule}:${c.verdict}${c.missing_first ? `(${c.missing_first})` : ''}`,
        got: verdictOf(reply),
      });
  }

  let tOk = 0;
  let tTotal = 0;
  for (const conv of set.conversations) {
    if (!inSplit(conv)) continue;
    if (conv.needs === 'rankings' && !opts.hasRankings) {
      skipped++;
      continue;
    }
    let state: ConversationState | undefined;
    for (const t of conv.turns) {
      const res = await ask(state, t.say, conv.as_of ?? set.as_of);
      state = res.state;
      if (!t.verdict && t.abstain === undefined) continue;
      tTotal++;
      const e = res.reply.eligibility;
      const ok = t.abstain
        ? !res.reply.grounded && res.reply.citations.length === 0
        : !!e && e.verdict === t.verdict && (!t.rule || e.ruleId === t.rule) && (!t.missing_first || e.missing[0] === t.missing_first);
      if (ok) tOk++;
      else
        failures.push({
          kind: 'conversation',
          q: `${conv.name}: ${t.say}`,
          expected: t.abstain ? 'abstain' : `${t.rule ?? ''}:${t.verdict}${t.missing_first ? `(${t.missing_first})` : ''}`,
          got: verdictOf(res.reply),
        });
    }
  }

  let iOk = 0;
  let iAbst = 0;
  const information = set.information.filter(inSplit);
  const unanswerable = set.unanswerable.filter((_, i) => inSplit({ split: set.unanswerableSplit?.[i] }));
  for (const c of information) {
    const { reply } = await ask(undefined, c.q, set.as_of);
    const first = reply.citations[0];
    if (!reply.grounded || !first) iAbst++;
    // The first citation's text may be trimmed: check the phrase against the whole answer's first quote.
    const full = first ? (opts.clauseText?.(first.docId, first.clause) ?? first.text) : '';
    const ok = !!first && first.docId === c.doc && squash(full).includes(squash(c.phrase));
    if (ok) iOk++;
    else
      failures.push({
        kind: 'information',
        q: c.q,
        expected: `${c.doc} «${c.phrase}»`,
        got: first ? `${first.docId}#${first.clause} «${first.text.slice(0, 40)}»` : 'abstained',
      });
  }

  let uOk = 0;
  for (const q of unanswerable) {
    const { reply } = await ask(undefined, q, set.as_of);
    if (!reply.grounded && reply.citations.length === 0) uOk++;
    else
      failures.push({
        kind: 'unanswerable',
        q,
        expected: 'abstain',
        got: reply.citations[0] ? `${reply.citations[0].docId}#${reply.citations[0].clause}` : verdictOf(reply),
      });
  }

  const rate = (a: number, b: number) => (b ? a / b : 1);
  return {
    eligibility: { total: eTotal, correct: eOk, accuracy: rate(eOk, eTotal) },
    conversations: { turns: tTotal, correct: tOk, accuracy: rate(tOk, tTotal) },
    information: { total: information.length, firstCitationCorrect: iOk, rate: rate(iOk, information.length), wronglyAbstained: iAbst },
    unanswerable: { total: unanswerable.length, abstained: uOk, rate: rate(uOk, unanswerable.length) },
    failures,
    skipped,
  };
}

// ── understanding sets (test/fixtures/understanding-*.yaml) ─────────────────────────────────────────

const Expect = z
  .object({
    route: z.string().optional(),
    rule: z.string().optional(),
    verdict: Verdict.optional(),
    /** Any of these facts is what the bot asks for. */
    missing: z.array(z.string()).optional(),
    facts: z.record(z.string(), z.unknown()).optional(),
    notFacts: z.array(z.string()).optional(),
    situationDate: z
      .union([z.string(), z.date()])
      .transform((d) => (d instanceof Date ? d.toISOString().slice(0, 10) : d))
      .optional(),
    doc: z.string().optional(),
    expired: z.boolean().optional(),
  })
  .passthrough();
const DateStr = z.union([z.string(), z.date()]).transform((d) => (d instanceof Date ? d.toISOString().slice(0, 10) : d));
const UnderstandingSetSchema = z.object({
  as_of: DateStr,
  messages: z
    .array(
      z
        .object({
          id: z.string(),
          q: z
            .union([z.string(), z.number()])
            .nullable()
            .transform((x) => (x === null ? '' : String(x))),
          tags: z.array(z.string()).default([]),
          needs: z.literal('rankings').optional(),
          as_of: DateStr.optional(),
          asOf: DateStr.optional(),
          expect: Expect,
        })
        .passthrough(),
    )
    .default([]),
  conversations: z
    .array(
      z
        .object({
          id: z.string(),
          tags: z.array(z.string()).default([]),
          needs: z.literal('rankings').optional(),
          as_of: DateStr.optional(),
          asOf: DateStr.optional(),
          turns: z.array(z.union([z.string(), z.number()]).transform(String)),
          expect: Expect,
        })
        .passthrough(),
    )
    .default([]),
});
export type UnderstandingSet = z.infer<typeof UnderstandingSetSchema>;
type Expectation = z.infer<typeof Expect>;

/** True when the file is in the understanding-set format (`messages:` / `conversations:` with `expect`). */
export function isUnderstandingSet(file: string): boolean {
  const d = parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
  return !!d && (Array.isArray(d.messages) || (Array.isArray(d.conversations) && !('eligibility' in d)));
}

export function loadUnderstandingSet(file: string): UnderstandingSet {
  const parsed = UnderstandingSetSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export interface UnderstandingReport {
  messages: { total: number; correct: number; accuracy: number };
  verdicts: { total: number; correct: number; accuracy: number };
  conversations: { total: number; correct: number; accuracy: number };
  /** eligible / not_eligible given where the expected verdict (or route) differs. */
  confidentWrong: number;
  /** Shown conditions whose fact has no source (a span of the person's words or a button). */
  unsourcedFacts: number;
  byTag: Record<string, { total: number; correct: number }>;
  failures: { id: string; q: string; problems: string[]; confidentWrong?: boolean }[];
  skipped: number;
}

const sameFact = (want: unknown, got: unknown): boolean => {
  if (JSON.stringify(want) === JSON.stringify(got)) return true;
  // A month fact ("2022-11") against a set that writes months as their first day ("2022-11-01").
  const w = want instanceof Date ? want.toISOString().slice(0, 10) : want;
  if (typeof w === 'string' && typeof got === 'string' && /^\d{4}-\d{2}$/.test(got) && w === `${got}-01`) return true;
  if (typeof want === 'number' && got && typeof got === 'object') {
    const g = got as { min?: number; max?: number };
    return g.min === want && g.max === want;
  }
  if (Array.isArray(want) && Array.isArray(got)) return want.length === got.length && want.every((w, i) => String(w) === String(got[i]));
  return String(want) === String(got);
};

/** What is wrong with the reply (empty when it meets every expectation). */
function check(e: Expectation, reply: Reply, state: ConversationState): { problems: string[]; confidentWrong: boolean; unsourced: number } {
  const p: string[] = [];
  const el = reply.eligibility;
  const route = reply.route ?? '';
  // `abstain`: any reply without a grounded answer (out of scope, or no clause to quote).
  const abstained = !reply.grounded && reply.citations.length === 0;
  if (e.route === 'abstain' ? !abstained : e.route && route !== e.route) p.push(`route ${route} ≠ ${e.route}`);
  if (e.rule && el?.ruleId !== e.rule) p.push(`rule ${el?.ruleId ?? '-'} ≠ ${e.rule}`);
  if (e.verdict && el?.verdict !== e.verdict) p.push(`verdict ${el?.verdict ?? '-'} ≠ ${e.verdict}`);
  if (e.missing) {
    const asked = reply.followUp?.fact ?? el?.missing[0];
    if (!asked || !e.missing.includes(asked)) p.push(`asks ${asked ?? '-'} ∉ [${e.missing.join(', ')}]`);
  }
  for (const [k, v] of Object.entries(e.facts ?? {}))
    if (!sameFact(v, state.facts[k])) p.push(`fact ${k}=${JSON.stringify(state.facts[k])} ≠ ${JSON.stringify(v)}`);
  for (const k of e.notFacts ?? [])
    if (state.facts[k] !== undefined) p.push(`fact ${k} should be unknown, got ${JSON.stringify(state.facts[k])}`);
  if (e.situationDate) {
    const got = reply.decision?.situationDate ?? state.situationDate ?? null;
    // A month said without a day is that month: the decision writes it as its 1st day, the sets as the 1st or
    // the 15th.
    const sameMonth = typeof got === 'string' && got.endsWith('-01') && got.slice(0, 7) === e.situationDate.slice(0, 7);
    // (…and a span of months, "2022-07/2022-09" for Q3 2022, is the month it starts, as the sets write it.)
    const spanStart =
      typeof got === 'string' && got.includes('/') && e.situationDate.length >= 7 && got.slice(0, 7) === e.situationDate.slice(0, 7);
    if (got !== e.situationDate && !sameMonth && !spanStart) p.push(`situationDate ${got} ≠ ${e.situationDate}`);
  }
  if (e.doc && reply.citations[0]?.docId !== e.doc) p.push(`doc ${reply.citations[0]?.docId ?? '-'} ≠ ${e.doc}`);
  if (e.expired !== undefined && !!reply.expired !== e.expired) p.push(`expired ${!!reply.expired} ≠ ${e.expired}`);
  const confident = el?.verdict === 'eligible' || el?.verdict === 'not_eligible';
  const expectedVerdict = e.verdict ?? (e.route && e.route !== 'eligibility' ? 'none' : undefined);
  const confidentWrong = confident && expectedVerdict !== undefined && el!.verdict !== expectedVerdict;
  let unsourced = 0;
  for (const c of el?.conditions ?? []) {
    if (c.value === undefined || !c.fact || c.status === 'unknown' || state.facts[c.fact] === undefined) continue;
    if (!state.sources?.[c.fact]) unsourced++;
  }
  return { problems: p, confidentWrong, unsourced };
}

/** Runs an understanding set: every message a fresh conversation, every conversation turn by turn. */
export async function runUnderstandingSet(
  assistant: Assistant,
  set: UnderstandingSet,
  opts: { hasRankings: boolean; now?: number },
): Promise<UnderstandingReport> {
  const now = opts.now ?? Date.now();
  const failures: UnderstandingReport['failures'] = [];
  const byTag: UnderstandingReport['byTag'] = {};
  let skipped = 0;
  let mOk = 0,
    mTotal = 0,
    vOk = 0,
    vTotal = 0,
    cOk = 0,
    cTotal = 0,
    wrong = 0,
    unsourced = 0;
  const tally = (tags: string[], ok: boolean) => {
    for (const t of tags) {
      const b = (byTag[t] ??= { total: 0, correct: 0 });
      b.total++;
      if (ok) b.correct++;
    }
  };
  for (const m of set.messages) {
    if (m.needs === 'rankings' && !opts.hasRankings) {
      skipped++;
      continue;
    }
    const { reply, state } = await assistant.reply(undefined, m.q, m.as_of ?? m.asOf ?? set.as_of, now);
    const r = check(m.expect, reply, state);
    const ok = r.problems.length === 0;
    mTotal++;
    if (ok) mOk++;
    if (m.expect.verdict) {
      vTotal++;
      if (!r.problems.some((x) => x.startsWith('verdict') || x.startsWith('rule'))) vOk++;
    }
    if (r.confidentWrong) wrong++;
    unsourced += r.unsourced;
    tally(m.tags, ok);
    if (!ok) failures.push({ id: m.id, q: m.q, problems: r.problems, ...(r.confidentWrong ? { confidentWrong: true } : {}) });
  }
  for (const c of set.conversations) {
    if (c.needs === 'rankings' && !opts.hasRankings) {
      skipped++;
      continue;
    }
    let state: ConversationState | undefined;
    let last: Reply | undefined;
    for (const t of c.turns) {
      const res = await assistant.reply(state, t, c.as_of ?? c.asOf ?? set.as_of, now);
      state = res.state;
      last = res.reply;
      for (const cond of last.eligibility?.conditions ?? [])
        if (
          cond.value !== undefined &&
          cond.fact &&
          cond.status !== 'unknown' &&
          state.facts[cond.fact] !== undefined &&
          !state.sources?.[cond.fact]
        )
          unsourced++;
    }
    const r = check(c.expect, last!, state!);
    const ok = r.problems.length === 0;
    cTotal++;
    if (ok) cOk++;
    if (r.confidentWrong) wrong++;
    tally(c.tags, ok);
    if (!ok)
      failures.push({ id: c.id, q: c.turns.join(' ⟶ '), problems: r.problems, ...(r.confidentWrong ? { confidentWrong: true } : {}) });
  }
  const rate = (a: number, b: number) => (b ? a / b : 1);
  return {
    messages: { total: mTotal, correct: mOk, accuracy: rate(mOk, mTotal) },
    verdicts: { total: vTotal, correct: vOk, accuracy: rate(vOk, vTotal) },
    conversations: { total: cTotal, correct: cOk, accuracy: rate(cOk, cTotal) },
    confidentWrong: wrong,
    unsourcedFacts: unsourced,
    byTag,
    failures,
    skipped,
  };
}

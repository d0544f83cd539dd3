/**
 * The decision stage: evaluates every candidate rule on the situation date and orders the verdicts —
 * the rule the message is about first; among the rules serving the person's goal, a path that grants
 * the goal leads (a top-50 graduate: social insurance does not matter), then need-more-info, then
 * failing. The follow-up is the one missing fact of the leading rule (none once it grants).
 *
 * Pure: rules, facts and signals in, a `Decision` out. The reply builder turns the Decision into text.
 *
 * @example
 * const d = decide({ candidates, facts, asOf: '2026-12-01', situationDate: null, kwText, given, hits, goals: ['settlement'], ruleFacts }, { catalog, weights: DEFAULT_DECIDE_WEIGHTS });
 * d?.lead.verdict // 'eligible'
 */
import { evaluate, type Verdict, type VerdictKind } from '../../eligibility/evaluate.ts';
import { toDayInterval } from '../../eligibility/dates.ts';
import { DATE_NAMED, type Doubt } from '../../eligibility/understand.ts';
import type { Facts } from '../../eligibility/facts.ts';
import { matchedKeywords, type FactCatalog, type Rule } from '../../eligibility/rules.ts';
import type { SearchHit } from '../../retrieval/types.ts';

/** Scoring weights of the rule choice. All are points added to a rule's score; ranges are the tested ones. */
export interface DecideWeights {
  /** Per keyword of the rule found in the message. Range 0–50 (default 10). */
  keyword: number;
  /** Keywords counted at most. Range 1–10 (default 4). */
  keywordCap: number;
  /**
   * Per keyword of the rule in the clause that asks, on top of `keyword` ("22年6月办的留学生落户，社平工资
   * 还维持现有基数吗" asks about the wage base, not the settlement path). Range 0–50 (default 10); at most
   * `keywordCap` counted.
   */
  askedKeyword: number;
  /** Per fact of the rule given in this message. Range 0–50 (default 12). */
  knownFact: number;
  /** By the position of the rule's clause among the search hits (best first). Each 0–100 (default 30, 18, 10, 5, 2). */
  searchPosition: number[];
  /** For a rule that applies (verdict other than not_applicable). Range 0–20 (default 3). */
  applicable: number;
  /** For a rule serving a goal the message names. Range 0–100 (default 15). */
  goal: number;
  /** Among goal rules, by verdict: granting first, then need-more-info, then failing. Each 0–200. */
  verdictOrder: Record<VerdictKind, number>;
  /**
   * The same for a goal rule that does not grant the goal itself (`grants: []` — arrears paid back do not
   * affect the application): below a granting rule's eligible, above its need-more-info. Each 0–200.
   */
  verdictOrderSupporting: Record<VerdictKind, number>;
}

export const DEFAULT_DECIDE_WEIGHTS: DecideWeights = {
  keyword: 10,
  keywordCap: 4,
  askedKeyword: 10,
  knownFact: 12,
  searchPosition: [30, 18, 10, 5, 2],
  applicable: 3,
  goal: 15,
  verdictOrder: { eligible: 100, need_more_info: 10, not_eligible: 0, not_applicable: -20 },
  verdictOrderSupporting: { eligible: 50, need_more_info: 5, not_eligible: 0, not_applicable: -20 },
};

export interface DecideInput {
  candidates: Rule[];
  facts: Facts;
  /** Today; the rules are judged on `situationDate` when the message puts the question there. */
  asOf: string;
  situationDate: string | null;
  /** The question itself is asked about the situation date (then a measure not yet in force does not apply). */
  situationAsked?: boolean;
  /** `keywordText` of the message. */
  kwText: string;
  /** `keywordText` of the clause that asks (understanding `askingText`), when there is one. */
  askedKwText?: string;
  /** Facts given in this message. */
  given: Set<string>;
  hits: SearchHit[];
  goals: string[];
  ruleFacts: Map<string, Set<string>>;
  /** Facts read without confidence (eligibility/understand.ts `doubts`): no confident verdict rests on them. */
  doubts?: Doubt[];
}

/** The structured decision between decide and the reply builder. */
export interface Decision {
  /** Every evaluated rule, best first. */
  verdicts: Verdict[];
  lead: Verdict;
  /** The other rules of the person's goal that apply (mentioned after the lead). */
  others: Verdict[];
  /** The date the rules were judged on. */
  judgedOn: string;
  situationDate: string | null;
  /** The one fact to ask next (null when nothing missing can change the leading answer). */
  followUpFact: string | null;
  /** Rules that were considered because they serve the person's goal. */
  goalRules: string[];
  /** The doubts that turned a confident verdict into need-more-info (the gate); their facts are asked. */
  doubted: Doubt[];
}

/** The facts that decide a verdict: every condition that passed (eligible) or failed (not eligible) and mattered. */
export function decidingFacts(v: Verdict): { facts: string[]; fallbacks: string[] } {
  const want = v.verdict === 'eligible' ? 'pass' : v.verdict === 'not_eligible' ? 'fail' : null;
  if (!want) return { facts: [], fallbacks: [] };
  const leaves = v.conditions.filter((c) => c.status === want && !c.skipped && c.fact !== 'asOf');
  return {
    facts: [...new Set(leaves.filter((c) => !c.assumed).map((c) => c.fact))],
    fallbacks: [...new Set(leaves.filter((c) => c.assumed).map((c) => c.fact))],
  };
}

/**
 * The confidence gate. A confident verdict (eligible / not eligible) stands only when no fact that
 * decides it is in doubt: a value the person did not fully give (a month without a year), an
 * approximate one (上半年, 几个月), a university named but not resolved, or a date the person named that
 * no fact took while a condition stood in today's date for it. Otherwise the rule is evaluated again
 * without those facts (and without the date fallback), which asks for them; the doubts that mattered are
 * returned so the reply can say what it did not assume. Pure.
 */
export function gateVerdict(
  v: Verdict,
  doubts: Doubt[],
  reevaluate: (without: string[], noFallback: string[]) => Verdict,
): { verdict: Verdict; doubted: Doubt[] } {
  if (!doubts.length || (v.verdict !== 'eligible' && v.verdict !== 'not_eligible')) return { verdict: v, doubted: [] };
  const { facts, fallbacks } = decidingFacts(v);
  const hit = doubts.filter((d) => facts.includes(d.fact) || (d.fact === DATE_NAMED && fallbacks.length > 0));
  if (!hit.length) return { verdict: v, doubted: [] };
  const without = [...new Set(hit.map((d) => d.fact).filter((f) => f !== DATE_NAMED))];
  const noFallback = hit.some((d) => d.fact === DATE_NAMED) ? fallbacks : [];
  const again = reevaluate(without, noFallback);
  if (again.verdict === v.verdict) return { verdict: v, doubted: [] };
  // Ask first for what was in doubt.
  const first = [...without, ...noFallback].filter((f) => again.missing.includes(f));
  const missing = [...first, ...again.missing.filter((f) => !first.includes(f))];
  return { verdict: { ...again, missing }, doubted: hit };
}

/**
 * The days a situation stands for. A day or a month is its own day (a month is its first day, as
 * `understand` gives it). A year alone ("二二年那年还能再拿吗"), or a span ("2022-07/2022-12" of 下半年), stands
 * for every day of it on which the measure was in force, up to `asOf`: its first and last such day. A measure not in force in any part of it is
 * judged today: the year is then the time of the person's facts ("21年的线上培训…能不能再拿" fails the
 * measure's own "2022年内"), not of a question the measure could answer — unless the question is asked of
 * that time (`asked`: "2021年的时候…那时候就能直接落户了吗"), which the measure, not yet or no longer in
 * force, does not answer: then the period's end. Pure.
 */
export function situationDays(rule: Rule, situation: string | null, asOf: string, asked = false): string[] {
  if (!situation) return [asOf];
  if (!/^\d{4}$/.test(situation) && !situation.includes('/')) return [situation];
  const span = toDayInterval(situation);
  const from = [span.start, rule.validFrom ? toDayInterval(rule.validFrom).start : ''].sort().pop()!;
  const to = [span.end, rule.validTo ? toDayInterval(rule.validTo).end : '9999', asOf].sort()[0]!;
  if (from <= to) return from === to ? [to] : [from, to];
  return [asked ? [span.end, asOf].sort()[0]! : asOf];
}

/**
 * One rule judged on the situation. On a year, both ends of it: one verdict when they agree; when they do
 * not, the facts of the conditions that differ are asked (need more information) — a verdict true on only
 * part of the year is not given as certain. Pure.
 */
export function judgeOnSituation(
  rule: Rule,
  facts: Facts,
  situation: string | null,
  asOf: string,
  opts: { catalog: FactCatalog; dayWord?: { zh: string; en: string }; asked?: boolean; today?: string },
): Verdict {
  const days = situationDays(rule, situation, asOf, opts.asked);
  const [first, last] = days.map((d) => evaluate([rule], facts, d, opts)[0]!);
  if (!last || last.verdict === first!.verdict) return last ?? first!;
  const differ = last.conditions.filter((c) => {
    const o = first!.conditions.find((x) => x.id === c.id);
    return o && o.status !== c.status && c.fact !== 'asOf';
  });
  const missing = [...new Set(differ.map((c) => c.fact))];
  if (!missing.length) return last;
  const open = evaluate([rule], Object.fromEntries(Object.entries(facts).filter(([k]) => !missing.includes(k))) as Facts, last.asOf, {
    ...opts,
    noFallback: missing,
  })[0]!;
  return open.verdict === 'need_more_info'
    ? { ...open, missing: [...missing.filter((f) => open.missing.includes(f)), ...open.missing.filter((f) => !missing.includes(f))] }
    : last;
}

export function decide(
  input: DecideInput,
  opts: { catalog: FactCatalog; weights?: DecideWeights; pastDay?: { zh: string; en: string } },
): Decision | undefined {
  const w = opts.weights ?? DEFAULT_DECIDE_WEIGHTS;
  const { candidates } = input;
  if (!candidates.length) return undefined;
  const evalOpts = {
    catalog: opts.catalog,
    // (…"then" only of the past: a planned date is no 当时.)
    dayWord: input.situationDate && input.situationDate < input.asOf ? opts.pastDay : undefined,
    asked: input.situationAsked,
    today: input.asOf,
  };
  let verdicts = candidates.map((r) => judgeOnSituation(r, input.facts, input.situationDate, input.asOf, evalOpts));
  const judgedOn = verdicts[0]?.asOf ?? input.situationDate ?? input.asOf;
  // A measure not yet in force on the situation date cannot be what the person asked about then: the
  // past event is the background of a question about now ("疫情那会儿社保没交，对落户有影响吗").
  // (…unless the date is the measure's own matter, outside what it covers: "Back in April 2022 we filed a hukou
  // application — was the average wage frozen for it?" asks about the application, of a measure not yet in
  // force then and whose own period excludes it. A date it covers, "2022年1月参加的线上培训" of a measure for all
  // of 2022, is judged now.)
  const ownDate = (v: Verdict) =>
    v.conditions.some((c) => {
      const value = input.facts[c.fact as keyof Facts];
      return c.status === 'fail' && typeof value === 'string' && !!input.situationDate && input.situationDate.startsWith(value.slice(0, 7));
    });
  if (input.situationDate && !input.situationAsked) {
    verdicts = verdicts.map((v) =>
      v.validity.status === 'not_yet' && !ownDate(v)
        ? evaluate(
            candidates.filter((r) => r.id === v.ruleId),
            input.facts,
            input.asOf,
            { catalog: opts.catalog },
          )[0]!
        : v,
    );
  }
  // The confidence gate: no confident verdict on a fact read without confidence.
  const doubted: Doubt[] = [];
  const doubts = input.doubts ?? [];
  if (doubts.length) {
    verdicts = verdicts.map((v) => {
      const date = v.asOf;
      const g = gateVerdict(v, doubts, (without, noFallback) => {
        const facts = Object.fromEntries(Object.entries(input.facts).filter(([k]) => !without.includes(k))) as Facts;
        return evaluate(
          candidates.filter((r) => r.id === v.ruleId),
          facts,
          date,
          { catalog: opts.catalog, noFallback, dayWord: date === input.asOf ? undefined : opts.pastDay, today: input.asOf },
        )[0]!;
      });
      for (const d of g.doubted) if (!doubted.some((x) => x.fact === d.fact && x.why === d.why)) doubted.push(d);
      return g.verdict;
    });
  }
  const byId = new Map(candidates.map((r) => [r.id, r]));
  const goalRule = (r: Rule) => r.goals.some((g) => input.goals.includes(g));
  const score = (v: Verdict) => {
    const rule = byId.get(v.ruleId)!;
    const keyword =
      Math.min(w.keywordCap, matchedKeywords(rule, input.kwText).length) * w.keyword +
      (input.askedKwText ? Math.min(w.keywordCap, matchedKeywords(rule, input.askedKwText).length) * w.askedKeyword : 0);
    const known = [...(input.ruleFacts.get(v.ruleId) ?? [])].filter((f) => input.given.has(f)).length * w.knownFact;
    const pos = input.hits.findIndex((h) => v.cite.chunkIds.includes(h.chunk.id));
    const search = pos < 0 ? 0 : (w.searchPosition[pos] ?? 0);
    const applicable = v.verdict === 'not_applicable' ? 0 : w.applicable;
    // A rule that grants the goal leads when it grants it; one that only keeps a path open (grants: [] —
    // back-paid arrears do not affect the application) ranks between its eligible and its need-more-info.
    const grants = rule.grants.some((g) => input.goals.includes(g));
    const goal = goalRule(rule) ? w.goal + (grants ? w.verdictOrder : w.verdictOrderSupporting)[v.verdict] : 0;
    return keyword + known + search + applicable + goal;
  };
  const scored = verdicts.map((v) => ({ v, s: score(v) }));
  scored.sort((a, b) => b.s - a.s);
  const ordered = scored.map((x) => x.v);
  const lead = ordered[0]!;
  const others = ordered.slice(1).filter((v) => v.verdict !== 'not_applicable' && goalRule(byId.get(v.ruleId)!));
  const followUpFact = lead.verdict === 'need_more_info' ? (lead.missing[0] ?? null) : null;
  return {
    verdicts: ordered,
    lead,
    others,
    judgedOn,
    situationDate: input.situationDate,
    followUpFact,
    goalRules: candidates.filter(goalRule).map((r) => r.id),
    doubted: doubted.filter(
      (d) => lead.missing.includes(d.fact) || d.fact === DATE_NAMED || ordered.some((v) => v.missing.includes(d.fact)),
    ),
  };
}

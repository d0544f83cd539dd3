/**
 * The evaluator: `evaluate(rules, facts, asOf)` → one Verdict per rule, with the trace of every
 * condition (pass / fail / unknown, the fact value and the clause), the facts still missing in the order
 * to ask them, and the validity window and deadlines relative to `asOf`. Pure and deterministic.
 *
 * Three-valued (Kleene) logic: `all` fails as soon as one child fails (the unknown siblings are then
 * not asked), `any` passes as soon as one child passes. Vague values (intervals like "前50" or a month
 * like "2022年12月") pass or fail only when the whole interval is on one side of the threshold.
 *
 * @example
 * const [v] = evaluate(rules, { studiedAbroad: true, worldRank: 30, employedFullTimeInShanghai: true }, '2022-08-01');
 * v.verdict // 'eligible'
 */
import { addDays, daysBetween, toDayInterval } from './dates.ts';
import { formatFactValue, type Facts } from './facts.ts';
import type { Condition, FactCatalog, LeafCondition, Rule, Text } from './rules.ts';

/** Status of one condition. */
export type Status = 'pass' | 'fail' | 'unknown';

/** Outcome of one rule. */
export type VerdictKind = 'eligible' | 'not_eligible' | 'need_more_info' | 'not_applicable';

/** One leaf condition as evaluated. Maps onto bot/assistant/types.ts EligibilityCondition. */
export interface ConditionTrace {
  id: string;
  status: Status;
  /** The fact looked at and its value (absent = unknown). */
  fact: string;
  value?: unknown;
  /** Clause label that imposes the condition. */
  clause: string;
  /** Short Chinese description of the condition. */
  label?: string;
  labelEn?: string;
  /** Extra information, e.g. "须在2022-12-31前完成（还剩20天）". */
  note?: string;
  /** True when the condition did not matter for the outcome (another branch decided it). */
  skipped?: boolean;
  /** True for the applicability conditions (`applies_if`). */
  applicability?: boolean;
  /** True when the value is the evaluation date standing in for an unknown fact (`fallback: asOf`). */
  assumed?: boolean;
}

/** Validity of the rule on the evaluation date. */
export interface Validity {
  validFrom?: string;
  validTo?: string;
  status: 'in_force' | 'not_yet' | 'expired';
  deadlines: { id: string; date: string; label: Text; passed: boolean; daysLeft: number }[];
}

/** The result for one rule. */
export interface Verdict {
  ruleId: string;
  title: Text;
  verdict: VerdictKind;
  conditions: ConditionTrace[];
  /** Facts to ask for, in order; only facts that can still change the outcome. */
  missing: string[];
  /** Reasons for the verdict (pass texts, fail texts, outcome text), Chinese and English. */
  reasons: Text[];
  /** Date-related and other notes (validity, deadlines, fallbacks), Chinese. */
  notes: string[];
  notesEn: string[];
  cite: { docId: string; clause: string; quote: string; chunkIds: string[] };
  validity: Validity;
  keywords: string[];
  asOf: string;
}

/** Options of evaluate. */
export interface EvaluateOptions {
  /** Only these rules (by id). */
  ruleIds?: string[];
  /** Fact catalog, for the order in which missing facts are asked (priority). */
  catalog?: FactCatalog;
  /** How notes name the evaluation date: 今天 (default) or, for a past situation, 当时. */
  dayWord?: { zh: string; en: string };
  /** Facts whose `fallback: asOf` is not used (the person named a date that was not placed): asked instead. */
  noFallback?: string[];
  /**
   * The real today, when `asOf` is a past situation: what the person says was done (`done_fact`) is known done
   * by today, not by then, so a deadline passed by today needs the date it was done. Default `asOf`.
   */
  today?: string;
}

interface NodeResult {
  status: Status;
  missing: string[];
  leaves: ConditionTrace[];
  /** Explanations of this node's outcome (pass texts or fail texts). */
  texts: Text[];
}

interface Ctx {
  facts: Facts;
  asOf: string;
  rule: Rule;
  notes: Text[];
  /** The word for the evaluation date in notes (今天 / 当时). */
  day: string;
  dayEn: string;
  /** The real today (EvaluateOptions.today). */
  today: string;
  noFallback?: string[];
}

const DAY0 = Date.parse('1970-01-01T00:00:00Z');
const dayNum = (iso: string) => Math.round((Date.parse(iso + 'T00:00:00Z') - DAY0) / 86_400_000);

/** [lo, hi] of a number, an interval, or a date-like string (as day numbers). */
function toRange(v: unknown, dated: boolean): [number, number] | undefined {
  if (dated) {
    if (typeof v !== 'string') return undefined;
    try {
      const i = toDayInterval(v);
      return [dayNum(i.start), dayNum(i.end)];
    } catch {
      return undefined;
    }
  }
  if (typeof v === 'number') return [v, v];
  if (v && typeof v === 'object') {
    const { min, max } = v as { min?: number; max?: number };
    return [min ?? -Infinity, max ?? Infinity];
  }
  return undefined;
}

const isDateLike = (v: unknown) => typeof v === 'string' && /^\d{4}(-\d{2}(-\d{2})?)?$/.test(v);

/** Three-valued comparison of one scalar value. */
function compare(op: LeafCondition['op'], value: unknown, operand: unknown): Status {
  if (op === 'in') {
    const results = (operand as unknown[]).map((o) => compare('eq', value, o));
    if (results.includes('pass')) return 'pass';
    return results.includes('unknown') ? 'unknown' : 'fail';
  }
  if (op === 'ne') {
    const s = compare('eq', value, operand);
    return s === 'pass' ? 'fail' : s === 'fail' ? 'pass' : 'unknown';
  }
  if (typeof operand === 'boolean' || (typeof operand === 'string' && !isDateLike(operand))) {
    if (op !== 'eq') return 'unknown';
    if (typeof value === 'string' && typeof operand === 'string') return value.toLowerCase() === operand.toLowerCase() ? 'pass' : 'fail';
    return value === operand ? 'pass' : 'fail';
  }
  const dated = isDateLike(op === 'between' ? (operand as unknown[])[0] : operand);
  const v = toRange(value, dated);
  if (!v) return 'unknown';
  const [lo, hi] = v;
  if (op === 'between') {
    const [a, b] = operand as [unknown, unknown];
    const ra = toRange(a, dated)!;
    const rb = toRange(b, dated)!;
    if (lo >= ra[0] && hi <= rb[1]) return 'pass';
    if (hi < ra[0] || lo > rb[1]) return 'fail';
    return 'unknown';
  }
  const t = toRange(operand, dated);
  if (!t) return 'unknown';
  const [tS, tE] = t;
  switch (op) {
    case 'eq':
      return lo >= tS && hi <= tE ? 'pass' : hi < tS || lo > tE ? 'fail' : 'unknown';
    case 'lt':
    case 'before':
      return hi < tS ? 'pass' : lo >= tS ? 'fail' : 'unknown';
    case 'lte':
    case 'deadline':
      return hi <= tE ? 'pass' : lo > tE ? 'fail' : 'unknown';
    case 'gt':
    case 'after':
      return lo > tE ? 'pass' : hi <= tE ? 'fail' : 'unknown';
    case 'gte':
      return lo >= tS ? 'pass' : hi < tS ? 'fail' : 'unknown';
    default:
      return 'unknown';
  }
}

function evalLeaf(leaf: LeafCondition, ctx: Ctx): NodeResult {
  const trace: ConditionTrace = {
    id: leaf.id,
    status: 'unknown',
    fact: leaf.fact,
    clause: leaf.clause ?? ctx.rule.cite.clause,
    label: leaf.label?.zh,
    labelEn: leaf.label?.en,
  };
  let value: unknown = leaf.fact === 'asOf' ? ctx.asOf : ctx.facts[leaf.fact];
  if (value === undefined && leaf.fallback === 'asOf' && !ctx.noFallback?.includes(leaf.fact)) {
    value = ctx.asOf;
    trace.assumed = true;
    trace.note = `未提供日期，按${ctx.day}（${ctx.asOf}）计算`;
  }
  if (value !== undefined) trace.value = value;
  let status: Status = 'unknown';
  // An assumed condition ("承诺在年底前补缴": what the measure asks of the applicant): not asked, shown as assumed.
  const assumed = value === undefined && leaf.assume === true;
  if (assumed) trace.assumed = true;
  if (value !== undefined) {
    if (Array.isArray(value)) {
      const each = value.map((x) => compare(leaf.op, x, leaf.value));
      if ((leaf.quantifier ?? 'all') === 'all') {
        status = each.includes('fail') ? 'fail' : each.includes('unknown') ? 'unknown' : 'pass';
      } else {
        status = each.includes('pass') ? 'pass' : each.includes('unknown') ? 'unknown' : 'fail';
      }
    } else status = compare(leaf.op, value, leaf.value);
  } else if (assumed) {
    status = 'pass';
  } else if (leaf.op === 'deadline') {
    const deadline = toDayInterval(String(leaf.value)).end;
    const done = leaf.doneFact ? ctx.facts[leaf.doneFact] : undefined;
    const left = daysBetween(ctx.asOf, deadline);
    if (left >= 0 && leaf.mustBeDone) {
      // Only what was already done counts (the date is then asked); not doing it fails.
      status = done === false ? 'fail' : 'unknown';
      trace.note = done === false ? `尚未完成（截止日期${deadline}）` : `需要知道完成的日期（截止日期${deadline}）`;
    } else if (left >= 0 && done === true && ctx.today > deadline) {
      // (Done, the person says today — but whether by the deadline, passed since the situation judged on, is
      // not known: "22年7月断了1个月…后来公司补缴了" needs the date it was paid.)
      status = 'unknown';
      trace.note = `需要知道完成的日期（截止日期${deadline}）`;
    } else if (left >= 0) {
      status = 'pass';
      trace.note =
        done === true ? `已完成，且在截止日期（${deadline}）之前` : `须在${deadline}前完成（${ctx.day}${ctx.asOf}，还剩${left}天）`;
      if (done !== true)
        ctx.notes.push({ zh: trace.note, en: `Must be done by ${deadline} (${left} days left as of ${ctx.dayEn} ${ctx.asOf}).` });
    } else if (done === false) {
      status = 'fail';
      trace.note = `截止日期${deadline}已过（${ctx.day}${ctx.asOf}），且尚未完成`;
    } else {
      trace.note = `截止日期${deadline}已过（${ctx.day}${ctx.asOf}）；需要知道完成的日期`;
    }
  }
  trace.status = status;
  const texts: Text[] = [];
  const t = status === 'pass' ? leaf.pass : status === 'fail' ? leaf.fail : undefined;
  if (t) texts.push(interpolate(t, ctx, value));
  return { status, missing: status === 'unknown' ? [leaf.fact] : [], leaves: [trace], texts };
}

function interpolate(t: Text, ctx: Ctx, value: unknown): Text {
  const fill = (s: string, lang: 'zh' | 'en') =>
    s.replace(/\{(\w+)\}/g, (m, name: string) => {
      if (name === 'value') return formatFactValue(value, lang);
      if (name === 'asOf') return ctx.asOf;
      if (ctx.facts[name] !== undefined) return formatFactValue(ctx.facts[name], lang);
      return m;
    });
  return { zh: fill(t.zh, 'zh'), en: t.en ? fill(t.en, 'en') : undefined };
}

const uniq = <T>(xs: T[]) => [...new Set(xs)];

function evalNode(node: Condition, ctx: Ctx, insideAny: boolean): NodeResult {
  if (node.kind === 'leaf') return evalLeaf(node, ctx);
  const kids = node.children.map((c) => evalNode(c, ctx, insideAny || node.kind === 'any'));
  const leaves = kids.flatMap((k) => k.leaves);
  let status: Status;
  let missing: string[] = [];
  let texts: Text[] = [];
  if (node.kind === 'not') {
    const k = kids[0]!;
    status = k.status === 'pass' ? 'fail' : k.status === 'fail' ? 'pass' : 'unknown';
    missing = k.missing;
  } else if (node.kind === 'all') {
    if (kids.some((k) => k.status === 'fail')) {
      status = 'fail';
      const failing = kids.filter((k) => k.status === 'fail');
      texts = (insideAny ? failing.slice(0, 1) : failing).flatMap((k) => k.texts);
      for (const k of kids) if (k.status === 'unknown') k.leaves.forEach((l) => (l.skipped = true));
    } else if (kids.every((k) => k.status === 'pass')) {
      status = 'pass';
      texts = kids.flatMap((k) => k.texts);
    } else {
      status = 'unknown';
      missing = uniq(kids.filter((k) => k.status === 'unknown').flatMap((k) => k.missing));
      texts = kids.filter((k) => k.status === 'pass').flatMap((k) => k.texts);
    }
  } else {
    const passing = kids.filter((k) => k.status === 'pass');
    if (passing.length) {
      status = 'pass';
      texts = passing.flatMap((k) => k.texts);
      for (const k of kids) if (k.status !== 'pass') k.leaves.forEach((l) => (l.skipped = true));
    } else if (kids.every((k) => k.status === 'fail')) {
      status = 'fail';
      texts = kids.flatMap((k) => k.texts);
    } else {
      status = 'unknown';
      missing = uniq(kids.filter((k) => k.status === 'unknown').flatMap((k) => k.missing));
      for (const k of kids) if (k.status === 'fail') k.leaves.forEach((l) => (l.skipped = true));
    }
  }
  const own = status === 'pass' ? node.pass : status === 'fail' ? node.fail : undefined;
  if (own) texts = status === 'fail' ? [interpolate(own, ctx, undefined)] : [interpolate(own, ctx, undefined), ...texts];
  return { status, missing, leaves, texts: dedupeTexts(texts) };
}

function dedupeTexts(ts: Text[]): Text[] {
  const seen = new Set<string>();
  return ts.filter((t) => (seen.has(t.zh) ? false : (seen.add(t.zh), true)));
}

function validityOf(rule: Rule, asOf: string): Validity {
  const status =
    rule.validFrom && asOf < toDayInterval(rule.validFrom).start
      ? 'not_yet'
      : rule.validTo && asOf > toDayInterval(rule.validTo).end
        ? 'expired'
        : 'in_force';
  return {
    validFrom: rule.validFrom,
    validTo: rule.validTo,
    status,
    deadlines: rule.deadlines.map((d) => {
      const end = toDayInterval(d.date).end;
      return { id: d.id, date: end, label: d.label, passed: asOf > end, daysLeft: daysBetween(asOf, end) };
    }),
  };
}

function orderMissing(missing: string[], rule: Rule, catalog?: FactCatalog): string[] {
  const pos = (f: string) => {
    const i = rule.ask.indexOf(f);
    return i >= 0 ? i : rule.ask.length + (catalog?.[f]?.priority ?? 1000);
  };
  return uniq(missing)
    .filter((f) => f !== 'asOf')
    .map((f, i) => ({ f, k: pos(f), i }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((x) => x.f);
}

/** Evaluates one rule. */
export function evaluateRule(
  rule: Rule,
  facts: Facts,
  asOf: string,
  catalog?: FactCatalog,
  dayWord?: { zh: string; en: string },
  noFallback?: string[],
  today?: string,
): Verdict {
  const ctx: Ctx = {
    facts,
    asOf,
    rule,
    notes: [],
    day: dayWord?.zh ?? '今天',
    dayEn: dayWord?.en ?? 'today',
    noFallback,
    today: today && today > asOf ? today : asOf,
  };
  const validity = validityOf(rule, asOf);
  let applies = rule.appliesIf ? evalNode(rule.appliesIf, ctx, false) : undefined;
  applies?.leaves.forEach((l) => (l.applicability = true));
  const notes: Text[] = [];
  if (applies?.status === 'unknown' && rule.assumeApplies) {
    // Assumed precondition: not asked; the reply says what was assumed.
    const labels = applies.leaves.filter((l) => l.status === 'unknown');
    notes.push({
      zh: `假定您符合前提（${labels.map((l) => l.label ?? l.id).join('、')}）；如不符合，本条不适用。`,
      en: `Assumed: ${labels.map((l) => l.labelEn ?? l.label ?? l.id).join(', ')}; otherwise this measure does not apply.`,
    });
    applies = { ...applies, status: 'pass', missing: [] };
  }
  const cond = evalNode(rule.conditions, ctx, false);
  let verdict: VerdictKind;
  let missing: string[] = [];
  let reasons: Text[] = [];
  if (applies?.status === 'fail') {
    verdict = 'not_applicable';
    reasons = [...applies.texts, ...(rule.outcomes.not_applicable ? [rule.outcomes.not_applicable] : [])];
    cond.leaves.forEach((l) => (l.skipped = true));
  } else if (cond.status === 'fail') {
    verdict = 'not_eligible';
    reasons = [...cond.texts, rule.outcomes.not_eligible];
    if (applies?.status === 'unknown') applies.leaves.forEach((l) => (l.skipped = true));
  } else if (cond.status === 'pass' && applies?.status !== 'unknown') {
    verdict = 'eligible';
    reasons = [rule.outcomes.eligible, ...cond.texts];
  } else {
    verdict = 'need_more_info';
    missing = orderMissing([...(applies?.status === 'unknown' ? applies.missing : []), ...cond.missing], rule, catalog);
    reasons = [...cond.texts, ...(rule.outcomes.need_more_info ? [rule.outcomes.need_more_info] : [])];
  }
  if (validity.status !== 'in_force') {
    const was = verdict;
    verdict = 'not_applicable';
    missing = [];
    if (validity.status === 'not_yet') {
      notes.push({
        zh: `本条自${validity.validFrom}起施行，评估日期${asOf}尚未生效。`,
        en: `This measure applies from ${validity.validFrom}; it is not yet in force on ${asOf}.`,
      });
    } else {
      notes.push({
        zh: `本条有效期至${toDayInterval(validity.validTo!).end}，评估日期${asOf}已过期${was === 'eligible' ? '（按条件本可符合）' : ''}。`,
        en: `This measure applied until ${toDayInterval(validity.validTo!).end}; it has expired on ${asOf}.`,
      });
    }
  }
  notes.push(...ctx.notes);
  for (const d of validity.deadlines) {
    notes.push(
      d.passed
        ? { zh: `${d.label.zh}：${d.date}，已过（今天${asOf}）。`, en: `${d.label.en ?? d.label.zh}: ${d.date}, passed (today ${asOf}).` }
        : dayWord
          ? // (Judged on a past situation: the days left then, not now.)
            {
              zh: `${d.label.zh}：${d.date}，${ctx.day}${asOf}还剩${d.daysLeft}天。`,
              en: `${d.label.en ?? d.label.zh}: ${d.date}, ${d.daysLeft} days left on ${asOf} (${ctx.dayEn}).`,
            }
          : {
              zh: `${d.label.zh}：${d.date}，还剩${d.daysLeft}天。`,
              en: `${d.label.en ?? d.label.zh}: ${d.date}, ${d.daysLeft} days left.`,
            },
    );
  }
  for (const l of [...(applies?.leaves ?? []), ...cond.leaves]) {
    if (l.note?.startsWith('未提供日期')) notes.push({ zh: `${l.label ?? l.id}：${l.note}` });
  }
  notes.push(...rule.notes);
  const dedupNotes = dedupeTexts(notes);
  return {
    ruleId: rule.id,
    title: rule.title,
    verdict,
    conditions: [...(applies?.leaves ?? []), ...cond.leaves],
    missing,
    reasons: dedupeTexts(reasons),
    notes: dedupNotes.map((n) => n.zh),
    notesEn: dedupNotes.map((n) => n.en ?? n.zh),
    cite: { ...rule.cite, chunkIds: rule.citeChunkIds },
    validity,
    keywords: rule.keywords,
    asOf,
  };
}

/**
 * Evaluates rules against facts on the date `asOf` (YYYY-MM-DD). Pure: no clock, no I/O.
 *
 * @example
 * evaluate(rules, { worldRank: 75, employedFullTimeInShanghai: true, socialInsuranceMonths: 5 }, '2022-09-01')
 */
export function evaluate(rules: Rule[], facts: Facts, asOf: string, opts: EvaluateOptions = {}): Verdict[] {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new Error(`evaluate: asOf must be YYYY-MM-DD, got "${asOf}"`);
  const chosen = opts.ruleIds ? rules.filter((r) => opts.ruleIds!.includes(r.id)) : rules;
  return chosen.map(
    (r) => bySplitting(r, facts, asOf, opts) ?? evaluateRule(r, facts, asOf, opts.catalog, opts.dayWord, opts.noFallback, opts.today),
  );
}

/** The numeric limits the rule's conditions put on `fact` (lt/lte/gt/gte/between). */
function limitsOn(node: Condition | undefined, fact: string, out: number[] = []): number[] {
  if (!node) return out;
  if (node.kind !== 'leaf') {
    for (const c of node.children) limitsOn(c, fact, out);
    return out;
  }
  if (node.fact !== fact) return out;
  const v = node.op === 'between' ? (node.value as unknown[]) : [node.value];
  for (const x of v) if (typeof x === 'number') out.push(x);
  return out;
}

/**
 * Case analysis for a range ("US News前100", 1–100): when the rule cannot decide on the whole range, it is
 * cut at the limits the rule puts on that fact and judged on each piece; when every piece gives the same
 * decided verdict (top 50: eligible; 51–100 with 7 months: eligible), that is the verdict — the one of the
 * last piece, with the range kept as the value shown. Null when nothing is gained.
 */
function bySplitting(rule: Rule, facts: Facts, asOf: string, opts: EvaluateOptions): Verdict | null {
  const ranged = Object.entries(facts).filter(
    ([, v]) =>
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      Number.isFinite((v as { min?: number }).min) &&
      Number.isFinite((v as { max?: number }).max),
  );
  if (ranged.length !== 1) return null;
  const [fact, range] = ranged[0]! as [string, { min: number; max: number }];
  const whole = evaluateRule(rule, facts, asOf, opts.catalog, opts.dayWord, opts.noFallback, opts.today);
  if (whole.verdict !== 'need_more_info' || !whole.missing.includes(fact)) return null;
  const cuts = [...new Set(limitsOn(rule.conditions, fact))].filter((x) => x >= range.min && x < range.max).sort((a, b) => a - b);
  if (!cuts.length) return null;
  // Pieces: [min, c1], [c1+1, c2], …, [ck+1, max] (whole numbers: ranks, months, counts).
  const bounds = [range.min - 1, ...cuts, range.max];
  const pieces = bounds.slice(1).map((hi, i) => ({ min: bounds[i]! + 1, max: hi }));
  const verdicts = pieces.map((p) =>
    evaluateRule(
      rule,
      { ...facts, [fact]: p.min === p.max ? p.min : p } as Facts,
      asOf,
      opts.catalog,
      opts.dayWord,
      opts.noFallback,
      opts.today,
    ),
  );
  const kinds = new Set(verdicts.map((v) => v.verdict));
  if (kinds.size !== 1 || kinds.has('need_more_info')) return null;
  const last = verdicts[verdicts.length - 1]!;
  return {
    ...last,
    conditions: last.conditions.map((c) => (c.fact === fact ? { ...c, value: range } : c)),
    notes: [...last.notes, `${range.min}–${range.max}：每一档的结论都相同`],
    notesEn: [...last.notesEn, `${range.min}–${range.max}: the answer is the same in every band`],
  };
}

/** The shape of bot/assistant/types.ts EligibilitySummary, built from a verdict. */
export function toEligibilitySummary(v: Verdict, facts: Facts) {
  return {
    ruleId: v.ruleId,
    verdict: v.verdict,
    missing: v.missing,
    facts: { ...facts } as Record<string, unknown>,
    conditions: v.conditions
      .filter((c) => !c.skipped)
      .map((c) => ({ id: c.id, status: c.status, clause: c.clause, fact: c.fact, value: c.value, label: c.label })),
  };
}

/** Re-exported for callers that work with dates. */
export { addDays };

/**
 * Rules as data: the zod schema of a rule file (`corpus/rules/*.yaml`), the fact catalog
 * (`corpus/rules/facts.yaml`) and the loader, which checks every citation against the ingested corpus
 * (the quote must appear in the cited clause) and refuses rules that do not validate.
 *
 * @example
 * const { chunks } = readCorpus(config.CORPUS_DIR);
 * const { rules, catalog } = loadRuleSet(join(config.CORPUS_DIR, 'rules'), { chunks, logger });
 */
import { fileURLToPath } from 'node:url';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { toSimplified } from '../text/chinese.ts';
import yaml from 'js-yaml';

/** YAML 1.2 core schema (dates stay strings), with js-yaml: several times faster to load than `yaml`. */
const parseYaml = (text: string): unknown => yaml.load(text, { schema: yaml.CORE_SCHEMA });
import { z } from 'zod';
import type { Chunk } from '../retrieval/types.ts';
import { isIsoDateLike } from './dates.ts';
import { PSEUDO_FACT_TYPES, type FactType } from './facts.ts';

/** A user-facing text in Chinese, optionally with English. A plain string is Chinese. */
export interface Text {
  zh: string;
  en?: string;
}

/** Logger-like object (bot/logger.ts Logger fits). */
export interface LoggerLike {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const TextSchema = z
  .union([z.string().min(1), z.object({ zh: z.string().min(1), en: z.string().min(1).optional() }).strict()])
  .transform((t): Text => (typeof t === 'string' ? { zh: t } : t));

const dateField = z
  .union([z.string(), z.date()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
  .refine((v) => isIsoDateLike(v), 'expected a date YYYY-MM-DD (or YYYY-MM / YYYY)');

/** The comparison operators a leaf condition may use (exactly one per leaf). */
export const OPERATORS = ['eq', 'ne', 'in', 'lt', 'lte', 'gt', 'gte', 'between', 'before', 'after', 'deadline'] as const;
export type Operator = (typeof OPERATORS)[number];

/** A comparison of one fact with a value. */
export interface LeafCondition {
  kind: 'leaf';
  id: string;
  fact: string;
  op: Operator;
  value: unknown;
  /** For list facts: every element must satisfy (`all`, default) or at least one (`any`). */
  quantifier?: 'all' | 'any';
  /** When the fact is unknown, use the evaluation date instead of asking. */
  fallback?: 'asOf';
  /** For `deadline`: a boolean fact saying whether the action was done at all. */
  doneFact?: string;
  /** For `deadline` with `doneFact`: it must already be done — time left before the deadline does not count. */
  mustBeDone?: boolean;
  /** For `eq`: when the fact is unknown, assume it holds (not asked; the reply shows it as assumed). */
  assume?: boolean;
  /** Clause that imposes this condition (defaults to the rule's cite.clause). */
  clause?: string;
  label?: Text;
  pass?: Text;
  fail?: Text;
}

/** all / any / not over sub-conditions. */
export interface GroupCondition {
  kind: 'all' | 'any' | 'not';
  id?: string;
  children: Condition[];
  label?: Text;
  pass?: Text;
  fail?: Text;
}

export type Condition = LeafCondition | GroupCondition;

/** A fact declared in the fact catalog: its type and the question that asks for it. */
export interface FactSpec {
  name: string;
  type: FactType;
  values?: string[];
  question: Text;
  choices?: { value: unknown; label: Text }[];
  /** Lower asks earlier when several facts are missing. */
  priority: number;
  /** Unit shown after a number in replies (个月, 次). */
  unit?: Text;
  /** A rank: shown as 第68名 / 前50名 / 51–100名 / 100名以外. */
  ordinal?: boolean;
  /**
   * A "not sure" button: instead of a value, ask for `ask` (e.g. the university's name, whose rank the
   * rankings table knows), or, when that cannot help, give `hint` (where to look the value up).
   */
  unsure?: { label: Text; ask?: string; hint: Text };
  /** The date of the event a boolean fact states (backPaidOn of backPaid): dropped when the event is denied. */
  dateOf?: string;
}

/** The fact catalog (`corpus/rules/facts.yaml`). */
export type FactCatalog = Record<string, FactSpec>;

/** One rule, validated and with its citation resolved. */
export interface Rule {
  id: string;
  title: Text;
  keywords: string[];
  /** The goals this measure serves (ids of `goals:` in corpus/lang/*.yaml: settlement, subsidy, …). */
  goals: string[];
  /**
   * The goals this measure itself grants (default: all of `goals`). A measure that only keeps a path open
   * (arrears paid back "do not affect" a talent application) serves the goal without granting it, so a
   * measure that grants it leads when both apply.
   */
  grants: string[];
  cite: { docId: string; clause: string; quote: string };
  /** Chunk ids of the cited clause in the loaded corpus (filled in by the loader). */
  citeChunkIds: string[];
  validFrom?: string;
  validTo?: string;
  deadlines: { id: string; date: string; label: Text }[];
  /** When this is false the rule is `not_applicable` (e.g. the asker is not a 留学人员). */
  appliesIf?: Condition;
  /** When `appliesIf` is unknown: assume it holds (with a note) instead of asking. */
  assumeApplies: boolean;
  conditions: Condition;
  outcomes: { eligible: Text; not_eligible: Text; need_more_info?: Text; not_applicable?: Text };
  notes: Text[];
  /** Order in which missing facts are asked (others follow by catalog priority). */
  ask: string[];
  /** Source file, relative to the rules folder. */
  file: string;
}

/** Thrown by the loader; the message names the file, the rule id and the field of each problem. */
export class RuleLoadError extends Error {
  override name = 'RuleLoadError';
  constructor(readonly problems: string[]) {
    super(`cannot load rules:\n  ${problems.join('\n  ')}`);
  }
}

// ── schemas ─────────────────────────────────────────────────────────────────

const RuleFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" or "-"'),
    title: TextSchema,
    keywords: z.array(z.string().min(1)).default([]),
    goals: z.array(z.string().regex(/^[a-z][a-z_]*$/, 'a goal id from corpus/lang/*.yaml goals:, e.g. settlement')).default([]),
    grants: z.array(z.string().regex(/^[a-z][a-z_]*$/, "a goal id of this rule's goals:")).optional(),
    cite: z
      .object({
        docId: z.string().min(1),
        clause: z.union([z.string().min(1), z.number()]).transform(String),
        quote: z.string().min(4, 'quote a few words of the clause verbatim'),
      })
      .strict(),
    valid_from: dateField.optional(),
    valid_to: dateField.optional(),
    deadlines: z.array(z.object({ id: z.string().min(1), date: dateField, label: TextSchema }).strict()).default([]),
    applies_if: z.unknown().optional(),
    assume_applies: z.boolean().default(false),
    conditions: z.unknown(),
    outcomes: z
      .object({
        eligible: TextSchema,
        not_eligible: TextSchema,
        need_more_info: TextSchema.optional(),
        not_applicable: TextSchema.optional(),
      })
      .strict(),
    notes: z.array(TextSchema).default([]),
    ask: z.array(z.string()).default([]),
  })
  .strict();

const FactSpecSchema = z
  .object({
    type: z.enum(['boolean', 'number', 'integer', 'date', 'month', 'month_list', 'enum', 'string']),
    values: z.array(z.string()).optional(),
    question: TextSchema,
    choices: z.array(z.object({ value: z.unknown(), label: TextSchema }).strict()).optional(),
    priority: z.number().default(100),
    unit: TextSchema.optional(),
    ordinal: z.boolean().optional(),
    unsure: z.object({ label: TextSchema, ask: z.string().optional(), hint: TextSchema }).strict().optional(),
    dateOf: z.string().optional(),
  })
  .strict();

const LeafSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9_]+$/, 'use lower-case letters, digits and "_"'),
    fact: z.string().min(1),
    eq: z.unknown().optional(),
    ne: z.unknown().optional(),
    in: z.array(z.unknown()).optional(),
    lt: z.unknown().optional(),
    lte: z.unknown().optional(),
    gt: z.unknown().optional(),
    gte: z.unknown().optional(),
    between: z.tuple([z.unknown(), z.unknown()]).optional(),
    before: z.unknown().optional(),
    after: z.unknown().optional(),
    deadline: z.unknown().optional(),
    quantifier: z.enum(['all', 'any']).optional(),
    fallback: z.literal('asOf').optional(),
    done_fact: z.string().optional(),
    must_be_done: z.boolean().optional(),
    assume: z.boolean().optional(),
    clause: z.union([z.string(), z.number()]).transform(String).optional(),
    label: TextSchema.optional(),
    pass: TextSchema.optional(),
    fail: TextSchema.optional(),
  })
  .strict();

const GroupMetaSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9_]+$/, 'use lower-case letters, digits and "_"')
      .optional(),
    label: TextSchema.optional(),
    pass: TextSchema.optional(),
    fail: TextSchema.optional(),
  })
  .strict();

// ── helpers ─────────────────────────────────────────────────────────────────

function zodProblems(err: z.ZodError, prefix: string): string[] {
  return err.issues.map((i) => {
    const p = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
    return `${p || '(root)'}: ${i.message}`;
  });
}

const toDateString = (v: unknown): unknown => (v instanceof Date ? v.toISOString().slice(0, 10) : v);

/** Checks an operator's value against the fact type; returns a problem message or null. */
function checkOperand(type: FactType, op: Operator, value: unknown, values?: string[]): string | null {
  const isNum = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  const isDate = (x: unknown) => typeof x === 'string' && isIsoDateLike(x);
  const numeric = type === 'number' || type === 'integer';
  const dated = type === 'date' || type === 'month' || type === 'month_list';
  const one = (x: unknown): string | null => {
    if (type === 'boolean') return typeof x === 'boolean' ? null : `expected true or false, got ${JSON.stringify(x)}`;
    if (numeric) return isNum(x) ? null : `expected a number, got ${JSON.stringify(x)}`;
    if (dated) return isDate(x) ? null : `expected a date YYYY-MM-DD / YYYY-MM, got ${JSON.stringify(x)}`;
    if (typeof x !== 'string') return `expected a string, got ${JSON.stringify(x)}`;
    if (type === 'enum' && values && !values.includes(x)) return `"${x}" is not one of ${values.join(', ')}`;
    return null;
  };
  switch (op) {
    case 'eq':
    case 'ne':
      return one(value);
    case 'in':
      if (!Array.isArray(value) || value.length === 0) return 'expected a non-empty list';
      for (const x of value) {
        const p = one(x);
        if (p) return p;
      }
      return null;
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      if (!numeric && !dated) return `"${op}" needs a number or date fact (this fact is ${type})`;
      return one(value);
    case 'between': {
      if (!numeric && !dated) return `"between" needs a number or date fact (this fact is ${type})`;
      const [a, b] = value as [unknown, unknown];
      const p = one(a) ?? one(b);
      if (p) return p;
      if ((a as number | string) > (b as number | string)) return `between: the first bound must not exceed the second`;
      return null;
    }
    case 'before':
    case 'after':
    case 'deadline':
      if (!dated) return `"${op}" needs a date fact (this fact is ${type})`;
      return one(value);
  }
}

interface NodeContext {
  types: Record<string, { type: FactType; values?: string[] }>;
  ids: Set<string>;
  problems: string[];
}

function parseCondition(raw: unknown, path: string, ctx: NodeContext): Condition | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    ctx.problems.push(`${path}: expected a condition object (all / any / not, or { id, fact, <operator>: value })`);
    return undefined;
  }
  const obj = raw as Record<string, unknown>;
  const groupKeys = (['all', 'any', 'not'] as const).filter((k) => k in obj);
  if (groupKeys.length > 1) {
    ctx.problems.push(`${path}: use only one of all / any / not in one node (found ${groupKeys.join(', ')})`);
    return undefined;
  }
  if (groupKeys.length === 1) {
    const kind = groupKeys[0]!;
    const { [kind]: inner, ...meta } = obj;
    const m = GroupMetaSchema.safeParse(meta);
    if (!m.success) {
      ctx.problems.push(...zodProblems(m.error, path));
      return undefined;
    }
    if (m.data.id) {
      if (ctx.ids.has(m.data.id)) ctx.problems.push(`${path}.id: duplicate condition id "${m.data.id}"`);
      ctx.ids.add(m.data.id);
    }
    let children: Condition[] = [];
    if (kind === 'not') {
      const c = parseCondition(inner, `${path}.not`, ctx);
      if (c) children = [c];
    } else {
      if (!Array.isArray(inner) || inner.length === 0) {
        ctx.problems.push(`${path}.${kind}: expected a non-empty list of conditions`);
        return undefined;
      }
      inner.forEach((c, i) => {
        const parsed = parseCondition(c, `${path}.${kind}[${i}]`, ctx);
        if (parsed) children.push(parsed);
      });
    }
    return { kind, id: m.data.id, children, label: m.data.label, pass: m.data.pass, fail: m.data.fail };
  }
  const normalized: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    normalized[k] = Array.isArray(v) ? v.map(toDateString) : toDateString(v);
  }
  const r = LeafSchema.safeParse(normalized);
  if (!r.success) {
    ctx.problems.push(...zodProblems(r.error, path));
    return undefined;
  }
  const leaf = r.data;
  if (ctx.ids.has(leaf.id)) ctx.problems.push(`${path}.id: duplicate condition id "${leaf.id}"`);
  ctx.ids.add(leaf.id);
  const ops = OPERATORS.filter((op) => (normalized as Record<string, unknown>)[op] !== undefined);
  if (ops.length !== 1) {
    ctx.problems.push(
      `${path} (condition "${leaf.id}"): needs exactly one operator of ${OPERATORS.join(', ')}${ops.length ? ` (found ${ops.join(', ')})` : ''}`,
    );
    return undefined;
  }
  const op = ops[0]!;
  const value = (leaf as Record<string, unknown>)[op];
  const spec = ctx.types[leaf.fact];
  if (!spec) {
    ctx.problems.push(
      `${path}.fact (condition "${leaf.id}"): unknown fact "${leaf.fact}" — declare it in facts.yaml or use one of: ${Object.keys(ctx.types).join(', ')}`,
    );
    return undefined;
  }
  const p = checkOperand(spec.type, op, value, spec.values);
  if (p) ctx.problems.push(`${path}.${op} (condition "${leaf.id}", fact ${leaf.fact}): ${p}`);
  if (leaf.quantifier && spec.type !== 'month_list') {
    ctx.problems.push(`${path}.quantifier (condition "${leaf.id}"): only list facts take a quantifier`);
  }
  if (leaf.fallback && spec.type !== 'date') {
    ctx.problems.push(`${path}.fallback (condition "${leaf.id}"): "asOf" fallback only for date facts`);
  }
  if (leaf.done_fact !== undefined) {
    if (op !== 'deadline') ctx.problems.push(`${path}.done_fact (condition "${leaf.id}"): only with the deadline operator`);
    else if (ctx.types[leaf.done_fact]?.type !== 'boolean') {
      ctx.problems.push(`${path}.done_fact (condition "${leaf.id}"): "${leaf.done_fact}" is not a boolean fact`);
    }
  }
  if (leaf.assume && op !== 'eq') ctx.problems.push(`${path}.assume (condition "${leaf.id}"): only with the eq operator`);
  if (leaf.must_be_done && leaf.done_fact === undefined)
    ctx.problems.push(`${path}.must_be_done (condition "${leaf.id}"): only with done_fact (which fact says it was done?)`);
  return {
    kind: 'leaf',
    id: leaf.id,
    fact: leaf.fact,
    op,
    value,
    quantifier: leaf.quantifier,
    fallback: leaf.fallback,
    doneFact: leaf.done_fact,
    ...(leaf.must_be_done ? { mustBeDone: true } : {}),
    ...(leaf.assume ? { assume: true } : {}),
    clause: leaf.clause,
    label: leaf.label,
    pass: leaf.pass,
    fail: leaf.fail,
  };
}

// ── citations ───────────────────────────────────────────────────────────────

/**
 * Normalizes text for quote matching: NFKC, traditional → simplified, pinyin glosses like `(guān)`
 * removed, all whitespace removed. Applied to both the quote and the clause text.
 */
export function normalizeForQuote(s: string): string {
  return toSimplified(
    s
      .normalize('NFKC')
      .replace(/[（(][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ\s]+[）)]/g, '')
      .replace(/\s+/g, ''),
  );
}

/** Canonical clause label: full-width brackets, no trailing 、.．, no spaces. */
export function normalizeClauseLabel(label: string): string {
  return label
    .trim()
    .replace(/\(/g, '（')
    .replace(/\)/g, '）')
    .replace(/[、.．:：\s]+$/u, '')
    .replace(/\s+/g, '');
}

const LABEL_RE =
  /^\s*(preamble|第[一二三四五六七八九十百零〇\d]+[条章节部分]|[（(][一二三四五六七八九十百\d]+[）)]|[一二三四五六七八九十百]+(?=[、.．])|\d+(?=[、.．]))/u;

/** The label part of a path entry like `二、主要任务举措` → `二`. */
export function labelOf(pathEntry: string): string {
  const m = LABEL_RE.exec(pathEntry);
  return normalizeClauseLabel(m ? m[1]! : pathEntry);
}

/**
 * Chunks (in document order) of the clause a citation names: `clause` is a label (`三`) or a
 * `/`-joined suffix of the clause path (`二/（一）/1`).
 */
export function findClauseChunks(chunks: Chunk[], docId: string, clause: string): Chunk[] {
  const want = clause.split('/').map(normalizeClauseLabel).filter(Boolean);
  const out = chunks.filter((c) => {
    if (c.docId !== docId) return false;
    const full = [...c.path.map(labelOf), normalizeClauseLabel(c.clause)];
    if (full.length < want.length) return false;
    const tail = full.slice(full.length - want.length);
    return tail.every((l, i) => l === want[i]);
  });
  return out.sort((a, b) => a.start - b.start);
}

/** Checks a citation; returns the matching chunk ids or a problem message. */
export function verifyCitation(
  chunks: Chunk[],
  cite: { docId: string; clause: string; quote: string },
): { ok: true; chunkIds: string[] } | { ok: false; field: string; message: string } {
  if (!chunks.some((c) => c.docId === cite.docId)) {
    return { ok: false, field: 'cite.docId', message: `document "${cite.docId}" is not in the corpus (check corpus/documents/)` };
  }
  const found = findClauseChunks(chunks, cite.docId, cite.clause);
  if (found.length === 0) {
    const labels = [...new Set(chunks.filter((c) => c.docId === cite.docId).map((c) => c.clause))].slice(0, 30);
    return {
      ok: false,
      field: 'cite.clause',
      message: `clause "${cite.clause}" not found in ${cite.docId} (clauses there: ${labels.join(' ')})`,
    };
  }
  const q = normalizeForQuote(cite.quote);
  // Group by clause path (split clauses are several chunks); the quote may span the parts.
  const groups = new Map<string, Chunk[]>();
  for (const c of found) {
    const key = c.id.replace(/~\d+$/, '');
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const [, group] of groups) {
    const text = normalizeForQuote(group.map((c) => c.text).join(''));
    if (text.includes(q)) return { ok: true, chunkIds: group.map((c) => c.id) };
  }
  return {
    ok: false,
    field: 'cite.quote',
    message: `quote "${cite.quote}" does not appear verbatim in ${cite.docId} clause ${cite.clause} — copy it from the clause text again`,
  };
}

// ── loading ─────────────────────────────────────────────────────────────────

/** Options of the loader. */
export interface LoadRulesOptions {
  /** Corpus chunks to check citations against (readCorpus(dir).chunks). */
  chunks: Chunk[];
  logger?: LoggerLike;
  /** `throw` (default): any problem fails the load. `skip`: log and leave out the broken rules. */
  onError?: 'throw' | 'skip';
  /** Fact catalog file; default `<dir>/facts.yaml`. */
  catalogFile?: string;
}

/** Everything loaded from the rules folder. */
export interface RuleSet {
  rules: Rule[];
  catalog: FactCatalog;
}

/** The project's fact catalog (corpus/rules/facts.yaml), used by rule folders without their own. */
export const PROJECT_FACTS_FILE = fileURLToPath(new URL('../corpus/rules/facts.yaml', import.meta.url));

/** Reads the fact catalog (facts.yaml); a missing file gives an empty catalog. */
export function loadFactCatalog(file: string): FactCatalog {
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RuleLoadError([`${basename(file)}: invalid YAML: ${(e as Error).message}`]);
  }
  const facts = (raw as { facts?: unknown })?.facts;
  if (!facts || typeof facts !== 'object') throw new RuleLoadError([`${basename(file)}: expected a top-level "facts:" map`]);
  const problems: string[] = [];
  const out: FactCatalog = {};
  for (const [name, spec] of Object.entries(facts as Record<string, unknown>)) {
    const r = FactSpecSchema.safeParse(spec);
    if (!r.success) {
      problems.push(...zodProblems(r.error, `${basename(file)}: fact "${name}"`));
      continue;
    }
    out[name] = { name, ...r.data };
  }
  for (const spec of Object.values(out)) {
    const ask = spec.unsure?.ask;
    if (ask && !out[ask])
      problems.push(`${basename(file)}: fact "${spec.name}".unsure.ask: "${ask}" is not a fact of this catalog (declare it under facts:)`);
    const of = spec.dateOf;
    if (of && out[of]?.type !== 'boolean')
      problems.push(
        `${basename(file)}: fact "${spec.name}".dateOf: "${of}" is not a boolean fact of this catalog (the event whose date this is)`,
      );
  }
  if (problems.length) throw new RuleLoadError(problems);
  return out;
}

/** The fact types known to rules: the catalog's (facts.yaml), plus the evaluation date `asOf`. */
export function factTypes(catalog: FactCatalog): Record<string, { type: FactType; values?: string[] }> {
  const out: Record<string, { type: FactType; values?: string[] }> = {};
  for (const [k, t] of Object.entries(PSEUDO_FACT_TYPES)) out[k] = { type: t };
  for (const [k, s] of Object.entries(catalog)) out[k] = { type: s.type, values: s.values ?? out[k]?.values };
  return out;
}

/**
 * Parses and validates one rule object. Problems are pushed as `<file>: rule "<id>": <field>: <message>`.
 */
export function parseRule(raw: unknown, file: string, catalog: FactCatalog, chunks: Chunk[] | null, problems: string[]): Rule | undefined {
  const idGuess = (raw as { id?: unknown })?.id;
  const where = `${file}: rule "${typeof idGuess === 'string' ? idGuess : '(no id)'}"`;
  const before = problems.length;
  const r = RuleFileSchema.safeParse(raw);
  if (!r.success) {
    problems.push(...zodProblems(r.error, '').map((p) => `${where}: ${p}`));
    return undefined;
  }
  const d = r.data;
  const ctx: NodeContext = { types: factTypes(catalog), ids: new Set(), problems: [] };
  const conditions = d.conditions === undefined ? undefined : parseCondition(d.conditions, 'conditions', ctx);
  if (d.conditions === undefined) ctx.problems.push('conditions: required');
  const appliesIf = d.applies_if === undefined ? undefined : parseCondition(d.applies_if, 'applies_if', ctx);
  if (d.valid_from && d.valid_to && d.valid_from > d.valid_to) ctx.problems.push('valid_to: before valid_from');
  for (const [i, f] of d.ask.entries()) {
    if (!ctx.types[f]) ctx.problems.push(`ask[${i}]: unknown fact "${f}"`);
  }
  problems.push(...ctx.problems.map((p) => `${where}: ${p}`));
  let citeChunkIds: string[] = [];
  if (chunks) {
    const v = verifyCitation(chunks, d.cite);
    if (!v.ok) problems.push(`${where}: ${v.field}: ${v.message}`);
    else citeChunkIds = v.chunkIds;
  }
  if (problems.length > before || !conditions) return undefined;
  return {
    id: d.id,
    title: d.title,
    keywords: d.keywords,
    goals: d.goals,
    grants: d.grants ?? d.goals,
    cite: d.cite,
    citeChunkIds,
    validFrom: d.valid_from,
    validTo: d.valid_to,
    deadlines: d.deadlines,
    appliesIf,
    assumeApplies: d.assume_applies,
    conditions,
    outcomes: d.outcomes,
    notes: d.notes,
    ask: d.ask,
    file,
  };
}

/**
 * Loads every rule file (`*.yaml`, `*.yml`, `*.json`, except `facts.yaml`) in `dir`. A file holds one
 * rule or `rules: [...]`. Each citation is verified against `chunks`.
 *
 * @example
 * const { rules } = loadRuleSet('corpus/rules', { chunks });
 */
export function loadRuleSet(dir: string, opts: LoadRulesOptions): RuleSet {
  // facts.yaml is the one list of facts: a rules folder without its own uses the project's.
  const own = join(dir, 'facts.yaml');
  const catalogFile = opts.catalogFile ?? (existsSync(own) ? own : PROJECT_FACTS_FILE);
  const catalog = loadFactCatalog(catalogFile);
  if (!existsSync(dir)) throw new RuleLoadError([`${dir}: rules folder not found (set CORPUS_DIR)`]);
  const files = readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f) && join(dir, f) !== catalogFile)
    .sort();
  const rules: Rule[] = [];
  const allProblems: string[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const full = join(dir, f);
    const rel = relative(process.cwd(), full).startsWith('..') ? full : relative(process.cwd(), full);
    const problems: string[] = [];
    let raw: unknown;
    try {
      raw = f.endsWith('.json') ? JSON.parse(readFileSync(full, 'utf8')) : parseYaml(readFileSync(full, 'utf8'));
    } catch (e) {
      problems.push(`${rel}: invalid ${f.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
    }
    const list: unknown[] =
      raw && typeof raw === 'object' && Array.isArray((raw as { rules?: unknown }).rules)
        ? (raw as { rules: unknown[] }).rules
        : raw === undefined
          ? []
          : [raw];
    for (const item of list) {
      const rule = parseRule(item, rel, catalog, opts.chunks, problems);
      if (!rule) continue;
      if (seen.has(rule.id)) {
        problems.push(`${rel}: rule "${rule.id}": id: duplicate (also in ${seen.get(rule.id)})`);
        continue;
      }
      seen.set(rule.id, rel);
      rules.push(rule);
    }
    if (problems.length) {
      for (const p of problems) opts.logger?.error(p);
      allProblems.push(...problems);
    }
  }
  if (allProblems.length && (opts.onError ?? 'throw') === 'throw') throw new RuleLoadError(allProblems);
  opts.logger?.info('rules loaded', { rules: rules.length, skipped: allProblems.length });
  return { rules, catalog };
}

/** Loads the rules only (see loadRuleSet). */
export function loadRules(dir: string, opts: LoadRulesOptions): Rule[] {
  return loadRuleSet(dir, opts).rules;
}

/** Text as keywords are matched: normalizeForQuote (no spaces, simplified, no pinyin glosses), lower case. */
export function keywordText(text: string): string {
  return normalizeForQuote(text).toLowerCase();
}

const normalizedKeywords = new WeakMap<Rule, string[]>();

/** The rule's keywords that occur in `normalized` (a `keywordText`); a rule's keywords are normalized once. */
export function matchedKeywords(rule: Rule, normalized: string): string[] {
  let ks = normalizedKeywords.get(rule);
  if (!ks) normalizedKeywords.set(rule, (ks = rule.keywords.map(keywordText)));
  const keys = ks;
  return rule.keywords.filter((_, i) => normalized.includes(keys[i]!));
}

/** Rules whose keywords occur in the text, most keywords first (for picking rules relevant to a question). */
export function rulesForText(rules: Rule[], text: string): Rule[] {
  const t = keywordText(text);
  return rules
    .map((r) => ({ r, n: matchedKeywords(r, t).length }))
    .filter((x) => x.n > 0)
    .sort((a, b) => b.n - a.n)
    .map((x) => x.r);
}

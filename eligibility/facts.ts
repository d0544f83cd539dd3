/**
 * Facts about the person (or organisation) asking: a typed, zod-validated record in which every field
 * is optional. Absence means "unknown" — there is no sentinel value. Numbers and dates may be given as
 * an exact value or as an interval when the person was vague ("前50" → `{ min: 1, max: 50 }`,
 * "2022年5月" → `2022-05`), and the evaluator reasons over the interval (three-valued).
 *
 * @example
 * const facts = parseFacts({ studiedAbroad: true, worldRank: { min: 1, max: 50 } });
 * const merged = mergeFacts(facts, { socialInsuranceMonths: 6 });
 */
import { z } from 'zod';

/** YYYY-MM-DD, YYYY-MM or YYYY (a month or a year stands for the whole period), or a span of two, `A/B`. */
export const DateLike = z
  .string()
  .regex(
    /^\d{4}(-\d{2}(-\d{2})?)?(\/\d{4}(-\d{2}(-\d{2})?)?)?$/,
    'expected a date YYYY-MM-DD (or YYYY-MM / YYYY for a whole month / year, or A/B for a span of them)',
  );

/** A year-month YYYY-MM. */
export const YearMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a year-month YYYY-MM');

/** A numeric interval (inclusive); `max` absent = open-ended ("100名以外" → { min: 101 }). */
export const NumberInterval = z
  .object({ min: z.number().optional(), max: z.number().optional() })
  .strict()
  .refine((v) => v.min !== undefined || v.max !== undefined, 'an interval needs min or max')
  .refine((v) => v.min === undefined || v.max === undefined || v.min <= v.max, 'min must not exceed max');

/** A number or an interval of numbers. */
export const NumberOrInterval = z.union([z.number(), NumberInterval]);

/** The rankings the Shanghai returnee policy is publicly said to accept, plus `other`. */
export const RankingSystem = z.enum(['QS', 'THE', 'USNews', 'ARWU', 'other']);
export type RankingSystem = z.infer<typeof RankingSystem>;

/** Degree levels. */
export const DegreeLevel = z.enum(['bachelor', 'master', 'doctor', 'other']);

/**
 * Typing help for code that reads well-known facts (the extractor, the replies). It is not a list of
 * facts: `corpus/rules/facts.yaml` is the only one, and `parseFacts` validates every key against it,
 * so a new fact needs only its entry there (and cue words in corpus/lang/*.yaml to be read from text).
 */
export interface KnownFacts {
  studiedAbroad?: boolean;
  university?: string;
  universityCountry?: string;
  worldRank?: z.infer<typeof NumberOrInterval>;
  rankingSystem?: RankingSystem;
  rankingEdition?: string;
  degreeLevel?: z.infer<typeof DegreeLevel>;
  employedFullTimeInShanghai?: boolean;
  socialInsuranceMonths?: z.infer<typeof NumberOrInterval>;
  missedContributionMonths?: string[];
  missedDueToEpidemic?: boolean;
  backPaid?: boolean;
  backPaidOn?: string;
  graduationYear?: number;
  isNewHrAgency?: boolean;
  isEnterpriseEmployee?: boolean;
  onlineTrainingSubsidiesUsed?: number;
  trainingDate?: string;
  skillAssessmentDate?: string;
  assessedAtOwnSchool?: boolean;
  applicationDate?: string;
  workDistrict?: string;
  talentCategory?: 'high_level' | 'team_core' | 'shortage' | 'other';
  isKeyEnterpriseBackbone?: boolean;
}

/** Facts: every field optional; the keys are the facts of the catalog (facts.yaml). */
export type Facts = KnownFacts & Record<string, unknown>;

/** Types a fact can have (declared in facts.yaml). */
export type FactType = 'boolean' | 'number' | 'integer' | 'date' | 'month' | 'month_list' | 'enum' | 'string';

/** Pseudo-facts every rule may use besides the catalog's: the evaluation date. */
export const PSEUDO_FACT_TYPES: Record<string, FactType> = { asOf: 'date' };

/** Zod schema for a value of a declared fact type. */
export function schemaForType(type: FactType, values?: string[]): z.ZodType {
  switch (type) {
    case 'boolean':
      return z.boolean();
    case 'number':
      return NumberOrInterval;
    case 'integer':
      return z.number().int();
    case 'date':
      return DateLike;
    case 'month':
      return YearMonth;
    case 'month_list':
      return z.array(YearMonth);
    case 'enum':
      return values?.length ? z.enum(values as [string, ...string[]]) : z.string();
    case 'string':
      return z.string().min(1);
  }
}

/** Thrown when facts do not validate; the message names each fact. */
export class FactsError extends Error {
  override name = 'FactsError';
}

/**
 * Validates facts against the catalog's types (`factTypes(catalog)` or the catalog itself). Unknown
 * keys are an error naming the known facts. `null` values are dropped (null = unknown).
 */
export function parseFacts(input: unknown, types: Record<string, { type: FactType; values?: string[] }> = {}): Facts {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new FactsError('facts must be a JSON object, e.g. {"worldRank": 30, "studiedAbroad": true}');
  }
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    const t = types[k];
    if (!t) {
      problems.push(`${k}: unknown fact (known: ${Object.keys(types).join(', ')}; declare new facts in corpus/rules/facts.yaml)`);
      continue;
    }
    const r = schemaForType(t.type, t.values).safeParse(v);
    if (r.success) out[k] = r.data;
    else problems.push(`${k}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (problems.length) throw new FactsError(`invalid facts:\n  ${problems.join('\n  ')}`);
  return out as Facts;
}

/**
 * Merges facts gathered over a conversation: a later statement overrides an earlier one, key by key.
 * A key set to `null` in `next` forgets the earlier value (back to unknown).
 *
 * @example mergeFacts({ worldRank: 60 }, { worldRank: 45 }) // → { worldRank: 45 }
 */
export function mergeFacts(prev: Facts | Record<string, unknown>, next: Facts | Record<string, unknown>): Facts {
  const out: Record<string, unknown> = { ...prev };
  for (const [k, v] of Object.entries(next)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  return out as Facts;
}

/** Formats a fact value for display ("1–50", "2022-05", "是"/"否"). */
export function formatFactValue(value: unknown, lang: 'zh' | 'en' = 'zh'): string {
  if (value === undefined) return lang === 'zh' ? '未知' : 'unknown';
  if (typeof value === 'boolean') return lang === 'zh' ? (value ? '是' : '否') : value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.map((v) => formatFactValue(v, lang)).join(lang === 'zh' ? '、' : ', ');
  if (value && typeof value === 'object' && ('min' in value || 'max' in value)) {
    const { min, max } = value as { min?: number; max?: number };
    if (min !== undefined && max !== undefined) return min === max ? String(min) : `${min}–${max}`;
    if (max !== undefined) return lang === 'zh' ? `不超过${max}` : `≤ ${max}`;
    return lang === 'zh' ? `不少于${min}` : `≥ ${min}`;
  }
  return String(value);
}

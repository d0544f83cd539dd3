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

/** YYYY-MM-DD, YYYY-MM or YYYY (a month or a year stands for the whole period). */
export const DateLike = z
  .string()
  .regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'expected a date YYYY-MM-DD (or YYYY-MM / YYYY for a whole month / year)');

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
 * The built-in facts. Rules may also use extra facts declared in `corpus/rules/facts.yaml`
 * (see `FactCatalog`); those are validated by their declared type.
 */
export const FactsSchema = z
  .object({
    /** Studied abroad (outside the mainland) and is a 留学人员. */
    studiedAbroad: z.boolean(),
    /** University name as given by the person (or the canonical English name when matched). */
    university: z.string().min(1),
    /** Country/region of that university (from the rankings table). */
    universityCountry: z.string().min(1),
    /** Best world rank among the accepted rankings; exact or an interval. */
    worldRank: NumberOrInterval,
    /** Which ranking `worldRank` comes from. */
    rankingSystem: RankingSystem,
    /** Edition of that ranking, e.g. `2027`, `2026-2027`. */
    rankingEdition: z.string().min(1),
    degreeLevel: DegreeLevel,
    /** Works (or will work) full-time for an employer in Shanghai. */
    employedFullTimeInShanghai: z.boolean(),
    /** Months of Shanghai social insurance paid (exact or interval). */
    socialInsuranceMonths: NumberOrInterval,
    /** Payment months (YYYY-MM) of contributions that were not paid on time. */
    missedContributionMonths: z.array(YearMonth),
    /** The missed contributions were caused by the epidemic. */
    missedDueToEpidemic: z.boolean(),
    /** Missed contributions have been back-paid. */
    backPaid: z.boolean(),
    /** When they were back-paid (or the latest date they were back-paid by). */
    backPaidOn: DateLike,
    /** Year of graduation (2022 = 2022届). */
    graduationYear: z.number().int().min(1950).max(2100),
    /** The asker is a newly established human-resources service agency. */
    isNewHrAgency: z.boolean(),
    /** The asker is an enterprise employee (企业职工). */
    isEnterpriseEmployee: z.boolean(),
    /** Online vocational-training subsidies already received in the year in question. */
    onlineTrainingSubsidiesUsed: z.number().int().min(0),
    /** Date of the (planned) online vocational training. */
    trainingDate: DateLike,
    /** Date of the (planned) skill-level assessment. */
    skillAssessmentDate: DateLike,
    /** Takes the assessment at the school he/she graduated from. */
    assessedAtOwnSchool: z.boolean(),
    /** Date of the talent-introduction matter / application in question. */
    applicationDate: DateLike,
    /** District (区) of the employer / workplace, without 区, e.g. 宝山. */
    workDistrict: z.string().min(1),
    /** Talent category for district housing support: high_level / team_core / shortage / other. */
    talentCategory: z.enum(['high_level', 'team_core', 'shortage', 'other']),
    /** Core staff (骨干人才) of a district key enterprise (重点企业). */
    isKeyEnterpriseBackbone: z.boolean(),
  })
  .partial();

/** Facts: every field optional; extra (catalog-declared) facts are allowed. */
export type Facts = z.infer<typeof FactsSchema> & Record<string, unknown>;

/** Names of the built-in facts. */
export const BUILTIN_FACTS = Object.keys(FactsSchema.shape) as (keyof z.infer<typeof FactsSchema>)[];

/** Types a fact can have (built-in or declared in facts.yaml). */
export type FactType = 'boolean' | 'number' | 'integer' | 'date' | 'month' | 'month_list' | 'enum' | 'string';

/** The type of each built-in fact, used to check that rule comparisons make sense. */
export const BUILTIN_FACT_TYPES: Record<string, FactType> = {
  studiedAbroad: 'boolean',
  university: 'string',
  universityCountry: 'string',
  worldRank: 'number',
  rankingSystem: 'enum',
  rankingEdition: 'string',
  degreeLevel: 'enum',
  employedFullTimeInShanghai: 'boolean',
  socialInsuranceMonths: 'number',
  missedContributionMonths: 'month_list',
  missedDueToEpidemic: 'boolean',
  backPaid: 'boolean',
  backPaidOn: 'date',
  graduationYear: 'integer',
  isNewHrAgency: 'boolean',
  isEnterpriseEmployee: 'boolean',
  onlineTrainingSubsidiesUsed: 'integer',
  trainingDate: 'date',
  skillAssessmentDate: 'date',
  assessedAtOwnSchool: 'boolean',
  applicationDate: 'date',
  workDistrict: 'string',
  talentCategory: 'enum',
  isKeyEnterpriseBackbone: 'boolean',
  /** Pseudo-fact: the evaluation date. */
  asOf: 'date',
};

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
      return values && values.length ? z.enum(values as [string, ...string[]]) : z.string();
    case 'string':
      return z.string().min(1);
  }
}

/** Thrown when facts do not validate; the message names each fact. */
export class FactsError extends Error {
  override name = 'FactsError';
}

/**
 * Validates facts. Built-in facts use `FactsSchema`; other keys must be declared in `extraTypes`
 * (from the fact catalog) and are validated by their declared type. Unknown keys are an error.
 * `null` values are dropped (null = unknown).
 */
export function parseFacts(input: unknown, extraTypes: Record<string, { type: FactType; values?: string[] }> = {}): Facts {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new FactsError('facts must be a JSON object, e.g. {"worldRank": 30, "studiedAbroad": true}');
  }
  const builtin: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    if (k in FactsSchema.shape) builtin[k] = v;
    else if (extraTypes[k]) {
      const r = schemaForType(extraTypes[k].type, extraTypes[k].values).safeParse(v);
      if (r.success) extra[k] = r.data;
      else problems.push(`${k}: ${r.error.issues.map((i) => i.message).join('; ')}`);
    } else problems.push(`${k}: unknown fact (known: ${[...BUILTIN_FACTS, ...Object.keys(extraTypes)].join(', ')})`);
  }
  const r = FactsSchema.safeParse(builtin);
  if (!r.success) {
    for (const i of r.error.issues) problems.push(`${i.path.join('.') || '(facts)'}: ${i.message}`);
  }
  if (problems.length) throw new FactsError(`invalid facts:\n  ${problems.join('\n  ')}`);
  return { ...(r.data as Facts), ...extra };
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

/**
 * The fact extractor's language (`corpus/lang/extract.yaml`): negation words, clause boundaries, other
 * cities, rank-context words, ranking-system names, name guards, bare yes / no answers and fact labels.
 * Validated with zod and compiled ONCE at load; the compiled tables are passed to `extractFacts` in
 * `ExtractOptions.lang` (never a module-level singleton). An error names the file, the key and, for a
 * pattern, the regular-expression error.
 *
 * @example
 * const cues = loadCueTables('corpus/lang');
 * const lang = loadExtractLang('corpus/lang', cues.districts);
 * extractFacts('没有留学经历', { asOf: '2022-09-01', lang }).facts // { studiedAbroad: false }
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readYamlFile } from '../text/yaml-file.ts';
import type { RankingSystem } from './facts.ts';
import { loadDateLang, type DateLang } from './find-dates.ts';
import { alt, compileAll, compilerFor } from './lang-compile.ts';

const Words = z.array(z.string().min(1)).min(1);
const Pattern = z.string().min(1);

/** The groups of `factPatterns` that extractFacts runs (each at its own place in the extractor). */
const FACT_PATTERN_GROUPS = [
  'studiedAbroad',
  'employed',
  'notEmployed',
  'missedDueToEpidemic',
  'newHrAgency',
  'newHrAgencyNamed',
  'enterpriseEmployee',
  'ownSchool',
  'keyBackbone',
] as const;

/** The extractor's sentences (notes, questions, labels), with {placeholders}. */
const NOTE_KEYS = [
  'workElsewhere',
  'monthsFromWork',
  'monthsSince',
  'startsSoon',
  'rankBelief',
  'severalRanks',
  'rankUnsure',
  'backPaidOn',
  'contributionPeriodShift',
  'missedMonths',
  'contradiction',
  'fullTimeAssumed',
  'abroadFromUniversity',
  'whichOne',
  'bilingualName',
  'notInTable',
  'approximateMatch',
  'notInTop200',
  'noRankingsTable',
  'severalUniversities',
  'domesticNotCounted',
  'listSeparator',
  'domesticUniversity',
  'bestRank',
  'deniedCategory',
  'rankDiffers',
] as const;
type NoteKey = (typeof NOTE_KEYS)[number];

/** Rank patterns tried over a clause, every match (flags gi). */
const RANK_SCANS = [
  'range',
  'roundWithContext',
  'round',
  'outside',
  'outsideEn',
  'top',
  'within',
  'withinEn',
  'approximateEn',
  'ordinal',
  'systemRank',
  'bare',
] as const;
/** Rank patterns that test a match or the text around it (case-sensitive unless listed in RANK_TESTS_I). */
const RANK_TESTS = [
  'rangeNamed',
  'rangeUnit',
  'rankWord',
  'topNotRank',
  'topMeasure',
  'topNamed',
  'shortOf',
  'systemRankArticle',
  'systemRankThe',
  'systemJustAfter',
  'eitherOr',
] as const;
const RANK_TESTS_I: readonly string[] = [
  'rangeNamed',
  'rangeUnit',
  'topMeasure',
  'topNamed',
  'systemRankArticle',
  'systemJustAfter',
  'eitherOr',
];
/** Rank patterns with `{words}`, filled per call with the cue table's approximate-rank words. */
const RANK_TEMPLATES = ['approximateBefore', 'approximateAfter'] as const;
type RankKey = (typeof RANK_SCANS)[number] | (typeof RANK_TESTS)[number] | (typeof RANK_TEMPLATES)[number];

/** `socialInsurance` patterns with their flags (i: case-insensitive), and its word lists. */
const SI_FLAGS = {
  mentioned: 'i',
  clause: 'i',
  countWord: '',
  noneAtAllNotWith: '',
  noneAtAll: '',
  missedOrBack: 'i',
  yearsAndHalf: '',
  monthsAndHalf: '',
  halfYear: '',
  count: 'i',
  fewer: 'i',
  yearUnit: 'i',
  monthAfterYear: '',
  monthUnit: '',
  monthOfYear: '',
  countMarker: '',
  calendarYearUnit: '',
  shortBy: '',
  shortOfTotal: '',
  noneYet: 'i',
  workMonths: '',
  since: '',
  workHalfYear: '',
  workMonthsEn: 'i',
  sinceEn: 'i',
  sinceJob: '',
  sinceThen: 'i',
  sinceMonth: '',
  startWord: 'i',
  jobStart: '',
} as const;
type SiPatternKey = keyof typeof SI_FLAGS;
const SI_PATTERNS = Object.keys(SI_FLAGS) as SiPatternKey[];
const SI_WORDS = ['more', 'atLeast', 'almost', 'moreAfter', 'atLeastAfter', 'moreUnit', 'halfYearUnit'] as const;
type SiWordKey = (typeof SI_WORDS)[number];
/** `backPayment` patterns with their flags. */
const BACK_FLAGS = {
  otherEvent: 'i',
  missed: 'i',
  back: 'i',
  period: '',
  monthsOf: '',
  future: 'i',
  notBackAt: '',
  untilNow: '',
  notYetBefore: '',
  notYetBeforeEn: 'i',
  deadlineBefore: 'i',
  deadlineAfterWords: 'i',
} as const;
type BackPatternKey = keyof typeof BACK_FLAGS;
const BACK_PATTERNS = Object.keys(BACK_FLAGS) as BackPatternKey[];

const ExtractLangSchema = z
  .object({
    negation: z.object({ zh: Words, zhAfter: Words, fillers: Words, coordination: Words, en: Words }).strict(),
    clauses: z.object({ pattern: Pattern, words: Words }).strict(),
    otherCities: Words,
    rankContext: Words,
    rankingSystems: z
      .array(
        z
          .object({
            system: z.enum(['QS', 'USNews', 'ARWU', 'THE']),
            pattern: Pattern,
            caseSensitive: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1),
    policyNameAfter: Pattern,
    universityName: Pattern,
    notAName: Pattern,
    institutionWord: Pattern,
    answers: z.object({ yes: Words, no: Words, end: Pattern }).strict(),
    factLabels: z.record(z.string(), z.string().min(1)),
    expected: z
      .object({
        notBackPaid: Pattern,
        fillerBefore: Words,
        fillerAfter: Words,
        nameAfter: Words,
        number: Pattern,
        top: Pattern,
        years: Pattern,
        halfYear: Pattern,
        yearsAndHalf: Pattern,
        graduationYear: Pattern,
      })
      .strict(),
    misc: z
      .object({
        newHire: Pattern,
        startsSoon: Pattern,
        rankBelief: Pattern,
        fullTime: Pattern,
        shanghai: Pattern,
        fullTimeEvidence: Pattern,
        rankUnsure: Pattern,
        rankAsked: Pattern,
        countAsked: Pattern,
        keyEnterprise: Pattern,
        siQuarters: Pattern,
        siBareCount: Pattern,
        nameAboutPerson: Pattern,
        notEpidemic: Pattern,
        notTalent: Pattern,
        notTalentAfter: Pattern,
        hrAgencyNamed: Pattern,
        founded: Pattern,
        rankingNamedAfterUniversity: Pattern,
        genericName: Pattern,
        vagueName: Pattern,
        asking: Pattern,
        presentTime: Pattern,
        contrastBefore: Pattern,
        otherTime: Pattern,
      })
      .strict(),
    socialInsurance: z
      .object({
        ...(Object.fromEntries(SI_PATTERNS.map((k) => [k, Pattern])) as Record<SiPatternKey, typeof Pattern>),
        ...(Object.fromEntries(SI_WORDS.map((k) => [k, Words])) as Record<SiWordKey, typeof Words>),
      })
      .strict(),
    backPayment: z.object(Object.fromEntries(BACK_PATTERNS.map((k) => [k, Pattern])) as Record<BackPatternKey, typeof Pattern>).strict(),
    graduation: z
      .object({
        classOf: Pattern,
        inYear: Pattern,
        relative: Pattern,
        relativeYears: z.record(z.string().min(1), z.number().int().min(-10).max(10)),
        thisYear: Pattern,
        english: Pattern,
      })
      .strict(),
    degreeLevels: z.array(z.object({ level: z.enum(['doctor', 'master', 'bachelor']), pattern: Pattern }).strict()).min(1),
    talentCategories: z.array(z.object({ category: z.string().min(1), pattern: Pattern }).strict()).min(1),
    training: z
      .object({
        about: Pattern,
        noneUsed: Pattern,
        asksLimit: Pattern,
        used: Pattern,
        training: Pattern,
        countBeforeSubsidy: Pattern,
        subsidy: Pattern,
        firstTimeStart: Pattern,
        neverUsed: Pattern,
        nth: Pattern,
        ordinalWords: z.record(z.string().min(1), z.number().int().min(1).max(10)),
        assessmentWord: Pattern,
        skillAssessment: Pattern,
        application: Pattern,
        notApplication: Pattern,
        startedBefore: Pattern,
        now: Pattern,
        yearOnly: Pattern,
        laterYears: z.record(z.string().min(1), z.number().int().min(1).max(10)),
        relativeMonths: z.record(z.string().min(1), z.number().int().min(-12).max(12)),
      })
      .strict(),
    district: z
      .object({
        streets: z.array(z.string().min(1)),
        workAfter: Pattern,
        workBefore: Pattern,
        movedBefore: Pattern,
        homeBefore: Pattern,
        ownerPrefix: Pattern,
      })
      .strict(),
    notes: z.object(Object.fromEntries(NOTE_KEYS.map((k) => [k, z.string().min(1)])) as Record<NoteKey, z.ZodString>).strict(),
    factPatterns: z.record(
      z.string(),
      z
        .array(
          z
            .object({
              fact: z.string().min(1),
              value: z.boolean(),
              negatable: z.boolean().default(true),
              yieldsToForeignUniversity: z.boolean().default(false),
              caseSensitive: z.boolean().default(false),
              pattern: Pattern,
            })
            .strict(),
        )
        .min(1),
    ),
    ranks: z
      .object(
        Object.fromEntries([...RANK_SCANS, ...RANK_TESTS, ...RANK_TEMPLATES].map((k) => [k, Pattern])) as Record<RankKey, typeof Pattern>,
      )
      .strict(),
  })
  .strict();

/** The compiled extractor language (see the file's comments for what each matches). */
export interface ExtractLang {
  /** Chinese negation just before a mention (tested on the 12 characters before it, spaces removed). */
  negZh: RegExp;
  /** English negation just before a mention (tested on the 40 characters before it). */
  negEn: RegExp;
  /** Clause boundaries (for `String.split`). */
  clauseSplit: RegExp;
  /** A place other than Shanghai. */
  otherCity: RegExp;
  /** A word that makes a number a rank. */
  rankContext: RegExp;
  /** Ranking-system names (global: reset `lastIndex` before use). */
  systems: { system: RankingSystem; re: RegExp }[];
  /** Words after a name that make it a policy's name. */
  policyNameAfter: RegExp;
  /** University-like names (global: reset `lastIndex` before use). */
  universityName: RegExp;
  /** Words before such a name that are not part of it. */
  notAName: RegExp;
  /** A word of an English institution's name. */
  institutionWord: RegExp;
  /** A bare yes / no answer. */
  yes: RegExp;
  no: RegExp;
  /** Short names of the facts, for notes. */
  factLabels: Record<string, string>;
  /** The Shanghai districts (the cue tables' `districts`). */
  districts: string[];
  /** How dates are written (`corpus/lang/dates.yaml`). */
  dates: DateLang;
  /** Bare answers to the question just asked (readExpected). */
  expected: {
    notBackPaid: RegExp;
    fillerBefore: RegExp;
    fillerAfter: RegExp;
    /** After a name given as the answer to "which university?" (英国约克的那个). */
    nameAfter: RegExp;
    number: RegExp;
    top: RegExp;
    years: RegExp;
    halfYear: RegExp;
    yearsAndHalf: RegExp;
    graduationYear: RegExp;
  };
  /** Single patterns of extractFacts (see the file's comments). */
  misc: Record<
    | 'newHire'
    | 'founded'
    | 'startsSoon'
    | 'rankBelief'
    | 'fullTime'
    | 'shanghai'
    | 'fullTimeEvidence'
    | 'rankUnsure'
    | 'rankAsked'
    | 'countAsked'
    | 'keyEnterprise'
    | 'siQuarters'
    | 'siBareCount'
    | 'nameAboutPerson'
    | 'notEpidemic'
    | 'notTalent'
    | 'notTalentAfter'
    | 'hrAgencyNamed'
    | 'rankingNamedAfterUniversity'
    | 'genericName'
    | 'vagueName'
    | 'asking'
    | 'presentTime'
    | 'contrastBefore'
    | 'otherTime',
    RegExp
  >;
  /** Months of social insurance paid (extract.yaml `socialInsurance`; see its comments). */
  socialInsurance: Record<SiPatternKey, RegExp> & Record<SiWordKey, string[]>;
  /** Missed and back-paid contributions (extract.yaml `backPayment`). */
  backPayment: Record<BackPatternKey, RegExp>;
  /** The graduation year: 22届, 2021年毕业, 去年毕业 (relativeYears: the offset of each word), 应届, graduated in 2021. */
  graduation: {
    classOf: RegExp;
    inYear: RegExp;
    relative: RegExp;
    relativeYears: Record<string, number>;
    thisYear: RegExp;
    english: RegExp;
  };
  /** Degree levels, highest first (the first one named and not negated counts). */
  degreeLevels: { value: string; re: RegExp }[];
  /** Talent categories in order (global: reset `lastIndex` before use). */
  talentCategories: { value: string; re: RegExp }[];
  /** Training subsidies used, training and skill-assessment dates, the application date. */
  training: Record<
    | 'about'
    | 'noneUsed'
    | 'asksLimit'
    | 'used'
    | 'training'
    | 'countBeforeSubsidy'
    | 'subsidy'
    | 'firstTimeStart'
    | 'neverUsed'
    | 'nth'
    | 'assessmentWord'
    | 'skillAssessment'
    | 'application'
    | 'notApplication'
    | 'startedBefore'
    | 'now'
    | 'yearOnly'
    | 'laterYear'
    | 'relativeMonth',
    RegExp
  > & { laterYears: Record<string, number>; relativeMonths: Record<string, number>; ordinalWords: Record<string, number> };
  /** Where a district named is where the person works. */
  district: { streets: string[]; workAfter: RegExp; workBefore: RegExp; movedBefore: RegExp; homeBefore: RegExp; ownerPrefix: RegExp };
  /** The extractor's sentences, with {placeholders} (`fill`). */
  notes: Record<NoteKey, string>;
  /** Phrases that state a boolean fact, by group (global: reset `lastIndex` before use). */
  factPatterns: Record<string, { fact: string; value: boolean; negatable: boolean; yieldsToForeignUniversity: boolean; re: RegExp }[]>;
  /** How ranks are written (findRanks): scans are global (reset `lastIndex`), templates hold `{words}`. */
  ranks: Record<(typeof RANK_SCANS)[number] | (typeof RANK_TESTS)[number], RegExp> & Record<(typeof RANK_TEMPLATES)[number], string>;
}

export class ExtractLangError extends Error {
  override name = 'ExtractLangError';
}

/**
 * The extractor's words from `<dir>/extract.yaml`, compiled; `districts` are the cue tables' districts and
 * `dates` their date words (`cues.dates`; read from `<dir>/dates.yaml` when not given).
 */
export function loadExtractLang(dir: string, districts: readonly string[], dates?: DateLang): ExtractLang {
  const file = join(dir, 'extract.yaml');
  if (!existsSync(file))
    throw new ExtractLangError(`${file}: missing — the fact extractor's words live there (see docs/assistant.md "The extractor's words")`);
  const d = readYamlFile(file, ExtractLangSchema, (m) => new ExtractLangError(m), ' — see docs/assistant.md "The extractor\'s words"');
  for (const g of FACT_PATTERN_GROUPS)
    if (!d.factPatterns[g]) throw new ExtractLangError(`${file}: factPatterns.${g}: missing (extractFacts runs this group)`);
  const compile = compilerFor(file, (m) => new ExtractLangError(m));
  return {
    negZh: compile(
      'negation',
      `(${alt(d.negation.zh)})(${alt(d.negation.zhAfter)})?(${alt(d.negation.fillers)})?(?:[^，。,\\s]{1,6}?(?:${alt(d.negation.coordination)})){0,3}$`,
      '',
    ),
    negEn: compile('negation.en', `\\b(${alt(d.negation.en)})\\s+(?:\\S+\\s+){0,2}$`, 'i'),
    clauseSplit: compile('clauses', `${d.clauses.pattern}|${alt(d.clauses.words)}`, ''),
    otherCity: compile('otherCities', alt(d.otherCities), ''),
    rankContext: compile('rankContext', alt(d.rankContext), 'i'),
    systems: d.rankingSystems.map((s, i) => ({
      system: s.system,
      re: compile(`rankingSystems.${i}.pattern`, s.pattern, s.caseSensitive ? 'g' : 'gi'),
    })),
    policyNameAfter: compile('policyNameAfter', d.policyNameAfter, ''),
    universityName: compile('universityName', d.universityName, 'gi'),
    notAName: compile('notAName', d.notAName, 'i'),
    institutionWord: compile('institutionWord', d.institutionWord, 'i'),
    yes: compile('answers.yes', `^(?:${alt(d.answers.yes)})${d.answers.end}$`, 'i'),
    no: compile('answers.no', `^(?:${alt(d.answers.no)})${d.answers.end}$`, 'i'),
    factLabels: d.factLabels,
    districts: [...districts],
    dates: dates ?? loadDateLang(dir),
    expected: {
      notBackPaid: compile('expected.notBackPaid', d.expected.notBackPaid, ''),
      fillerBefore: compile('expected.fillerBefore', `^(?:${alt(d.expected.fillerBefore)})+`, 'i'),
      fillerAfter: compile('expected.fillerAfter', `(?:${alt(d.expected.fillerAfter)})+$`, ''),
      nameAfter: compile('expected.nameAfter', `(?:${alt(d.expected.nameAfter)})$`, ''),
      number: compile('expected.number', d.expected.number, 'i'),
      top: compile('expected.top', d.expected.top, ''),
      years: compile('expected.years', d.expected.years, 'i'),
      halfYear: compile('expected.halfYear', d.expected.halfYear, ''),
      yearsAndHalf: compile('expected.yearsAndHalf', d.expected.yearsAndHalf, ''),
      graduationYear: compile('expected.graduationYear', d.expected.graduationYear, ''),
    },
    misc: {
      newHire: compile('misc.newHire', d.misc.newHire, ''),
      founded: compile('misc.founded', d.misc.founded, 'i'),
      startsSoon: compile('misc.startsSoon', d.misc.startsSoon, 'i'),
      rankBelief: compile('misc.rankBelief', d.misc.rankBelief, 'i'),
      fullTime: compile('misc.fullTime', d.misc.fullTime, 'i'),
      shanghai: compile('misc.shanghai', d.misc.shanghai, 'i'),
      fullTimeEvidence: compile('misc.fullTimeEvidence', d.misc.fullTimeEvidence, 'i'),
      rankUnsure: compile('misc.rankUnsure', d.misc.rankUnsure, ''),
      rankAsked: compile('misc.rankAsked', d.misc.rankAsked, 'i'),
      countAsked: compile('misc.countAsked', d.misc.countAsked, 'i'),
      keyEnterprise: compile('misc.keyEnterprise', d.misc.keyEnterprise, 'i'),
      siQuarters: compile('misc.siQuarters', d.misc.siQuarters, ''),
      siBareCount: compile('misc.siBareCount', d.misc.siBareCount, ''),
      nameAboutPerson: compile('misc.nameAboutPerson', d.misc.nameAboutPerson, 'i'),
      notEpidemic: compile('misc.notEpidemic', d.misc.notEpidemic, 'i'),
      notTalent: compile('misc.notTalent', d.misc.notTalent, ''),
      notTalentAfter: compile('misc.notTalentAfter', d.misc.notTalentAfter, ''),
      hrAgencyNamed: compile('misc.hrAgencyNamed', d.misc.hrAgencyNamed, 'i'),
      rankingNamedAfterUniversity: compile('misc.rankingNamedAfterUniversity', d.misc.rankingNamedAfterUniversity, 'g'),
      genericName: compile('misc.genericName', d.misc.genericName, 'i'),
      vagueName: compile('misc.vagueName', d.misc.vagueName, ''),
      asking: compile('misc.asking', d.misc.asking, 'i'),
      presentTime: compile('misc.presentTime', d.misc.presentTime, 'i'),
      contrastBefore: compile('misc.contrastBefore', d.misc.contrastBefore, 'i'),
      otherTime: compile('misc.otherTime', d.misc.otherTime, 'i'),
    },
    socialInsurance: {
      ...compileAll(compile, 'socialInsurance', d.socialInsurance, SI_FLAGS),
      ...(Object.fromEntries(SI_WORDS.map((k) => [k, d.socialInsurance[k].map((w) => w.toLowerCase())])) as Record<SiWordKey, string[]>),
    },
    backPayment: compileAll(compile, 'backPayment', d.backPayment, BACK_FLAGS),
    graduation: {
      classOf: compile('graduation.classOf', d.graduation.classOf, ''),
      inYear: compile('graduation.inYear', d.graduation.inYear, ''),
      relative: compile(
        'graduation.relative',
        d.graduation.relative.replace('{words}', () => alt(Object.keys(d.graduation.relativeYears))),
        '',
      ),
      relativeYears: d.graduation.relativeYears,
      thisYear: compile('graduation.thisYear', d.graduation.thisYear, ''),
      english: compile('graduation.english', d.graduation.english, 'i'),
    },
    degreeLevels: d.degreeLevels.map((x, i) => ({ value: x.level, re: compile(`degreeLevels.${i}.pattern`, x.pattern, 'i') })),
    talentCategories: d.talentCategories.map((x, i) => ({
      value: x.category,
      re: compile(`talentCategories.${i}.pattern`, x.pattern, 'gi'),
    })),
    training: {
      about: compile('training.about', d.training.about, 'i'),
      noneUsed: compile('training.noneUsed', d.training.noneUsed, ''),
      asksLimit: compile('training.asksLimit', d.training.asksLimit, ''),
      used: compile('training.used', d.training.used, 'i'),
      training: compile('training.training', d.training.training, 'i'),
      countBeforeSubsidy: compile('training.countBeforeSubsidy', d.training.countBeforeSubsidy, 'i'),
      subsidy: compile('training.subsidy', d.training.subsidy, 'i'),
      firstTimeStart: compile('training.firstTimeStart', d.training.firstTimeStart, ''),
      neverUsed: compile('training.neverUsed', d.training.neverUsed, 'i'),
      nth: compile('training.nth', d.training.nth, 'i'),
      ordinalWords: Object.fromEntries(Object.entries(d.training.ordinalWords).map(([k, v]) => [k.toLowerCase(), v])),
      assessmentWord: compile('training.assessmentWord', d.training.assessmentWord, 'i'),
      skillAssessment: compile('training.skillAssessment', d.training.skillAssessment, 'i'),
      application: compile('training.application', d.training.application, 'i'),
      notApplication: compile('training.notApplication', d.training.notApplication, 'i'),
      startedBefore: compile('training.startedBefore', d.training.startedBefore, 'i'),
      now: compile('training.now', d.training.now, ''),
      yearOnly: compile('training.yearOnly', d.training.yearOnly, ''),
      laterYear: compile('training.laterYears', `(${alt(Object.keys(d.training.laterYears))})`, ''),
      laterYears: d.training.laterYears,
      relativeMonth: compile('training.relativeMonths', `(${alt(Object.keys(d.training.relativeMonths))})`, 'i'),
      relativeMonths: Object.fromEntries(Object.entries(d.training.relativeMonths).map(([k, v]) => [k.toLowerCase(), v])),
    },
    district: {
      streets: d.district.streets,
      workAfter: compile('district.workAfter', d.district.workAfter, ''),
      workBefore: compile('district.workBefore', d.district.workBefore, ''),
      movedBefore: compile('district.movedBefore', d.district.movedBefore, 'i'),
      homeBefore: compile('district.homeBefore', d.district.homeBefore, ''),
      ownerPrefix: compile('district.ownerPrefix', d.district.ownerPrefix, ''),
    },
    notes: d.notes,
    factPatterns: Object.fromEntries(
      Object.entries(d.factPatterns).map(([g, ps]) => [
        g,
        ps.map((p, i) => ({
          fact: p.fact,
          value: p.value,
          negatable: p.negatable,
          yieldsToForeignUniversity: p.yieldsToForeignUniversity,
          re: compile(`factPatterns.${g}.${i}.pattern`, p.pattern, p.caseSensitive ? 'g' : 'gi'),
        })),
      ]),
    ),
    ranks: {
      ...(Object.fromEntries([
        ...RANK_SCANS.map((k) => [k, compile(`ranks.${k}`, d.ranks[k], 'gi')]),
        ...RANK_TESTS.map((k) => [k, compile(`ranks.${k}`, d.ranks[k], RANK_TESTS_I.includes(k) ? 'i' : '')]),
      ]) as Record<(typeof RANK_SCANS)[number] | (typeof RANK_TESTS)[number], RegExp>),
      ...(Object.fromEntries(
        RANK_TEMPLATES.map((k) => {
          if (!d.ranks[k].includes('{words}')) throw new ExtractLangError(`${file}: ranks.${k}: the pattern needs {words} (the cue words)`);
          compile(`ranks.${k}`, d.ranks[k].replace('{words}', 'x'), 'gi');
          return [k, d.ranks[k]];
        }),
      ) as Record<(typeof RANK_TEMPLATES)[number], string>),
    },
  };
}

/** A sentence of `notes` with its {placeholders} filled (a placeholder without a value is left as written). */
export function fill(template: string, vars: Record<string, string | number | undefined>): string {
  return template.replace(/\{(\w+)\}/g, (all, k: string) => (k in vars ? String(vars[k]) : all));
}

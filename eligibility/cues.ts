/**
 * The cue tables of the understanding stage (`corpus/lang/*.yaml`): goal words, role markers,
 * corrections, relative years, situation words, domestic-study and not-working phrases, and fact cues
 * (phrases that state a boolean fact). Plain words, no regular expressions; validated once at start.
 *
 * @example
 * const cues = loadCueTables('corpus/lang');
 * cues.goals.settlement // ['落户', '户口', …]
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readYamlFile } from '../text/yaml-file.ts';
import { normalizeMessage } from './extract.ts';

const Words = z.array(z.union([z.string().min(1), z.number()]).transform(String)).default([]);

/** Words → [first month, last month] (parts of a year, quarters). */
const MonthRanges = z.record(z.string(), z.tuple([z.number().int().min(1).max(12), z.number().int().min(1).max(12)])).default({});

const CueFileSchema = z
  .object({
    goals: z.record(z.string(), Words).default({}),
    roles: z
      .object({
        comparison: Words,
        notComparison: Words,
        comparisonAfter: Words,
        hypothetical: Words,
        reported: Words,
        hires: Words,
        others: Words,
        askedFor: Words,
        self: Words,
        notSelf: Words,
        selfAgain: Words,
        /** He, she: a clause opening with one after another person was spoken of is about that person. */
        thirdPerson: Words,
        /** Together ("都", "both") in a clause joining the asker or the case with another ("我和我老公都…"): about the case too. */
        together: Words,
        /** Words that join two people in one clause (和, 跟, and). */
        joined: Words,
        /** Plans, among the hypothetical words: a plan's date of an event a rule asks about is the person's. */
        plans: Words,
        /** We, our: the asker with others (a company's), not the asker alone. */
        plural: Words,
        askFor: Words,
        /** Relatives a person speaks for ("我儿子利物浦大学的"): a message only about one of them is their case. */
        proxies: Words,
        asks: Words,
        measure: Words,
        category: Words,
      })
      .partial()
      .default({}),
    corrections: Words,
    /** Words that correct only as a clause of their own ("哦不，是兼职"; not "哦不是很清楚"). */
    correctionsAlone: Words,
    /** Words before the value a correction rejects ("it's 94 not 49", "是94不是49"). */
    correctionRejected: Words,
    /** A list of people: the pattern of a part's label, words that are no label, words before an asked label. */
    people: z
      .object({ label: z.string().min(1), labelAfterComma: z.string().min(1), notLabels: Words, askedBefore: Words, listBefore: Words })
      .partial()
      .default({}),
    /** Words that join two items into one clause even between spaces ("2022.05 和 2022.06"). */
    joiners: Words,
    /** Words kept in one clause with the number after them, across a space ("软科 58"). */
    withNumber: Words,
    fillers: Words,
    negation: Words,
    years: z
      .object({
        reference: Words,
        twoDigitBefore: Words,
        durationBefore: Words,
        durationAfter: Words,
        /** Parts of a year that belong to the year named before them ("2022年上半年…下半年"). */
        partsOfNamedYear: Words,
        twoDigitYears: z.tuple([z.number().int().min(0).max(99), z.number().int().min(0).max(99)]),
        offset: z.record(z.string(), z.number().int().min(-10).max(10)).default({}),
        /** The year after the one named last ("22年…第二年1月" → 2023). */
        next: Words,
        sameMonth: Words,
      })
      .partial()
      .default({}),
    /** Periods named by what happened then ("封控那几个月") → the dates they stand for, written as a person would. */
    eras: z.record(z.string(), z.string().min(1)).default({}),
    yearParts: MonthRanges,
    /** English parts of a year, written before it ("mid-2022", "first half of 2022", "spring 2022", "H1 2022"). */
    englishYearParts: MonthRanges,
    /** English quarters before the year ("the 3rd quarter of 2022") → their months, exact. */
    englishQuarters: MonthRanges,
    situation: Words,
    /** Words that may stand beside a date that is a clause of its own ("In August 2022, could we…"). */
    situationLead: Words,
    situationFacts: Words,
    /** After a date, these make it a deadline ("年底前"), not the time of an event. */
    deadlineAfter: Words,
    present: Words,
    /** Question words inside a clause ("用的哪个基数", "what base applied"): the message asks. */
    questionWords: Words,
    questionEnd: Words,
    /** Words that open a question as its first word ("was a third one still subsidised", "can we…"). */
    questionStart: Words,
    amountAsked: Words,
    domestic: z.object({ markers: Words, universities: Words, partOfName: Words }).partial().default({}),
    notWorking: Words,
    /** Working in another city: a clause with a place, a work word, no Shanghai word and no past word. */
    workElsewhere: z.object({ places: Words, work: Words, shanghai: Words, past: Words, study: Words, now: Words }).partial().default({}),
    districts: Words,
    /** Words that ask whether something exists ("有没有", "有啥"): with a district, whether it has a measure. */
    existence: Words,
    /** Other names of the districts (English, pinyin): name → the district as in `districts`. */
    districtNames: z.record(z.string(), z.string().min(1)).default({}),
    owner: Words,
    /** Words that point at the district just named ("区里的重点企业"): with one named, the person's is that one. */
    districtAnaphora: Words,
    intent: Words,
    information: Words,
    /** Date facts: a date in a clause with one of these words is that fact. */
    dateFacts: z.record(z.string(), Words).default({}),
    /**
     * Fact cues: phrases that say a boolean fact is true / false (negation before a `true` phrase flips it);
     * `denied`: stems that say false after a negation, with modal words between ("不愿意做承诺").
     */
    facts: z.record(z.string(), z.object({ true: Words, false: Words, denied: Words }).partial()).default({}),
    /** Words between a negation and a `denied` stem (愿意, 想, 做: "不愿意做承诺"). */
    negationModals: Words,
    /** Words that hedge a value in their clause (几个月, 有些): the value is not read with confidence. */
    doubt: z
      .object({ vague: Words, unsure: Words, approxBefore: Words, approxAfter: Words, alternatives: Words, calendarUnits: Words })
      .partial()
      .default({}),
    /** Bare answers to a yes/no question, for every channel (`yesNo()`). */
    answers: z.object({ yes: Words, no: Words }).partial().default({}),
    sentences: z.record(z.string(), z.object({ zh: z.string().min(1), en: z.string().min(1) })).default({}),
    /** The router's cues (bot/assistant/route.ts): greeting and help words, eligibility and first-person patterns. */
    route: z
      .object({ greeting: Words, help: Words, trailing: z.string().min(1), eligibility: Words, personal: Words })
      .partial()
      .default({}),
  })
  .strict();

/** The merged cue tables (all words normalized like messages are). */
export interface CueTables {
  goals: Record<string, string[]>;
  roles: {
    comparison: string[];
    /** Words that hold a comparison word and are none ("好像": it seems). */
    notComparison: string[];
    /** Comparison words that follow what they compare ("宝山那样"); others precede it ("有没有像宝山"). */
    comparisonAfter: string[];
    hypothetical: string[];
    reported: string[];
    /** A company's hires spoken of: reported unless the clause has a self word. */
    hires: string[];
    others: string[];
    askedFor: string[];
    /** Words of the person speaking of themselves (我, 本人). */
    self: string[];
    /** Words with a self word in them that are not about the person: the asker's job, their company (我是人事, 我们公司). */
    notSelf: string[];
    selfAgain: string[];
    /** He, she: a clause opening with one after another person was spoken of is about that person. */
    thirdPerson: string[];
    /** Together (都, both): a clause that joins the case with another person and says both is about the case too. */
    together: string[];
    /** Words that join two people in one clause (和, 跟, and). */
    joined: string[];
    /** Plans ("下个月要", "打算"): a plan's date of an event a rule asks about is the person's. */
    plans: string[];
    /** We, our (我们, our): the asker with others, not the asker alone. */
    plural: string[];
    /** "帮/替 + one of `others` + 问" asks for that person: the words before the person and the asking words after. */
    askFor: string[];
    proxies: string[];
    asks: string[];
    /** A clause that names a measure ("疫情补缴那个政策"): its words describe the measure, not the person. */
    measure: string[];
    /** A kind of people a measure is for ("51到100名的留学生"): without a self word, not the person. */
    category: string[];
  };
  corrections: string[];
  /** Words that correct only as a clause of their own ("哦不，是兼职"). */
  correctionsAlone: string[];
  /** Words before the value a correction rejects ("not 49", "不是49"): that value is no correction. */
  correctionRejected: string[];
  /**
   * A list of people ("A：QS 30；B：QS 80"): `label` is the regular expression (unicode) of a part's label at
   * its start (group 1 the label), `notLabels` what it must not take (QS, SI), `askedBefore` the words
   * before the label of the person asked about ("我问的是小张："), `listBefore` words that open a list (名单).
   */
  people: {
    label: string | null;
    /** A label that starts a part after a comma ("A是UCLA的，B是UC Irvine的"): the regular expression of what follows the comma. */
    labelAfterComma: string | null;
    notLabels: string[];
    askedBefore: string[];
    listBefore: string[];
  };
  joiners: string[];
  /** Words kept with the number after them across a space ("软科 58"). */
  withNumber: string[];
  /** Words that may follow a correction marker before the corrected value (是, 应该是). */
  fillers: string[];
  negation: string[];
  years: {
    reference: string[];
    twoDigitBefore: string[];
    durationBefore: string[];
    /** Words after "NN年" that make it a duration ("10年以上"). */
    durationAfter: string[];
    /** Parts of a year (上半年, 下半年) that, said without a year, are the year named before them. */
    partsOfNamedYear: string[];
    /** Two-digit numbers read as years 20NN before 年 anywhere (not only before a month), [low, high]. */
    twoDigitYears: [number, number];
    offset: Record<string, number>;
    next: string[];
    /** The month named last ("22年4月的社保晚交了，当月就补了": April 2022). */
    sameMonth: string[];
  };
  yearParts: Record<string, [number, number]>;
  /** English parts of a year before the year ("mid-2022", "H1 2022") → its months. */
  englishYearParts: Record<string, [number, number]>;
  englishQuarters: Record<string, [number, number]>;
  situation: string[];
  situationLead: string[];
  /** Date facts of the event asked about: a past one is the situation the question is about. */
  situationFacts: string[];
  deadlineAfter: string[];
  /** Words that put the question now (现在, 目前): no situation date then. */
  present: string[];
  /** Question words inside a clause ("用的哪个基数", "what base applied"): a message with one asks. */
  questionWords: string[];
  /** Question endings (吗, 呢, ?). */
  questionEnd: string[];
  questionStart: string[];
  /** Words that ask for an amount (多少, how much): after a verdict, its answer line says it. */
  amountAsked: string[];
  /** `partOfName`: a university word followed by one of these is inside a longer name (北大 in 西北大学). */
  domestic: { markers: string[]; universities: string[]; partOfName: string[] };
  notWorking: string[];
  workElsewhere: { places: string[]; work: string[]; shanghai: string[]; past: string[]; study: string[]; now: string[] };
  /** Shanghai districts (without 区). */
  districts: string[];
  /** Words that ask whether something exists ("有没有", "有啥"). */
  existence: string[];
  districtNames: Record<string, string>;
  eras: Record<string, string>;
  /** Words after a district that make it the owner of a measure, not the person's district. */
  owner: string[];
  /** Words that point at the district just named ("区里的重点企业", "本区"). */
  districtAnaphora: string[];
  intent: string[];
  information: string[];
  dateFacts: Record<string, string[]>;
  facts: Record<string, { true: string[]; false: string[]; denied: string[] }>;
  negationModals: string[];
  /** Hedges (`vague`), and the words that make a rank approximate before / after it (大概 60, 60左右). */
  /** `alternatives`: words between two values of one fact ("2次还是3次"): the fact is the interval of both. */
  /** `unsure`: words that say the person does not know ("算不算全职我也说不清": the fact asked is not stated). */
  /** `calendarUnits`: units after a number that make it a date, not a count (月, 日: "1月至6月" is no either-or). */
  doubt: {
    vague: string[];
    unsure: string[];
    approxBefore: string[];
    approxAfter: string[];
    alternatives: string[];
    calendarUnits: string[];
  };
  /** Bare yes / no answers (one list for the assistant, Telegram and the terminal chat). */
  answers: { yes: string[]; no: string[] };
  /** Sentences said back ({value}, {date} placeholders), by language. */
  sentences: Record<string, { zh: string; en: string }>;
  /** Greeting and help words (a whole message), `trailing` characters allowed after them, and regular-expression sources. */
  route: { greeting: string[]; help: string[]; trailing: string; eligibility: string[]; personal: string[] };
}

/** Thrown when a cue file is malformed; names the file and the field. */
export class CueLoadError extends Error {
  override name = 'CueLoadError';
}

export function emptyCueTables(): CueTables {
  return {
    goals: {},
    roles: {
      comparison: [],
      notComparison: [],
      comparisonAfter: [],
      hypothetical: [],
      reported: [],
      hires: [],
      others: [],
      askedFor: [],
      self: [],
      notSelf: [],
      selfAgain: [],
      thirdPerson: [],
      together: [],
      joined: [],
      plans: [],
      plural: [],
      askFor: [],
      proxies: [],
      asks: [],
      measure: [],
      category: [],
    },
    corrections: [],
    correctionsAlone: [],
    correctionRejected: [],
    people: { label: null, labelAfterComma: null, notLabels: [], askedBefore: [], listBefore: [] },
    joiners: [],
    withNumber: [],
    fillers: [],
    negation: [],
    negationModals: [],
    years: {
      reference: [],
      twoDigitBefore: [],
      durationBefore: [],
      durationAfter: [],
      partsOfNamedYear: [],
      twoDigitYears: [15, 39],
      offset: {},
      next: [],
      sameMonth: [],
    },
    yearParts: {},
    englishYearParts: {},
    englishQuarters: {},
    situation: [],
    situationLead: [],
    situationFacts: [],
    deadlineAfter: [],
    present: [],
    questionWords: [],
    questionEnd: [],
    questionStart: [],
    amountAsked: [],
    domestic: { markers: [], universities: [], partOfName: [] },
    notWorking: [],
    workElsewhere: { places: [], work: [], shanghai: [], past: [], study: [], now: [] },
    districts: [],
    existence: [],
    districtNames: {},
    eras: {},
    owner: [],
    districtAnaphora: [],
    intent: [],
    information: [],
    dateFacts: {},
    facts: {},
    doubt: { vague: [], unsure: [], approxBefore: [], approxAfter: [], alternatives: [], calendarUnits: [] },
    answers: { yes: [], no: [] },
    sentences: {},
    route: { greeting: [], help: [], trailing: '', eligibility: [], personal: [] },
  };
}

const norm = (w: string) => normalizeMessage(w).toLowerCase();
/** Longest first, so that "还没拿到offer" is tried before "offer". */
const words = (xs: string[] | undefined) => [...new Set((xs ?? []).map(norm).filter(Boolean))].sort((a, b) => b.length - a.length);

/**
 * Loads every `understanding*.yaml` in `dir` and merges them (lists are concatenated); other stages keep
 * their own cue files beside them (e.g. `import.yaml`). A missing folder gives empty tables (the
 * understanding stage then only uses the extractor). `knownFacts` checks fact-cue names.
 */
export function loadCueTables(dir: string, knownFacts?: Set<string>): CueTables {
  const out = emptyCueTables();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)
    .filter((f) => /^understanding.*\.ya?ml$/.test(f))
    .sort()) {
    const file = join(dir, name);
    const d = readYamlFile(file, CueFileSchema, (m) => new CueLoadError(m), ' — see docs/assistant.md "Cue tables"');
    for (const [g, ws] of Object.entries(d.goals)) out.goals[g] = words([...(out.goals[g] ?? []), ...ws]);
    for (const k of [
      'comparison',
      'notComparison',
      'comparisonAfter',
      'hypothetical',
      'reported',
      'hires',
      'others',
      'askedFor',
      'self',
      'notSelf',
      'selfAgain',
      'thirdPerson',
      'together',
      'joined',
      'plans',
      'plural',
      'askFor',
      'proxies',
      'asks',
      'measure',
      'category',
    ] as const)
      out.roles[k] = words([...out.roles[k], ...(d.roles[k] ?? [])]);
    out.corrections = words([...out.corrections, ...d.corrections]);
    out.correctionsAlone = words([...out.correctionsAlone, ...d.correctionsAlone]);
    out.correctionRejected = words([...out.correctionRejected, ...d.correctionRejected]);
    for (const key of ['label', 'labelAfterComma'] as const) {
      const source = d.people[key];
      if (!source) continue;
      try {
        new RegExp(source, 'u');
      } catch (e) {
        throw new CueLoadError(`${file}: people.${key}: "${source}" is not a valid regular expression: ${(e as Error).message}`);
      }
      out.people[key] = source;
    }
    out.people.notLabels = words([...out.people.notLabels, ...(d.people.notLabels ?? [])]);
    out.people.askedBefore = words([...out.people.askedBefore, ...(d.people.askedBefore ?? [])]);
    out.people.listBefore = words([...out.people.listBefore, ...(d.people.listBefore ?? [])]);
    out.fillers = words([...out.fillers, ...d.fillers]);
    out.joiners = words([...out.joiners, ...d.joiners]);
    out.withNumber = words([...out.withNumber, ...d.withNumber]);
    out.negation = words([...out.negation, ...d.negation]);
    if (d.negationModals) out.negationModals = words([...out.negationModals, ...d.negationModals]);
    out.years.reference = words([...out.years.reference, ...(d.years.reference ?? [])]);
    out.years.next = words([...out.years.next, ...(d.years.next ?? [])]);
    out.years.sameMonth = words([...out.years.sameMonth, ...(d.years.sameMonth ?? [])]);
    out.years.durationBefore = words([...out.years.durationBefore, ...(d.years.durationBefore ?? [])]);
    out.years.twoDigitBefore = words([...out.years.twoDigitBefore, ...(d.years.twoDigitBefore ?? [])]);
    out.years.durationAfter = words([...out.years.durationAfter, ...(d.years.durationAfter ?? [])]);
    out.years.partsOfNamedYear = words([...out.years.partsOfNamedYear, ...(d.years.partsOfNamedYear ?? [])]);
    if (d.years.twoDigitYears) {
      if (d.years.twoDigitYears[0] > d.years.twoDigitYears[1]) throw new CueLoadError(`${file}: years.twoDigitYears: low above high`);
      out.years.twoDigitYears = d.years.twoDigitYears;
    }
    for (const [w, n] of Object.entries(d.years.offset ?? {})) out.years.offset[norm(w)] = n;
    for (const key of ['yearParts', 'englishYearParts', 'englishQuarters'] as const)
      for (const [w, p] of Object.entries(d[key])) {
        if (p[0] > p[1]) throw new CueLoadError(`${file}: ${key}.${w}: first month after the last`);
        out[key][norm(w)] = p;
      }
    out.situation = words([...out.situation, ...d.situation]);
    out.situationLead = words([...out.situationLead, ...d.situationLead]);
    for (const f of d.situationFacts)
      if (knownFacts && !knownFacts.has(f)) throw new CueLoadError(`${file}: situationFacts: ${f}: not a fact of corpus/rules/facts.yaml`);
    out.situationFacts = [...new Set([...out.situationFacts, ...d.situationFacts])];
    out.deadlineAfter = words([...out.deadlineAfter, ...d.deadlineAfter]);
    out.present = words([...out.present, ...d.present]);
    out.questionWords = words([...out.questionWords, ...d.questionWords]);
    out.questionEnd = words([...out.questionEnd, ...d.questionEnd]);
    out.questionStart = words([...out.questionStart, ...d.questionStart]);
    out.amountAsked = words([...out.amountAsked, ...d.amountAsked]);
    out.domestic.markers = words([...out.domestic.markers, ...(d.domestic.markers ?? [])]);
    out.domestic.universities = words([...out.domestic.universities, ...(d.domestic.universities ?? [])]);
    out.domestic.partOfName = words([...out.domestic.partOfName, ...(d.domestic.partOfName ?? [])]);
    out.notWorking = words([...out.notWorking, ...d.notWorking]);
    for (const k of ['places', 'work', 'shanghai', 'past', 'study', 'now'] as const)
      out.workElsewhere[k] = words([...out.workElsewhere[k], ...(d.workElsewhere[k] ?? [])]);
    out.intent = words([...out.intent, ...d.intent]);
    out.districts = words([...out.districts, ...d.districts]);
    out.existence = words([...out.existence, ...d.existence]);
    for (const [name, district] of Object.entries(d.districtNames)) out.districtNames[norm(name)] = district;
    for (const [phrase, value] of Object.entries(d.eras)) out.eras[norm(phrase)] = value;
    out.owner = words([...out.owner, ...d.owner]);
    out.districtAnaphora = words([...out.districtAnaphora, ...d.districtAnaphora]);
    out.information = words([...out.information, ...d.information]);
    for (const [fact, ws] of Object.entries(d.dateFacts)) {
      if (knownFacts && !knownFacts.has(fact)) throw new CueLoadError(`${file}: dateFacts.${fact}: not a fact of corpus/rules/facts.yaml`);
      out.dateFacts[fact] = words([...(out.dateFacts[fact] ?? []), ...ws]);
    }
    for (const [fact, c] of Object.entries(d.facts)) {
      if (knownFacts && !knownFacts.has(fact)) throw new CueLoadError(`${file}: facts.${fact}: not a fact of corpus/rules/facts.yaml`);
      const prev = out.facts[fact] ?? { true: [], false: [], denied: [] };
      out.facts[fact] = {
        true: words([...prev.true, ...(c.true ?? [])]),
        false: words([...prev.false, ...(c.false ?? [])]),
        denied: words([...prev.denied, ...(c.denied ?? [])]),
      };
    }
    out.doubt.vague = words([...out.doubt.vague, ...(d.doubt.vague ?? [])]);
    out.doubt.unsure = words([...out.doubt.unsure, ...(d.doubt.unsure ?? [])]);
    out.doubt.approxBefore = words([...out.doubt.approxBefore, ...(d.doubt.approxBefore ?? [])]);
    out.doubt.approxAfter = words([...out.doubt.approxAfter, ...(d.doubt.approxAfter ?? [])]);
    out.doubt.alternatives = words([...out.doubt.alternatives, ...(d.doubt.alternatives ?? [])]);
    out.doubt.calendarUnits = words([...out.doubt.calendarUnits, ...(d.doubt.calendarUnits ?? [])]);
    out.answers.yes = words([...out.answers.yes, ...(d.answers.yes ?? [])]);
    out.answers.no = words([...out.answers.no, ...(d.answers.no ?? [])]);
    Object.assign(out.sentences, d.sentences);
    // (Patterns are kept as written: they are regular expressions, not normalized words.)
    for (const k of ['greeting', 'help', 'eligibility', 'personal'] as const)
      out.route[k] = [...new Set([...out.route[k], ...(d.route[k] ?? [])])];
    if (d.route.trailing) out.route.trailing = d.route.trailing;
    for (const src of [...(d.route.eligibility ?? []), ...(d.route.personal ?? [])]) {
      try {
        new RegExp(src, 'i');
      } catch (e) {
        throw new CueLoadError(`${file}: route: "${src}" is not a valid regular expression: ${(e as Error).message}`);
      }
    }
  }
  return out;
}

/** A bare yes / no answer, trimmed of end punctuation. */
export type YesNo = (text: string) => boolean | undefined;

/**
 * The one yes/no reader of every channel (assistant, Telegram buttons typed as text, terminal chat):
 * true for a word of `answers.yes`, false for one of `answers.no`, else undefined. Whole answers only
 * ("是的" yes, "是的我在上海" no answer).
 *
 * @example
 * const yn = yesNo(loadCueTables('corpus/lang'));
 * yn('嗯嗯。') // true; yn('还没有') // false; yn('可能吧') // undefined
 */
export function yesNo(cues: Pick<CueTables, 'answers'>): YesNo {
  const yes = new Set(cues.answers.yes);
  const no = new Set(cues.answers.no);
  return (text: string) => {
    const t = norm(typeof text === 'string' ? text : '')
      .replace(/[。.!！~～\s]+$/u, '')
      .trim();
    if (no.has(t)) return false;
    if (yes.has(t)) return true;
    return undefined;
  };
}

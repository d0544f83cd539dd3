/**
 * The assistant: one channel-agnostic function from (conversation state, message, as-of date) to a
 * grounded reply. It runs the eligibility rules before it answers, quotes the clause behind every
 * statement, and abstains (pointing to 12333) when the library has no answer.
 *
 * @example
 * const assistant = createAssistant({ documents, chunks, rules, catalog, retriever, extract, options });
 * const { reply, state } = await assistant.reply(undefined, '我是QS前50毕业的，在上海全职工作，能落户吗？', '2026-11-22');
 */
import type { YesNo } from '../../eligibility/cues.ts';
import { evaluate } from '../../eligibility/evaluate.ts';
import { normalizeMessage, type Extraction } from '../../eligibility/extract.ts';
import { formatFactValue, mergeFacts, type Facts } from '../../eligibility/facts.ts';
import { decodeChoice, questionFor, questionForAmbiguity, UNSURE } from '../../eligibility/questions.ts';
import { keywordText, matchedKeywords, rulesForText, type Condition, type FactCatalog, type Rule } from '../../eligibility/rules.ts';
import type { Chunk, DocumentMeta, SearchResult } from '../../retrieval/types.ts';
import { detectLang } from './lang.ts';
import { decide, DEFAULT_DECIDE_WEIGHTS, type DecideWeights } from './decide.ts';
import { isPersonal, route, type RouteCues } from './route.ts';
import type { UnderstandContext, Understanding } from '../../eligibility/understand.ts';
import { mergeStated, resumeState } from './state.ts';
import { createReplyContext, measureEnded, measureWindow, pick } from './context.ts';
import { decisionJson, eligibilityReply, finishReply, lineReply, matchAnswer, otherRuleNotes, ASSISTANT_NOTE_PRIORITIES } from './reply.ts';
import { informationReply } from './information.ts';
import { defaultReplyKit, type ReplyKit } from '../reply/kit.ts';
import type { NoteBlock } from '../reply/blocks.ts';
import { classifyScope } from '../reply/scope.ts';
import { displayValue } from '../reply/format.ts';
import { hasGlossaryTopic, translateQuery, type Glossary } from '../../text/glossary.ts';

export { measureEnded, measureWindow };
import type { Assistant, ConversationState, FollowUp, Reply } from './types.ts';

/** Extracts facts from one message; `context.openFact` is the fact the bot just asked for. */
export type ExtractFn = (text: string, asOf: string, context?: { openFact?: string | null; contextYear?: number | null }) => Extraction;

/** The retrieval side the assistant needs. */
export interface SearchPort {
  readonly model: string;
  search(query: string, opts: { k?: number; district?: string }): Promise<SearchResult>;
}

export interface AssistantOptions {
  /** Below this retrieval confidence the assistant abstains. 0..1. */
  abstainBelow: number;
  /** Documents older than this get a "confirm the current rule" note (0 = never). */
  docMaxAgeYears: number;
  /** Conversation state idle timeout. */
  idleMinutes: number;
  /** Longest message considered; the rest is cut (bounded time on 20 000-character input). */
  maxInputChars?: number;
  /** Whether asking for this fact can help (e.g. `university` only with a rankings table). Default: yes. */
  canAsk?: (fact: string) => boolean;
}

/** The understanding stage (eligibility/understand.ts) bound to its cue tables and extractor. */
export type UnderstandFn = (text: string, ctx: UnderstandContext) => Understanding;

export interface AssistantDeps {
  /** The router's cues (corpus/lang `route:`, compiled by route.ts `compileRouteCues`). */
  routing: RouteCues;
  /** When given, messages go through the understanding stage (roles, goals, dates); else only `extract`. */
  understand?: UnderstandFn;
  /** Sentences said back (corrections, situation date), from corpus/lang/*.yaml `sentences:`. */
  sentences?: Record<string, { zh: string; en: string }>;
  /** Bare yes / no answers (eligibility/cues.ts `yesNo`, corpus/lang `answers:`); without it none are read. */
  yesNo?: YesNo;
  /** English → Chinese search terms (corpus/lang/glossary-en.yaml) for English questions; without it they search as typed. */
  glossary?: Glossary | null;
  /** Weights of the rule choice (decide.ts); default DEFAULT_DECIDE_WEIGHTS. */
  decideWeights?: DecideWeights;
  /** Chat words written the standard way (text/colloquial.ts, corpus/lang/colloquial.yaml); without it messages are read as typed. */
  colloquial?: (text: string) => string;
  /** Locales, out-of-scope table, answer cues, clause labels (bot/reply/kit.ts); default: the locales only. */
  reply?: ReplyKit;
  documents: (DocumentMeta & { id: string })[];
  chunks: Chunk[];
  rules: Rule[];
  catalog: FactCatalog;
  search: SearchPort;
  extract: ExtractFn;
  options: AssistantOptions;
}

/** A rule is checked without its words once the conversation gave this many of its facts (2–5; 3 measured). */
const MIN_CONVERSATION_FACTS = 3;
/** A message this short that names a measure ("骨干人才激励", "安居资助怎么申请") asks about the person's case (8–20; 12 measured). */
const BARE_MEASURE_CHARS = 12;
/** A remark after a verdict this short (characters) that the library has nothing on restates the verdict (12–40; 24 measured). */
const AFTER_VERDICT_CHARS = 24;
/** A message of at most this many characters that names one goal is that goal's check ("落户"; 2–4; 2 measured). */
const BARE_GOAL_CHARS = 2;
/** A message giving this many of a rule's conditions is that rule's check, even without its words (2–4; 2 measured). */
const PROFILE_FACTS = 2;
/**
 * A question in general words with this many clauses that state the person's facts besides it ("格罗宁根
 * 毕业，全职，需要交满几个月社保") asks about the person's case, not the measure in general (2–3; 2 measured).
 */
const CASE_STATEMENTS = 2;
/** Fact types that are dates. */
const DATE_TYPES = new Set(['date', 'month', 'month_list']);
/** The goal id of the profile question (corpus/lang goals: match). */
const MATCH_GOAL = 'match';

/** Creates the assistant from already-loaded pieces (see bot/app.ts for the wiring). */
export function createAssistant(deps: AssistantDeps): Assistant {
  const ctx = createReplyContext(deps);
  const { docs, districtIn } = ctx;
  const maxInput = deps.options.maxInputChars ?? 2000;
  const kit = deps.reply ?? defaultReplyKit(deps.chunks);
  const yesNo: YesNo = deps.yesNo ?? (() => undefined);

  const ruleFacts = new Map(deps.rules.map((r) => [r.id, factsOf(r)]));
  // Goals that a district's measure serves here (subsidy): asked of a district the library lacks, no answer.
  const districtRules = deps.rules.filter((r) => docs.get(r.cite.docId)?.district);
  const districtGoals = new Set(districtRules.flatMap((r) => r.goals));
  const districtCaseFacts = new Set(districtRules.flatMap((r) => [...(ruleFacts.get(r.id) ?? [])]));
  const conditionFacts = new Map(deps.rules.map((r) => [r.id, factsOf({ ...r, appliesIf: undefined })]));
  // Keywords of exactly one rule tell that rule apart; shared ones (落户, 社保) do not.
  const keywordUse = new Map<string, number>();
  for (const r of deps.rules)
    for (const k of new Set(r.keywords.map((x) => x.toLowerCase()))) keywordUse.set(k, (keywordUse.get(k) ?? 0) + 1);
  const distinctiveHits = (rule: Rule, kwText: string) =>
    matchedKeywords(rule, kwText).filter((k) => keywordUse.get(k.toLowerCase()) === 1).length;

  /** The one rule that cites the best search hit's clause, if any (the measure an information answer was about). */
  function ruleOfTopHit(res: SearchResult): string | null {
    const top = res.hits[0]?.chunk.id;
    const rules = top ? deps.rules.filter((x) => x.citeChunkIds.includes(top)) : [];
    return rules.length === 1 ? rules[0]!.id : null;
  }

  /** Facts given by a typed answer to the open question (a choice label, yes/no, or extracted). */
  function answerFacts(open: FollowUp, text: string, extracted: Facts): Facts {
    if (extracted[open.fact] !== undefined) return { [open.fact]: extracted[open.fact] } as Facts;
    const t = text.trim().replace(/[。.!！?？\s]+$/u, '');
    const choice = open.choices?.find((c) => c.label === t || c.label.toLowerCase() === t.toLowerCase());
    if (choice) return { [open.fact]: decodeChoice(choice.value) } as Facts;
    const type = deps.catalog[open.fact]?.type;
    if (type === 'boolean') {
      const yn = yesNo(t);
      if (yn !== undefined) return { [open.fact]: yn } as Facts;
    }
    if ((type === 'number' || type === 'integer') && /^\d{1,4}$/.test(t)) return { [open.fact]: Number(t) } as Facts;
    return {} as Facts;
  }

  async function reply(state0: ConversationState | undefined, message: string, asOf: string, now: number = Date.now()) {
    let state = resumeState(state0, now, deps.options.idleMinutes);
    const question = typeof message === 'string' ? message : '';
    // (Slang and pinyin read as the standard words: "啥时候到期", "lh"; the reply quotes the message as typed.)
    const typed = question.slice(0, maxInput).trim();
    const text = deps.colloquial ? deps.colloquial(typed) : typed;
    const lang = detectLang(text);
    const open = state.openQuestion ?? null;
    const none: Extraction = { facts: {} as Facts, notes: [], ambiguities: [], evidence: {} };
    let extraction = none;
    let understood: Understanding | undefined;
    // With no question open, a bare date ("2022年的") during a rule's check is that rule's unknown date fact.
    // The rule being checked, or the one whose clause the last information answer quoted ("线上培训补贴能领几次"
    // → "22年10月的 之前领过1次": the facts that follow are that measure's, and re-open its check).
    const activeRule = state.ruleId ?? state.topicRule ?? null;
    const ruleUnderWay = activeRule ? deps.rules.find((x) => x.id === activeRule) : undefined;
    const pendingDate =
      ruleUnderWay && text.length <= BARE_MEASURE_CHARS
        ? [...(conditionFacts.get(ruleUnderWay.id) ?? [])].find((f) => DATE_TYPES.has(deps.catalog[f]?.type ?? '') && !(f in state.facts))
        : undefined;
    // (A message that names one of a list of people given before, "问的是B", "And what about B?", is read with
    // the list.)
    const listBefore = state.people?.labels.some((l) => text.includes(l)) ? state.people : null;
    const read = listBefore ? `${listBefore.text}\n${text}` : text;
    try {
      if (deps.understand) {
        understood = deps.understand(read, {
          asOf,
          topicFacts: ruleUnderWay ? [...(ruleFacts.get(ruleUnderWay.id) ?? [])] : undefined,
          referenceYear: state.contextYear ?? null,
          openFact: open?.fact ?? state.expect ?? pendingDate ?? null,
          lastFacts: state.lastFacts ?? [],
          known: state.facts,
        });
        extraction = {
          facts: understood.facts,
          notes: understood.notes,
          ambiguities: understood.ambiguities,
          evidence: understood.evidence,
        };
      } else
        extraction = deps.extract(text, asOf, {
          openFact: open?.fact ?? state.expect ?? pendingDate ?? null,
          contextYear: state.contextYear ?? null,
        });
      // (A message that asks of another person by he or she alone, "先说她的 她能落户吗", after one that stated their
      // facts beside the asker's, is read with that one.)
      if (
        deps.understand &&
        understood?.subject === 'other' &&
        !understood.speaksOfAnother &&
        state.anotherText &&
        state.subject !== 'other'
      ) {
        understood = deps.understand(`${state.anotherText}\n${text}`, {
          asOf,
          referenceYear: state.contextYear ?? null,
          openFact: null,
          lastFacts: [],
          known: {},
        });
        extraction = {
          facts: understood.facts,
          notes: understood.notes,
          ambiguities: understood.ambiguities,
          evidence: understood.evidence,
        };
      }
    } catch {
      extraction = none;
    }
    // A message that states another person's case than the one so far ("那我呢？我是香港大学硕士" after a colleague's)
    // starts that case afresh: the facts so far were the other's.
    const subject = understood?.subject ?? null;
    if (subject && state.subject && subject !== state.subject && Object.keys(extraction.facts).length)
      state = { ...state, facts: {}, sources: {}, lastFacts: [], ruleId: null, openQuestion: null, expect: null, situationDate: null };
    // The message without its university names (浙大, 墨尔本大学: a place inside a name is not a place asked about).
    const withoutNames = (s: string) => {
      const names = understood?.nameText ?? (extraction.evidence.university ? [extraction.evidence.university] : []);
      let out = names.length ? normalizeMessage(s) : s;
      for (const n of names) out = out.split(n).join(' ');
      return out;
    };
    // …and without the clauses that are not about the person (comparison, hearsay: "我朋友是剑桥的…").
    const withoutOthers = (s: string) => {
      let out = s;
      for (const o of understood?.otherText ?? []) out = normalizeMessage(out).split(o).join(' ');
      return out;
    };
    // The goals of this message, else the ones the conversation named earlier ("想落户" … "全职").
    const goalsNow = understood?.goals ?? [];
    const goals = goalsNow.length ? goalsNow : (state.goals ?? []);
    // "不清楚" on a question with a not-sure button: ask for something that leads to the value, or say where to look it up.
    const unsure = open?.choices?.find(
      (c) => c.value === UNSURE && c.label.toLowerCase() === text.replace(/[。.!！\s]+$/u, '').toLowerCase(),
    );
    const unsureSpec = open ? deps.catalog[open.fact]?.unsure : undefined;
    if (open && unsure && unsureSpec) {
      const askOther = unsureSpec.ask && (deps.options.canAsk?.(unsureSpec.ask) ?? true);
      const fu = askOther ? questionFor(unsureSpec.ask!, deps.catalog, lang) : open;
      const lead = askOther ? kit.locales[lang].t('follow_up.no_problem') : pick(unsureSpec.hint, lang);
      const reply = lineReply(question, lang, 'follow_up', lead, 'follow_up', fu);
      return finishReply(kit, reply, state, { ...state, updatedAt: now, openQuestion: fu, expect: fu.fact });
    }
    const given = open ? answerFacts(open, text, extraction.facts) : ({} as Facts);
    const newFacts = mergeFacts(extraction.facts, given);
    // (…or one clause stating two facts of one rule, its precondition included: "宝山重点企业骨干，能拿多少激励".)
    const statesCase =
      !!understood &&
      (understood.statements >= CASE_STATEMENTS ||
        deps.rules.some((x) => understood!.statedFacts.filter((f) => ruleFacts.get(x.id)?.has(f)).length >= PROFILE_FACTS));
    const asksInGeneral = !!understood?.asksInformation && !statesCase;
    const kwText = keywordText(text);
    const textRules = rulesForText(deps.rules, text);
    // A message that adds facts of the rule under discussion continues that check (even after a verdict).
    const currentRuleFacts = activeRule ? ruleFacts.get(activeRule) : undefined;
    // (Not a fact inside a general question: "what did the notice say about a green channel for overseas
    // graduates?" after a verdict asks for information; its "overseas graduates" is no answer.)
    const updatesCurrentRule =
      !!currentRuleFacts &&
      Object.keys(newFacts).some((f) => currentRuleFacts.has(f) && (!asksInGeneral || !!understood?.statedFacts.includes(f)));
    // A distinctive word of a rule (平均工资, 骨干, 安居) with a date of one of its facts ("23年5月办居转户
    // 平均工资…") is a question about the person's own matter on that date.
    const distinctiveFact = deps.rules.some(
      (x) =>
        distinctiveHits(x, kwText) > 0 &&
        [...(conditionFacts.get(x.id) ?? [])].some((f) => f in newFacts && DATE_TYPES.has(deps.catalog[f]?.type ?? '')),
    );
    // A goal named with intent, or a rule's distinctive word, and no fact yet ("骨干人才激励怎么申请",
    // "我想落户上海"): start the goal's rule and ask its first deciding question.
    // A goal word alone ("落户", "落户？"): what the person wants, typed as short as it gets — unless
    // district measures serve that goal too (补贴): which district's would be a guess.
    const bareGoal =
      goalsNow.length === 1 && !districtGoals.has(goalsNow[0]!) && text.replace(/[\p{P}\p{S}\s]/gu, '').length <= BARE_GOAL_CHARS;
    const goalOnly =
      goalsNow.length > 0 &&
      !goalsNow.includes(MATCH_GOAL) &&
      Object.keys(newFacts).length === 0 &&
      !open &&
      !asksInGeneral &&
      ((!!understood?.intent && isPersonal(text, deps.routing)) ||
        bareGoal ||
        (text.length <= BARE_MEASURE_CHARS &&
          deps.rules.some((x) => x.goals.some((g) => goalsNow.includes(g)) && distinctiveHits(x, kwText) > 0)));
    // A supposition alone, about the rule under discussion ("那如果我们学校QS是第45呢"): the check, as supposed.
    const pureSupposition =
      !!currentRuleFacts &&
      Object.keys(newFacts).length === 0 &&
      Object.keys(understood?.supposed ?? {}).some((f) => currentRuleFacts.has(f));
    const caseDistrict = typeof state.facts.workDistrict === 'string' ? state.facts.workDistrict : undefined;
    const ruleDistrict = ruleUnderWay ? docs.get(ruleUnderWay.cite.docId)?.district : undefined;
    const asksAnotherDistrict =
      !!activeRule &&
      Object.keys(newFacts).length === 0 &&
      (understood?.districtsAsked ?? []).some((d) => d !== caseDistrict && d !== ruleDistrict);
    let r = route(
      {
        text,
        hasOpenQuestion: !!open || !!currentRuleFacts,
        answersOpenQuestion: (!!open && Object.keys(given).length > 0) || updatesCurrentRule,
        newFacts: Object.keys(newFacts).length,
        ruleHits: textRules.length,
        // A goal with intent ("想落户"), or with two facts of one of the goal's rules ("悉尼大学 全职 落户").
        goalOnly,
        supposes: pureSupposition,
        goal:
          distinctiveFact ||
          // Facts alone, two of one rule's conditions ("QS 45 全职"): the person describes their case.
          (!asksInGeneral && deps.rules.some((x) => [...(conditionFacts.get(x.id) ?? [])].filter((f) => f in newFacts).length >= 2)) ||
          // A goal and two facts of a rule serving it, its precondition included ("宝山一家重点企业的研发骨干
          // 有啥激励吗": where they work and their status); or, in a message this short, a rule's own word
          // and one of its facts ("宝山 安居资助").
          (goalsNow.length > 0 &&
            (!!understood?.intent ||
              (text.length <= BARE_MEASURE_CHARS &&
                !asksInGeneral &&
                !understood?.question &&
                deps.rules.some(
                  (x) =>
                    x.goals.some((g) => goalsNow.includes(g)) &&
                    distinctiveHits(x, kwText) > 0 &&
                    [...(ruleFacts.get(x.id) ?? [])].some((f) => f in newFacts),
                )) ||
              deps.rules.some(
                (x) =>
                  !asksInGeneral &&
                  x.goals.some((g) => goalsNow.includes(g)) &&
                  [...(ruleFacts.get(x.id) ?? [])].filter((f) => f in newFacts).length >= PROFILE_FACTS,
              ))),
        conversationFacts:
          Object.keys(newFacts).length > 0 &&
          deps.rules.some((x) => {
            const fs = [...(ruleFacts.get(x.id) ?? [])];
            return fs.some((f) => f in newFacts) && fs.filter((f) => f in newFacts || f in state.facts).length >= MIN_CONVERSATION_FACTS;
          }),
        goalFacts:
          goals.length > 0 &&
          deps.rules.some((x) => {
            if (!x.goals.some((g) => goals.includes(g))) return false;
            const fs = [...(ruleFacts.get(x.id) ?? [])];
            // A goal named now and a fact known before, or a goal named before and a fact given now.
            // (A goal and a fact in the same message count through `goal` above: with intent or two facts.)
            return goalsNow.length ? fs.some((f) => f in state.facts) : fs.some((f) => f in newFacts);
          }),
        // (…or a question whether another district has a measure, during a check: "does Changning have anything
        // like rent subsidies?" after Baoshan's verdict asks about Changning, not the person's case.)
        generalQuestion: (asksInGeneral && !understood?.intent) || asksAnotherDistrict,
        describesCase: understood ? understood.statements > 0 : undefined,
      },
      deps.routing,
    );
    const yearNamed = /(20\d{2})\s*年/.exec(text);
    const sources = { ...(state.sources ?? {}) };
    for (const sp of understood?.spans ?? []) {
      if ((sp.role === 'self' || sp.role === 'negated') && newFacts[sp.fact] !== undefined)
        sources[sp.fact] = { text: sp.text, span: sp.span };
    }
    for (const f of Object.keys(given)) if (!understood?.facts[f] || !sources[f]) sources[f] = { text, button: true };
    if (!understood) for (const [f, ev] of Object.entries(extraction.evidence)) sources[f] ??= { text: ev };
    const next: ConversationState = {
      ...state,
      updatedAt: now,
      contextYear: understood ? understood.referenceYear : yearNamed ? Number(yearNamed[1]) : (state.contextYear ?? null),
      // (A year alone does not blur a day already set in it: "22年8月…当时能先办许可吗" then "…年底前补".)
      subject: subject ?? state.subject ?? null,
      situationDate:
        understood?.situationDate && !state.situationDate?.startsWith(understood.situationDate)
          ? understood.situationDate
          : (state.situationDate ?? understood?.situationDate ?? null),
      sources,
      lastFacts: Object.keys(newFacts).length ? Object.keys(newFacts) : (state.lastFacts ?? []),
      goals,
      topicRule: null,
      // (A list of people is kept for the next message, which may ask about another of them.)
      people: understood?.people ? { text: listBefore ? listBefore.text : text, labels: understood.people.labels } : null,
      anotherText: understood?.speaksOfAnother ? text : (state.anotherText ?? null),
    };
    let searchResult: Promise<SearchResult> | undefined;
    // An English question searches the Chinese library with the glossary's terms added (text/glossary.ts)…
    // A short information question right after another ("伯乐奖励是啥" → "最多给多少") asks about the same
    // topic: the earlier question's words are searched with it.
    const followsTopic =
      r === 'information' && !!state.topic && text.length <= BARE_MEASURE_CHARS && !goalsNow.length && !Object.keys(newFacts).length;
    const asked = followsTopic ? `${state.topic} ${text}` : text;
    // (…and so does a Chinese one with English terms in it: "长宁的talent rental subsidy是怎么申请的".)
    const query = deps.glossary && (lang === 'en' || hasGlossaryTopic(asked, deps.glossary)) ? translateQuery(asked, deps.glossary) : asked;
    // The district asked about: one named in the person's own words before one named for comparison
    // ("像宝山那样的人才安居 长宁有没有" is about 长宁).
    const askedDistrict = districtIn(withoutOthers(text)) ?? districtIn(query);
    const searched = () => (searchResult ??= deps.search.search(query, { k: 5, district: askedDistrict }));
    // A district named in the person's words whose documents the library lacks, with none that it holds named
    // ("徐汇区的人才安居政策是怎样的", "闵行区重点企业骨干人才有没有奖励？我们公司在闵行"): another district's
    // measure answers nothing about it — no district's rule is checked, and a district clause is no answer.
    // (A district the library holds named only for comparison, "嘉定有没有像宝山那样的安居资助", is no district asked;
    // a person who states their case for a district measure, "…我们闵行有吗 我是重点企业骨干", gets it checked.)
    const unlistedNamed = (understood?.districtsNamed ?? []).find((d) => !ctx.districts.includes(d));
    const unlistedDistrict =
      r !== 'follow_up' &&
      !districtIn(withoutOthers(text)) &&
      !Object.keys(newFacts).some((f) => districtCaseFacts.has(f) && String(newFacts[f as keyof Facts]) !== unlistedNamed)
        ? unlistedNamed
        : undefined;
    /** The "no documents of that district" answer, when the best clause found is another district's. */
    const otherDistrictAnswer = async (): Promise<Reply | null> => {
      if (!unlistedDistrict) return null;
      const res = await searched();
      const best = res.hits[0] && docs.get(res.hits[0].chunk.docId);
      if (res.confidence < deps.options.abstainBelow || !best?.district || best.district === unlistedDistrict) return null;
      return lineReply(question, lang, 'abstain', t('abstain.district', { district: unlistedDistrict }), 'information');
    };
    const done = (reply: Reply, s: ConversationState = next) => finishReply(kit, { ...reply, route: reply.route ?? r }, state, s);
    const t = kit.locales[lang].t;

    if (r === 'empty') return done(lineReply(question, lang, 'abstain', t('abstain.empty'), r));
    if (r === 'help') return done(lineReply(question, lang, 'help', t('help.text'), r));
    // Out of scope (another city, tax, labour disputes, small talk): its own short answer, before retrieval.
    // Not for an answer to the bot's question, and not for a place inside a university's name (南京大学) —
    // but for a question asked instead of an answer ("那北京呢 北京留学生落户要什么条件").
    if (kit.scope && (r !== 'follow_up' || !!understood?.asksInformation)) {
      const scope = classifyScope(kit.scope, withoutNames(text), lang);
      // (A school or tax remark beside the person's case for a measure here: the case is answered — not when
      // the question itself is that topic: "居住证积分 - how many points do I get for an overseas master's".)
      const asked = understood?.askingText?.toLowerCase();
      const aside =
        scope?.aside &&
        r === 'eligibility' &&
        goalsNow.length > 0 &&
        Object.keys(newFacts).length > 0 &&
        // (…and with no clause that asks, the topic is what the message is about: "应届生落户打分要多少分 我儿子明年毕业".)
        !!asked &&
        !asked.includes(scope.cue.toLowerCase());
      if (scope?.when === 'always' && !aside) {
        const kind = r === 'greeting' && scope.id === 'small_talk' ? 'greeting' : 'out_of_scope';
        return done(lineReply(question, lang, kind, scope.reply, kind === 'greeting' ? r : 'out_of_scope'));
      }
    }
    if (r === 'greeting') return done(lineReply(question, lang, 'greeting', t('help.text'), r));
    // A list of people with no one of them asked about: which one (their facts are not mixed into one case).
    const listed = understood?.people;
    if (listed && !listed.asked && (r === 'eligibility' || goalsNow.length))
      return done(
        lineReply(
          question,
          lang,
          'follow_up',
          t('follow_up.which_person', { people: listed.labels.join(t('follow_up.choice_separator')) }),
          'eligibility',
        ),
        {
          ...next,
          people: { text: listBefore ? listBefore.text : text, labels: listed.labels },
          openQuestion: null,
          expect: null,
        },
      );
    // "徐汇有没有…", "我在闵行 有啥人才补贴": whether a district the library holds no document of has a
    // measure of a kind only districts offer here. The library cannot say: it says so and where to ask,
    // never answering with another district's measure.
    // (A person who also states their case for such a measure — "我在嘉定的重点企业做骨干" — gets it checked.)
    const unlisted = (understood?.districtsAsked ?? []).filter((d) => !ctx.districts.includes(d));
    if (
      r !== 'follow_up' &&
      unlisted.length &&
      unlisted.length === (understood?.districtsAsked ?? []).length &&
      goalsNow.length &&
      goalsNow.every((g) => districtGoals.has(g)) &&
      !Object.keys(newFacts).some((f) => districtCaseFacts.has(f) && !unlisted.includes(String(newFacts[f as keyof Facts])))
    )
      return done(lineReply(question, lang, 'abstain', t('abstain.district', { district: unlisted[0]! }), 'information'), {
        ...next,
        facts: mergeStated(state.facts, newFacts, deps.catalog),
      });
    let restated = false;
    // A short remark after a verdict that gives no fact and asks nothing the library knows ("started last
    // month"): the verdict on what the person said still stands, so it is given again, not "nothing found".
    if (
      r === 'information' &&
      state.ruleId &&
      !open &&
      text.length <= AFTER_VERDICT_CHARS &&
      !Object.keys(newFacts).length &&
      !goalsNow.length &&
      (!understood?.asksInformation
        ? (await searched()).confidence < deps.options.abstainBelow
        : // …or asks about the measure just judged ("税前年收入60万 能拿多少" after the backbone verdict): the
          // verdict's answer line says it, with the person's case. (Not a question on something else about
          // it — "那落户申请是单位去办还是我自己去", "要交多久社保": the clause answers that.)
          ruleOfTopHit(await searched()) === state.ruleId && (!!understood?.intent || !!understood?.asksAmount))
    ) {
      r = 'follow_up';
      restated = !understood?.asksInformation;
    }
    // A short reply to the bot's question that answers nothing readable ("人在上海" to "全职吗？"): the
    // question is asked again, rather than a clause found for a few words.
    if (
      r === 'information' &&
      open &&
      text.length <= BARE_MEASURE_CHARS &&
      !Object.keys(newFacts).length &&
      !goalsNow.length &&
      !understood?.asksInformation &&
      !understood?.intent &&
      !/[?？]/.test(text)
    )
      return done(lineReply(question, lang, 'follow_up', t('follow_up.again'), 'follow_up', open), {
        ...next,
        openQuestion: open,
        expect: open.fact,
      });

    // The profile question ("我能享受哪些政策", /match): every measure with its verdict on what is known, best first.
    if (goalsNow.includes(MATCH_GOAL) && r !== 'follow_up') {
      const facts = mergeStated(state.facts, newFacts, deps.catalog);
      const allGoals = [...new Set(deps.rules.flatMap((x) => x.goals))];
      const d = decide(
        {
          candidates: deps.rules,
          facts,
          asOf,
          situationDate: next.situationDate ?? null,
          kwText: '',
          given: new Set(Object.keys(newFacts)),
          hits: [],
          goals: allGoals,
          ruleFacts,
        },
        { catalog: deps.catalog, weights: deps.decideWeights ?? DEFAULT_DECIDE_WEIGHTS, pastDay: deps.sentences?.pastDay },
      );
      if (d) {
        const { reply: lead, followUp } = eligibilityReply(ctx, kit, d.lead, facts, question, asOf, lang, [], {
          sources,
          judgedOn: d.situationDate,
        });
        if (lead.blocks) lead.blocks.answer.text = matchAnswer(ctx, kit, d, lang, lead.blocks.answer.text);
        lead.decision = decisionJson(d, facts, sources);
        return done(lead, {
          ...next,
          facts: facts as Record<string, unknown>,
          ruleId: d.lead.ruleId,
          openQuestion: followUp,
          expect: followUp?.fact ?? null,
        });
      }
    }

    if (r === 'eligibility' || r === 'follow_up') {
      const facts = mergeStated(state.facts, newFacts, deps.catalog);
      const ambiguity = extraction.ambiguities?.[0];
      const givenNow = new Set(Object.keys(newFacts));
      let candidates: Rule[];
      // (…and a supposition about the rule under way: that rule, as supposed.)
      if ((r === 'follow_up' || pureSupposition) && activeRule && deps.rules.some((x) => x.id === activeRule)) {
        candidates = deps.rules.filter((x) => x.id === activeRule);
        // A fact the rule under way does not use but another rule's conditions do ("我在宝山一家重点企业
        // 算骨干" while the housing support asks the talent category): that rule is a candidate too.
        const activeFacts = ruleFacts.get(activeRule) ?? new Set<string>();
        const elsewhereFacts = [...givenNow].filter((f) => !activeFacts.has(f));
        if (elsewhereFacts.length)
          candidates.push(...deps.rules.filter((x) => x.id !== activeRule && elsewhereFacts.some((f) => conditionFacts.get(x.id)?.has(f))));
      } else {
        const byFacts = deps.rules.filter((x) => [...(ruleFacts.get(x.id) ?? [])].some((f) => givenNow.has(f)));
        candidates = [...new Set([...textRules, ...byFacts])];
        // A goal (落户, 补贴, 许可…) plus any fact of a rule serving it starts that rule's check.
        // A fact of the rule's conditions, or one of its preconditions that rules it out ("交大毕业": not a
        // returnee) — a precondition that holds ("留学回国人员落户有什么初审制度") is no check by itself.
        const startsCheck = (x: Rule) =>
          [...(conditionFacts.get(x.id) ?? [])].some((f) => f in facts) ||
          ([...(ruleFacts.get(x.id) ?? [])].some((f) => f in facts) &&
            evaluate([x], facts, asOf, { catalog: deps.catalog })[0]?.verdict === 'not_applicable');
        const goalRules = goals.length ? deps.rules.filter((x) => x.goals.some((g) => goals.includes(g)) && startsCheck(x)) : [];
        if (!textRules.length && activeRule) candidates = [...candidates, ...deps.rules.filter((x) => x.id === activeRule)];
        // A rule is only checked when the question is about it: its clause is among the best search
        // hits, or the message gives several of its facts — and never for another district or city.
        const res = await searched();
        const top = new Set(res.confidence >= deps.options.abstainBelow ? res.hits.slice(0, 3).map((h) => h.chunk.id) : []);
        const top5 = new Set(res.hits.slice(0, 5).map((h) => h.chunk.id));
        const qDistrict = districtIn(text);
        // A place inside a university's name ("华威", "墨尔本大学") is not a question about another city,
        // unless the place is also named outside it ("南京大学本科毕业能在南京落户吗").
        // Nor is a place in a clause that is not about the person ("我朋友是剑桥的…").
        const rest = withoutOthers(withoutNames(text));
        const elsewhere = (res.foreignPlaces ?? []).some((p) => rest.includes(p));
        candidates = candidates.filter((x) => {
          const d = docs.get(x.cite.docId)?.district;
          if (qDistrict && d && d !== qDistrict) return false;
          if (elsewhere || (unlistedDistrict && d)) return false;
          const known = [...(ruleFacts.get(x.id) ?? [])].filter((f) => givenNow.has(f)).length;
          // Three or more of a rule's facts gathered in this conversation (one of them now) are its check.
          const knownAll = [...(ruleFacts.get(x.id) ?? [])].filter((f) => f in facts).length;
          if (known >= 1 && knownAll >= MIN_CONVERSATION_FACTS) return true;
          // A message that states several of a rule's own conditions ("浙大本科 KCL硕士 现在全职") describes
          // the person's case for that rule, whatever the search makes of its words.
          const knownConditions = [...(conditionFacts.get(x.id) ?? [])].filter((f) => givenNow.has(f)).length;
          // A rule's own word with a date of one of its facts ("23年7月递的材料 平均工资还按原来的吗"): its check.
          if (
            distinctiveHits(x, kwText) > 0 &&
            [...(conditionFacts.get(x.id) ?? [])].some((f) => givenNow.has(f) && DATE_TYPES.has(deps.catalog[f]?.type ?? ''))
          )
            return true;
          if (knownConditions >= PROFILE_FACTS && !asksInGeneral) return true;
          const kw = matchedKeywords(x, kwText).length;
          // A clause among the best hits is enough only with one of the rule's own words or two of its
          // facts: one incidental fact ("企业的员工") must not turn a question into this rule's check.
          // Without any of its facts, a rule needs one of its own distinctive words (名校, 骨干, 安居 —
          // not 落户 or 社保, which several measures share): "博士能直接落户吗" is not measure 三's check.
          if (known === 0 && distinctiveHits(x, kwText) === 0) return false;
          // When the search is confident about other clauses and this rule's clause is not even among
          // the five best hits, the question is about something else ("留学生创业园里的公司房租能减免吗")
          // unless the person gives several of the rule's facts.
          if (res.confidence >= deps.options.abstainBelow && !x.citeChunkIds.some((id) => top5.has(id)) && known < 2) return false;
          if (x.citeChunkIds.some((id) => top.has(id)) && (kw >= 1 || known >= 2)) return true;
          return kw >= 2 || (known >= 2 && kw >= 1);
        });
        for (const g of goalRules) {
          const d = docs.get(g.cite.docId)?.district;
          if (!candidates.includes(g) && !elsewhere && !(unlistedDistrict && d) && !(qDistrict && d && d !== qDistrict)) candidates.push(g);
        }
        // A goal with no fact: the goal's rules named by a distinctive word, else all of them (decide()
        // leads with the one the search and the keywords point to) — its first question is asked.
        // Only when the search points at one of them: "办积分能不能不去现场" names a goal with intent but asks
        // about something else (the clause on sending materials by e-mail).
        if (!candidates.length && goalOnly && !elsewhere) {
          const own = deps.rules.filter((x) => {
            const d = docs.get(x.cite.docId)?.district;
            return x.goals.some((g) => goalsNow.includes(g)) && !(unlistedDistrict && d) && !(qDistrict && d && d !== qDistrict);
          });
          const named = own.filter((x) => distinctiveHits(x, kwText) > 0);
          // Not named: only rules that need a fact of the person (one that stands in today's date for
          // every fact would give a verdict on nothing the person said).
          const asks = own.filter((x) => evaluate([x], {} as Facts, asOf, { catalog: deps.catalog })[0]?.verdict === 'need_more_info');
          const pointed = (named.length ? named : asks).filter((x) => x.citeChunkIds.some((id) => top.has(id)));
          // (A goal word alone asks about nothing else: its rules are checked wherever the search points.)
          candidates = bareGoal && !pointed.length ? (named.length ? named : asks) : pointed;
        }
      }
      const situationDate = next.situationDate ?? null;
      const decision = decide(
        {
          candidates,
          facts,
          asOf,
          situationDate,
          situationAsked: !!understood?.situationAsked,
          kwText,
          askedKwText: understood?.askingText ? keywordText(understood.askingText) : undefined,
          given: givenNow,
          hits: r === 'follow_up' ? [] : (await searched()).hits,
          // No goal named ("华威 全职 社保满6个月 …22年5月晚交 7月补的"): the goals of the rules whose
          // conditions the person describes (two or more of them) are the goals at stake.
          goals: goals.length
            ? goals
            : [
                ...new Set(
                  candidates
                    .filter(
                      (x) =>
                        [...(conditionFacts.get(x.id) ?? [])].filter((f) => f in facts).length >= PROFILE_FACTS &&
                        // (its precondition, if any, stated or assumed by the rule: a new HR agency is not presumed)
                        (x.assumeApplies || [...(ruleFacts.get(x.id) ?? [])].every((f) => conditionFacts.get(x.id)?.has(f) || f in facts)),
                    )
                    .flatMap((x) => x.grants),
                ),
              ],
          ruleFacts,
          doubts: understood?.doubts ?? [],
        },
        { catalog: deps.catalog, weights: deps.decideWeights ?? DEFAULT_DECIDE_WEIGHTS, pastDay: deps.sentences?.pastDay },
      );
      const v = decision?.lead;
      if (v && decision) {
        const P = ASSISTANT_NOTE_PRIORITIES;
        const notes: NoteBlock[] = (extraction.notes ?? []).map((text) => ({ kind: 'other', priority: P.understood, text }));
        // The date judged on (a past situation) is said in the answer line (judgedOn), not again as a note.
        for (const e of understood?.eras ?? [])
          notes.push({ kind: 'assumption', priority: P.corrected, text: ctx.say('eraRead', lang, e) });
        for (const c of understood?.corrections ?? [])
          notes.push({ kind: 'other', priority: P.corrected, text: ctx.say('corrected', lang, { value: formatFactValue(c.to, lang) }) });
        // The confidence gate: say what was not assumed, and forget the doubted facts (they are asked for).
        const gateWord = { year: 'doubtYear', vague: 'doubtVague', university: 'doubtUniversity', date: 'doubtDate' } as const;
        for (const d of decision.doubted) {
          notes.push({ kind: 'assumption', priority: P.doubted, text: ctx.say(gateWord[d.why], lang, { text: d.text }) });
          delete (facts as Record<string, unknown>)[d.fact];
          delete sources[d.fact];
        }
        notes.push(...otherRuleNotes(kit, decision, lang));
        const leadRule = deps.rules.find((x) => x.id === v.ruleId);
        // A case the person supposes ("假如我是QS第45的学校毕业，在上海全职，能落户吗"): its facts are not theirs,
        // so the verdict stays on what they said; what the supposition would give is said as a note.
        const supposed = understood?.supposed ?? {};
        const supposedSpans = (understood?.spans ?? []).filter((sp) => sp.role === 'hypothetical' && sp.fact in supposed);
        const w =
          leadRule && Object.keys(supposed).length
            ? evaluate([leadRule], { ...facts, ...supposed } as Facts, decision.judgedOn, { catalog: deps.catalog })[0]
            : undefined;
        // …but a supposition alone, asked after a check ("那如果我们学校QS是第45呢", "What if my university were in
        // the top 50?"), asks only what it would give: that is the answer, said as supposed, with the verdict on
        // the person's own case beside it. Their facts stay as they are.
        if (leadRule && pureSupposition && w) {
          if (w.verdict === 'eligible' || w.verdict === 'not_eligible') {
            const said = Object.entries(supposed)
              .filter(([f]) => currentRuleFacts?.has(f) && f !== 'rankingSystem')
              .map(([f, value]) => {
                const shown = displayValue(value, deps.catalog[f], kit.locales[lang]) ?? formatFactValue(value, lang);
                // (A yes or no says what it is of: "假如（重点企业骨干人才：否）".)
                const c = w.conditions.find((x) => x.fact === f);
                const label = lang === 'en' ? (c?.labelEn ?? null) : (c?.label ?? null);
                return typeof value === 'boolean' && label ? ctx.say('supposedFact', lang, { label, value: shown }) || shown : shown;
              })
              .join(t('follow_up.choice_separator'));
            const shownSources = { ...sources };
            for (const sp of supposedSpans) shownSources[sp.fact] = { text: sp.text, span: sp.span };
            const asSupposed: NoteBlock = {
              kind: 'assumption',
              priority: P.corrected,
              text: ctx.say('supposedLead', lang, { said, verdict: t(`verdict.${v.verdict}`) }),
            };
            const { reply } = eligibilityReply(
              ctx,
              kit,
              w,
              { ...facts, ...supposed } as Facts,
              question,
              asOf,
              lang,
              [asSupposed, ...notes.filter((n) => n.text)],
              {
                sources: shownSources,
                judgedOn: decision.situationDate,
              },
            );
            // (The answer line says first that it is the supposed case: "假如（QS第45）：符合条件…".)
            if (reply.blocks) reply.blocks.answer.text = ctx.say('supposedAnswer', lang, { said }) + reply.blocks.answer.text;
            reply.decision = decisionJson(decision, facts, sources);
            reply.expired = measureEnded(leadRule, asOf);
            return done(reply, {
              ...next,
              facts: facts as Record<string, unknown>,
              ruleId: v.ruleId,
              openQuestion: null,
              expect: null,
              topic: asked,
            });
          }
        }
        if (w) {
          const said = supposedSpans.map((sp) => sp.text.trim());
          if (w.verdict !== v.verdict && (w.verdict === 'eligible' || w.verdict === 'not_eligible'))
            notes.push({
              kind: 'assumption',
              priority: P.doubted,
              text: ctx.say('supposed', lang, {
                said: [...new Set(said)].join(t('follow_up.choice_separator')),
                verdict: t(`verdict.${w.verdict}`),
              }),
            });
        }
        // (Said plainly when the remark was not understood: the verdict is on what was said before it.)
        if (restated) notes.push({ kind: 'assumption', priority: P.corrected, text: ctx.say('unreadRemark', lang, {}) });
        const { reply, followUp } = eligibilityReply(
          ctx,
          kit,
          v,
          facts,
          question,
          asOf,
          lang,
          notes.filter((n) => n.text),
          { sources, judgedOn: decision.situationDate },
        );
        reply.decision = decisionJson(decision, facts, sources);
        reply.expired = !!leadRule && measureEnded(leadRule, asOf);
        let fu = followUp;
        // Which university a name means is asked only when the answer depends on it: the candidates' ranks
        // (an interval) leave the rank condition undecided.
        const rankOpen = v.conditions.some((c) => c.fact === 'worldRank' && c.status === 'unknown');
        const askWhich = !!ambiguity && (ambiguity.fact !== 'university' || rankOpen || (v.verdict === 'need_more_info' && !fu));
        if (ambiguity && !askWhich && reply.blocks) {
          const value = ambiguity.candidates.map((c) => (lang === 'en' ? c.value : c.label)).join(' / ');
          reply.blocks.notes.unshift({
            kind: 'assumption',
            priority: P.doubted,
            text: ctx.say('sameBand', lang, { text: ambiguity.text, value }),
          });
        }
        if (ambiguity && askWhich) {
          fu = questionForAmbiguity(ambiguity, lang);
          reply.followUp = fu;
          if (reply.blocks) reply.blocks.followUp = { fact: fu.fact, question: fu.question, choices: fu.choices ?? [] };
        }
        // What a bare next message most likely gives: the asked fact, or after a "no" the fact that failed.
        const failed = v.verdict === 'not_eligible' ? v.conditions.filter((c) => c.status === 'fail' && !c.skipped).map((c) => c.fact) : [];
        // Of the failing facts, the one asked last is the one people keep adding to (months of social insurance).
        const failing = failed.sort((a, b) => (leadRule?.ask.indexOf(b) ?? -1) - (leadRule?.ask.indexOf(a) ?? -1))[0];
        const expect = fu?.fact ?? failing ?? null;
        // (The words of the check are the topic of a short information question that follows: "线上培训补贴3次那个"
        // → "什么时候到期".)
        return done(reply, { ...next, facts: facts as Record<string, unknown>, ruleId: v.ruleId, openQuestion: fu, expect, topic: asked });
      }
      // No rule concerns these facts: remember them and answer from the documents.
      const keep = { ...next, facts: facts as Record<string, unknown>, openQuestion: null, expect: null };
      const handoff = await otherDistrictAnswer();
      if (handoff) return done(handoff, keep);
      const info = informationReply(ctx, kit, question, await searched(), asOf, lang, askedDistrict);
      return done(info, {
        ...next,
        facts: facts as Record<string, unknown>,
        openQuestion: null,
        expect: null,
        topic: info.grounded ? asked : null,
        topicRule: info.grounded ? ruleOfTopHit(await searched()) : null,
      });
    }

    const handoff = await otherDistrictAnswer();
    if (handoff)
      return done(handoff, {
        ...next,
        facts: mergeStated(state.facts, newFacts, deps.catalog) as Record<string, unknown>,
        openQuestion: null,
      });
    const info = informationReply(ctx, kit, question, await searched(), asOf, lang, askedDistrict);
    return done(info, {
      ...next,
      facts: mergeStated(state.facts, newFacts, deps.catalog) as Record<string, unknown>,
      openQuestion: null,
      topic: info.grounded ? asked : null,
      topicRule: info.grounded ? ruleOfTopHit(await searched()) : null,
    });
  }

  return {
    reply,
    sources: () => deps.documents.map((d) => ({ ...d })),
  };
}

/** The facts a rule's conditions look at. */
function factsOf(rule: Rule): Set<string> {
  const out = new Set<string>();
  const walk = (c: Condition | undefined): void => {
    if (!c) return;
    if (c.kind === 'leaf') {
      out.add(c.fact);
      if (c.doneFact) out.add(c.doneFact);
    } else c.children.forEach(walk);
  };
  walk(rule.conditions);
  walk(rule.appliesIf);
  return out;
}

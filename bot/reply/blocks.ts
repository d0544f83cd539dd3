/**
 * The structured reply: what the assistant says, as blocks, never as finished text. Each channel renders
 * the blocks (render-telegram.ts, render-terminal.ts; the web later) with the wording of the locale
 * files; `ask --json` adds them as `blocks` (`blocksToJson`). The texts inside the blocks are already in
 * the reply's language (they come from rule data, the fact catalog and the documents); the renderers
 * add only framing words (verdict words, ✓/✗, citation pattern) from `bot/locales/*.yaml`.
 *
 * @example
 * const blocks: ReplyBlocks = { version: 1, kind: 'information', lang: 'zh', answer: { text: '最高奖励50万元。' },
 *   conditions: [], quote: null, notes: [], related: [], followUp: null };
 * parseBlocks(JSON.parse(JSON.stringify(blocksToJson(blocks)))) // the same blocks
 */
import { z } from 'zod';

export type Lang = 'zh' | 'en';

/** pass / fail / unknown as evaluated; `assumed`: the bot assumed the fact (said so, never a ✓). */
export type ConditionStatus = 'pass' | 'fail' | 'unknown' | 'assumed';

/** Where a fact came from: a span of the person's words (offsets into that message), or a button / bare answer. */
export type FactSource =
  | { kind: 'words'; text: string; span: [number, number]; turn?: number }
  | { kind: 'button'; text: string; turn?: number };

/** One condition of the rule as the reply shows it. */
export interface ConditionBlock {
  /** Condition id in the rule (`rank_top50`). */
  id: string;
  /** The fact it looks at (`worldRank`) and its value (facts shape; absent = unknown). */
  fact: string;
  value?: unknown;
  /** The value as people say it, in the reply language (第68名, 8个月, 是). */
  display?: string;
  /** Short description in the reply language (毕业于世界排名前50名院校). */
  label: string;
  status: ConditionStatus;
  /** Required for `pass`/`fail`: the renderer shows a ✓/✗ only for a fact with a source, otherwise "assumed". */
  source: FactSource | null;
  /** Clause label (unique within the document) that imposes the condition. */
  clause: string;
}

/** Title, 文号, clause label and date of a quoted clause. */
export interface Citation {
  docId: string;
  /** Chunk id of the clause (the "already quoted" set holds these). */
  clauseId: string;
  title: string;
  /** The title in English, when the document data has one (English replies avoid Chinese outside quotes). */
  titleEn?: string;
  docNumber: string | null;
  /** Label unique within the document (`三`, `二/（一）`): text/quote.ts `uniqueClauseLabels`. */
  clause: string;
  /** Document date YYYY-MM-DD. */
  date: string | null;
}

/** The quote: the clause text (cleaned, trimmed around the answer; Chinese in every language) and its citation. */
export interface QuoteBlock {
  heading: string | null;
  text: string;
  /** The answering sentence, contained whole in `text` (information replies). */
  answer: string | null;
  citation: Citation;
}

/** What a note is about; the renderer orders notes by `priority` (lower first) and shows at most two. */
export type NoteKind = 'time' | 'assumption' | 'unchecked' | 'district' | 'age' | 'scope' | 'rule' | 'other';

export interface NoteBlock {
  kind: NoteKind;
  /** Lower is shown first. 0–100; time truth 0–10, assumptions 20, rule notes 50, general 80. */
  priority: number;
  text: string;
}

/** Another clause worth reading. */
export interface RelatedBlock {
  citation: Citation;
  heading: string | null;
}

/** The one follow-up question, with answer buttons when few. */
export interface FollowUpBlock {
  fact: string;
  question: string;
  choices: { label: string; value: string }[];
}

export type Verdict = 'eligible' | 'not_eligible' | 'need_more_info' | 'not_applicable';

/** The answer line: one sentence, first. */
export interface AnswerLine {
  text: string;
  verdict?: Verdict;
  /** The measure's period is over on the date judged (the line then says so first). */
  expired?: boolean;
}

/** `follow_up`: a question only (the person was not sure of an answer; the bot asks for something that leads to it). */
export type ReplyKind = 'eligibility' | 'information' | 'follow_up' | 'out_of_scope' | 'abstain' | 'help' | 'greeting';

export interface ReplyBlocks {
  version: 1;
  kind: ReplyKind;
  lang: Lang;
  /** The rule behind an eligibility reply (for "what changed" between turns). */
  ruleId?: string;
  answer: AnswerLine;
  conditions: ConditionBlock[];
  quote: QuoteBlock | null;
  notes: NoteBlock[];
  related: RelatedBlock[];
  followUp: FollowUpBlock | null;
}

/** What the renderer knows about the conversation so far. */
export interface RenderContext {
  /** Clause ids (chunk ids) already quoted in this conversation: cited by label only. */
  quoted?: ReadonlySet<string>;
  /** The previous reply of this conversation: later turns show what changed. */
  previous?: ReplyBlocks | null;
}

const SourceSchema = z.union([
  z.object({
    kind: z.literal('words'),
    text: z.string(),
    span: z.tuple([z.number().int(), z.number().int()]),
    turn: z.number().int().optional(),
  }),
  z.object({ kind: z.literal('button'), text: z.string(), turn: z.number().int().optional() }),
]);
const CitationSchema = z.object({
  docId: z.string(),
  clauseId: z.string(),
  title: z.string(),
  titleEn: z.string().optional(),
  docNumber: z.string().nullable(),
  clause: z.string(),
  date: z.string().nullable(),
});
const VerdictSchema = z.enum(['eligible', 'not_eligible', 'need_more_info', 'not_applicable']);

/** Schema of the JSON form (`ask --json` → `blocks`); `parseBlocks` checks incoming JSON with it. */
export const ReplyBlocksSchema = z.object({
  version: z.literal(1),
  kind: z.enum(['eligibility', 'information', 'follow_up', 'out_of_scope', 'abstain', 'help', 'greeting']),
  lang: z.enum(['zh', 'en']),
  ruleId: z.string().optional(),
  answer: z.object({ text: z.string(), verdict: VerdictSchema.optional(), expired: z.boolean().optional() }),
  conditions: z.array(
    z.object({
      id: z.string(),
      fact: z.string(),
      value: z.unknown().optional(),
      display: z.string().optional(),
      label: z.string(),
      status: z.enum(['pass', 'fail', 'unknown', 'assumed']),
      source: SourceSchema.nullable(),
      clause: z.string(),
    }),
  ),
  quote: z.object({ heading: z.string().nullable(), text: z.string(), answer: z.string().nullable(), citation: CitationSchema }).nullable(),
  notes: z.array(
    z.object({
      kind: z.enum(['time', 'assumption', 'unchecked', 'district', 'age', 'scope', 'rule', 'other']),
      priority: z.number().min(0).max(100),
      text: z.string(),
    }),
  ),
  related: z.array(z.object({ citation: CitationSchema, heading: z.string().nullable() })),
  followUp: z
    .object({ fact: z.string(), question: z.string(), choices: z.array(z.object({ label: z.string(), value: z.string() })) })
    .nullable(),
});

/** The JSON form for `ask --json` (`blocks`): plain data, keys in a fixed order, no undefined values. */
export function blocksToJson(blocks: ReplyBlocks): unknown {
  return JSON.parse(JSON.stringify(ReplyBlocksSchema.parse(blocks)));
}

/** Reads the JSON form back; the error names the first wrong field (`conditions.0.status`). */
export function parseBlocks(json: unknown): ReplyBlocks {
  const r = ReplyBlocksSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`reply blocks: field "${i.path.join('.')}" ${i.message}`);
  }
  return r.data as ReplyBlocks;
}

/** Notes in display order: by priority, then as given; notes with the same text once. */
export function orderedNotes(notes: readonly NoteBlock[]): NoteBlock[] {
  const seen = new Set<string>();
  return notes
    .map((n, i) => ({ n, i }))
    .sort((a, b) => a.n.priority - b.n.priority || a.i - b.i)
    .map((x) => x.n)
    .filter((n) => !seen.has(n.text) && seen.add(n.text));
}

/** The status a condition is shown with: a pass or fail without a source is an assumption, never ✓/✗. */
export function shownStatus(c: ConditionBlock): ConditionStatus {
  return (c.status === 'pass' || c.status === 'fail') && !c.source ? 'assumed' : c.status;
}

/** Ids of the conditions that changed since `previous` (new, or another status or value); all when the rule differs. */
export function changedConditions(current: ReplyBlocks, previous: ReplyBlocks | null | undefined): Set<string> {
  const all = new Set(current.conditions.map((c) => c.id));
  if (!previous || previous.kind !== 'eligibility' || previous.ruleId !== current.ruleId) return all;
  const before = new Map(previous.conditions.map((c) => [c.id, c]));
  return new Set(
    current.conditions
      .filter((c) => {
        const b = before.get(c.id);
        return !b || shownStatus(b) !== shownStatus(c) || JSON.stringify(b.value) !== JSON.stringify(c.value);
      })
      .map((c) => c.id),
  );
}

/**
 * Measuring the replies against issue #12's targets (`policybot eval-replies`): every question and
 * conversation of the dev sets goes through the assistant; each reply's default view (terminal text,
 * before 详情 / `/more`) and its Telegram messages are measured:
 * - median length of eligibility and of information replies (characters);
 * - the answering phrase visible in the reply (test/fixtures/replies-info.yaml, by split);
 * - Chinese characters in English replies outside quoted clause text, 文号 and clause labels;
 * - Telegram messages: count and longest (validity of the HTML is a test: test/reply/devset-telegram.test.ts).
 *
 * @example
 * const cases = loadReplyCases(PROJECT_ROOT);
 * const report = await evalReplies(app.assistant, app.replyKit.locales, cases);
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { z } from 'zod';
import type { ConversationState, Reply } from '../assistant/types.ts';
import type { Locales } from '../locales/locale.ts';
import { parseBlocks, type ReplyBlocks } from './blocks.ts';
import { renderTelegram } from './render-telegram.ts';

/** One case: a conversation of one or more turns; an answer phrase for information questions. */
export interface ReplyCase {
  set: string;
  turns: string[];
  asOf: string;
  phrase?: string;
  split?: 'tune' | 'check';
}

/** One measured reply. */
export interface ReplySample {
  set: string;
  turn: number;
  q: string;
  kind: string;
  lang: 'zh' | 'en';
  /** The default view (terminal rendering in the conversation's context). */
  text: string;
  chars: number;
  telegram: string[];
  /** The reply's blocks (null from an assistant without them). */
  blocks: ReplyBlocks | null;
  phrase?: string;
  split?: 'tune' | 'check';
}

const InfoFile = z
  .object({
    questions: z.array(
      z.object({
        q: z.string(),
        doc: z.string(),
        phrase: z.union([z.string(), z.number()]).transform(String),
        split: z.enum(['tune', 'check']),
      }),
    ),
    english: z.array(z.string()).default([]),
  })
  .strict();

const readYaml = (file: string) => yaml.load(readFileSync(file, 'utf8')) as Record<string, unknown>;
const dateOf = (d: unknown, fallback: string) => (d instanceof Date ? d.toISOString().slice(0, 10) : typeof d === 'string' ? d : fallback);

/**
 * The dev sets as reply cases: the understanding tune set (messages, conversations), the assistant dev
 * set (eligibility, conversations, information), the retrieval dev questions and replies-info.yaml.
 */
export function loadReplyCases(root: string): ReplyCase[] {
  const fx = (f: string) => join(root, 'test', 'fixtures', f);
  const out: ReplyCase[] = [];
  const u = readYaml(fx('understanding-tune.yaml'));
  const uAsOf = dateOf(u.as_of, '2026-12-01');
  for (const m of (u.messages as { q: unknown; as_of?: unknown; asOf?: unknown }[]) ?? [])
    out.push({ set: 'understanding-tune', turns: [m.q == null ? '' : String(m.q)], asOf: dateOf(m.as_of ?? m.asOf, uAsOf) });
  for (const c of (u.conversations as { turns: unknown[]; as_of?: unknown; asOf?: unknown }[]) ?? [])
    out.push({ set: 'understanding-tune', turns: c.turns.map(String), asOf: dateOf(c.as_of ?? c.asOf, uAsOf) });
  const a = readYaml(fx('assistant-dev.yaml'));
  const aAsOf = dateOf(a.as_of, '2026-11-22');
  for (const e of (a.eligibility as { q: string; as_of?: unknown }[]) ?? [])
    out.push({ set: 'assistant-dev', turns: [e.q], asOf: dateOf(e.as_of, aAsOf) });
  for (const c of (a.conversations as { turns: { say: string }[]; as_of?: unknown }[]) ?? [])
    out.push({ set: 'assistant-dev', turns: c.turns.map((t) => t.say), asOf: dateOf(c.as_of, aAsOf) });
  for (const i of (a.information as { q: string }[]) ?? []) out.push({ set: 'assistant-dev', turns: [i.q], asOf: aAsOf });
  const r = readYaml(fx('retrieval-dev.yaml'));
  for (const q of (r.questions as { q: unknown; answerable?: boolean }[]) ?? [])
    if (q.answerable !== false) out.push({ set: 'retrieval-dev', turns: [String(q.q)], asOf: aAsOf });
  const info = InfoFile.parse(readYaml(fx('replies-info.yaml')));
  for (const q of info.questions) out.push({ set: 'replies-info', turns: [q.q], asOf: '2026-12-01', phrase: q.phrase, split: q.split });
  for (const q of info.english) out.push({ set: 'replies-info-en', turns: [q], asOf: '2026-12-01' });
  return out;
}

/** Runs every case through the assistant and measures each reply as the channels show it. */
export async function collectReplies(
  assistant: {
    reply(s: ConversationState | undefined, t: string, asOf: string, now?: number): Promise<{ reply: Reply; state: ConversationState }>;
  },
  locales: Locales,
  cases: readonly ReplyCase[],
  now = Date.parse('2026-12-01T02:00:00Z'),
): Promise<ReplySample[]> {
  const out: ReplySample[] = [];
  for (const c of cases) {
    let state: ConversationState | undefined;
    for (const [turn, q] of c.turns.entries()) {
      const before = state;
      const res = await assistant.reply(state, q, c.asOf, now);
      state = res.state;
      const blocks = res.reply.blocks ? parseBlocks(res.reply.blocks) : null;
      const lang = blocks?.lang ?? res.reply.lang ?? 'zh';
      const telegram = blocks
        ? renderTelegram(blocks, locales[lang], { quoted: new Set(before?.quoted ?? []), previous: before?.lastBlocks ?? null }).messages
        : [];
      out.push({
        set: c.set,
        turn,
        q,
        kind: blocks?.kind ?? 'none',
        lang,
        text: res.reply.answer,
        chars: [...res.reply.answer].length,
        telegram,
        blocks,
        ...(turn === c.turns.length - 1 && c.phrase ? { phrase: c.phrase, split: c.split } : {}),
      });
    }
  }
  return out;
}

/** Quoted clause text (“…” in English replies, 「…」 in Chinese), 文号 and clause labels — where Chinese is allowed in an English reply. */
export function stripAllowedChinese(text: string): string {
  // Quotes nest (a clause quoting “超级博士后” inside “…”): strip the innermost first, until none is left.
  let t = text;
  for (let prev = ''; prev !== t; ) {
    prev = t;
    t = t.replace(/“[^“”]*”/gu, '').replace(/「[^「」]*」/gu, '');
  }
  return t.replace(/[\p{Script=Han}]+〔\d{4}〕\d+号/gu, '').replace(/clause [^\s,;)]+/gu, '');
}

/** Chinese characters of an English reply outside what may stay Chinese. */
export function strayChinese(text: string): number {
  return stripAllowedChinese(text).match(/\p{Script=Han}/gu)?.length ?? 0;
}

const squash = (s: string) => s.replace(/\s+/gu, '');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return 0;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]! : 0;
};

export interface ReplyReport {
  replies: number;
  eligibility: { n: number; median: number; p95: number; firstTurnMedian: number; laterTurnMedian: number };
  information: { n: number; median: number; p95: number };
  phrase: Record<'tune' | 'check', { n: number; visible: number; inAnswerLine: number; misses: string[] }>;
  english: { replies: number; abstained: number; strayChinese: number; offenders: string[] };
  telegram: { messages: number; longest: number; over4096: number };
}

/** The numbers of issue #12's targets over the collected replies. */
export function replyReport(samples: readonly ReplySample[]): ReplyReport {
  const elig = samples.filter((s) => s.kind === 'eligibility');
  const info = samples.filter((s) => s.kind === 'information');
  const phrase = {
    tune: { n: 0, visible: 0, inAnswerLine: 0, misses: [] as string[] },
    check: { n: 0, visible: 0, inAnswerLine: 0, misses: [] as string[] },
  };
  for (const s of samples) {
    if (!s.phrase || !s.split) continue;
    const p = phrase[s.split];
    p.n += 1;
    const seen = squash(s.text).includes(squash(s.phrase));
    if (seen) p.visible += 1;
    else p.misses.push(`${s.q} → ${s.phrase}`);
    if (squash(s.text.split('\n')[0] ?? '').includes(squash(s.phrase))) p.inAnswerLine += 1;
  }
  const en = samples.filter((s) => s.lang === 'en');
  const offenders = en.filter((s) => strayChinese(s.text) + s.telegram.reduce((n, m) => n + strayChinese(m), 0) > 0);
  const messages = samples.flatMap((s) => s.telegram);
  return {
    replies: samples.length,
    eligibility: {
      n: elig.length,
      median: median(elig.map((s) => s.chars)),
      p95: p95(elig.map((s) => s.chars)),
      firstTurnMedian: median(elig.filter((s) => s.turn === 0).map((s) => s.chars)),
      laterTurnMedian: median(elig.filter((s) => s.turn > 0).map((s) => s.chars)),
    },
    information: { n: info.length, median: median(info.map((s) => s.chars)), p95: p95(info.map((s) => s.chars)) },
    phrase,
    english: {
      replies: en.length,
      abstained: en.filter((s) => s.kind === 'abstain').length,
      strayChinese: en.reduce((n, s) => n + strayChinese(s.text) + s.telegram.reduce((m, t) => m + strayChinese(t), 0), 0),
      offenders: offenders.map((s) => s.q),
    },
    telegram: {
      messages: messages.length,
      longest: Math.max(0, ...messages.map((m) => m.length)),
      over4096: messages.filter((m) => m.length > 4096).length,
    },
  };
}

/**
 * The hand-off case packet: what a person at 12333 or the bureau needs to take the case over without
 * asking again — the questions, the facts given, each condition with its status and clause, and the
 * documents consulted — with a reference number short enough to read out on the phone. Pure.
 *
 * @example
 * const packet = buildPacket({ channel: 'web', turns, facts: state.facts, now: Date.now(), reference: newReference(Date.now()) });
 * const text = packetText(packet, labels);
 */
import { randomInt } from 'node:crypto';
import type { EligibilitySummary } from '../assistant/types.ts';
import type { Channel } from '../feedback/types.ts';

/** One turn as a channel keeps it for the packet (no answer text: the clauses are listed instead). */
export interface PacketTurn {
  question: string;
  eligibility: EligibilitySummary | null;
  citations: { docId: string; title: string; docNumber: string | null; clause: string; date?: string }[];
}

export interface CasePacket {
  reference: string;
  channel: Channel;
  /** ISO time. */
  createdAt: string;
  questions: string[];
  facts: Record<string, unknown>;
  /** The last eligibility check of the conversation, when any. */
  check: {
    ruleId: string;
    verdict: EligibilitySummary['verdict'];
    conditions: { id: string; label?: string; status: string; clause: string; fact?: string; value?: unknown }[];
  } | null;
  documents: { docId: string; title: string; docNumber: string | null; clauses: string[]; date?: string }[];
}

/** Labels of the packet text (from the locale file, `packet` section). */
export interface PacketLabels {
  header: string;
  reference: string;
  channel: string;
  time: string;
  questions: string;
  facts: string;
  rule: string;
  verdict: string;
  conditions: string;
  documents: string;
  none: string;
  footer: string;
}

/**
 * A reference number `PB-YYMMDD-NNNNNN` (date in Asia/Shanghai, six random digits: one in a million
 * per day collides; the store's primary key refuses a duplicate and the caller draws again).
 */
export function newReference(now: number): string {
  const d = new Date(now + 8 * 3_600_000).toISOString();
  return `PB-${d.slice(2, 4)}${d.slice(5, 7)}${d.slice(8, 10)}-${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
}

export function buildPacket(input: {
  reference: string;
  channel: Channel;
  now: number;
  turns: PacketTurn[];
  facts: Record<string, unknown>;
}): CasePacket {
  const lastCheck = [...input.turns].reverse().find((t) => t.eligibility)?.eligibility ?? null;
  const docs = new Map<string, CasePacket['documents'][number]>();
  for (const t of input.turns) {
    for (const c of t.citations) {
      const d = docs.get(c.docId) ?? { docId: c.docId, title: c.title, docNumber: c.docNumber, clauses: [], date: c.date };
      if (!d.clauses.includes(c.clause)) d.clauses.push(c.clause);
      docs.set(c.docId, d);
    }
  }
  return {
    reference: input.reference,
    channel: input.channel,
    createdAt: new Date(input.now).toISOString(),
    questions: input.turns.map((t) => t.question).filter(Boolean),
    facts: input.facts,
    check: lastCheck
      ? {
          ruleId: lastCheck.ruleId,
          verdict: lastCheck.verdict,
          conditions: lastCheck.conditions.map((c) => ({
            id: c.id,
            label: c.label,
            status: c.status,
            clause: c.clause,
            fact: c.fact,
            value: c.value,
          })),
        }
      : null,
    documents: [...docs.values()],
  };
}

function show(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** The packet as plain text to copy or e-mail. `statusWords`/`verdictWords` come from the locale file. */
export function packetText(
  p: CasePacket,
  labels: PacketLabels,
  words: { status: Record<string, string>; verdict: Record<string, string> },
): string {
  const lines = [
    `${labels.header}`,
    `${labels.reference}: ${p.reference}`,
    `${labels.channel}: ${p.channel}`,
    `${labels.time}: ${p.createdAt}`,
    '',
    `${labels.questions}:`,
  ];
  lines.push(...(p.questions.length ? p.questions.map((q, i) => `  ${i + 1}. ${q}`) : [`  ${labels.none}`]));
  lines.push('', `${labels.facts}:`);
  const facts = Object.entries(p.facts);
  lines.push(...(facts.length ? facts.map(([k, v]) => `  · ${k}: ${show(v)}`) : [`  ${labels.none}`]));
  if (p.check) {
    lines.push(
      '',
      `${labels.rule}: ${p.check.ruleId}`,
      `${labels.verdict}: ${words.verdict[p.check.verdict] ?? p.check.verdict}`,
      `${labels.conditions}:`,
    );
    for (const c of p.check.conditions) {
      const value = c.value === undefined ? '' : ` = ${show(c.value)}`;
      lines.push(`  [${words.status[c.status] ?? c.status}] ${c.label ?? c.id} (${c.clause}${c.fact ? `; ${c.fact}${value}` : ''})`);
    }
  }
  lines.push('', `${labels.documents}:`);
  lines.push(
    ...(p.documents.length
      ? p.documents.map(
          (d) => `  · ${d.title}${d.docNumber ? ` ${d.docNumber}` : ''} (${d.clauses.join(', ')})${d.date ? ` ${d.date}` : ''}`,
        )
      : [`  ${labels.none}`]),
  );
  lines.push('', labels.footer);
  return lines.join('\n');
}

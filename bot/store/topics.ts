/**
 * Subscription topics, shared by the bot's /subscribe UI and the broadcast digest filter.
 * Topic strings: `all`, `municipal`, `district:<name>` (name without 区), `keyword:<word>`.
 *
 * @example
 * normalizeTopics(['district:宝山', 'all']);              // ['all']
 * topicMatches(['district:宝山'], { level: 'district', district: '宝山', text: '…' }); // true
 */
import type { Topic } from './types.ts';

/** The parsed form of a topic string. */
export type ParsedTopic = { kind: 'all' } | { kind: 'municipal' } | { kind: 'district'; name: string } | { kind: 'keyword'; word: string };

/** Parses a topic string; null when it is not one of the four forms. */
export function parseTopic(topic: string): ParsedTopic | null {
  if (topic === 'all') return { kind: 'all' };
  if (topic === 'municipal') return { kind: 'municipal' };
  const m = /^(district|keyword):(.+)$/.exec(topic);
  if (!m || !m[2]!.trim()) return null;
  return m[1] === 'district' ? { kind: 'district', name: m[2]!.trim() } : { kind: 'keyword', word: m[2]!.trim() };
}

/** Deduplicates, drops invalid topics, and collapses to `['all']` when `all` is present or nothing is left. */
export function normalizeTopics(topics: Topic[]): Topic[] {
  const valid = [...new Set(topics.map((t) => t.trim()))].filter((t) => parseTopic(t) !== null);
  if (valid.length === 0 || valid.includes('all')) return ['all'];
  return valid;
}

/** Short Chinese label for a topic (button text, confirmations). */
export function topicLabel(topic: Topic): string {
  const p = parseTopic(topic);
  if (!p) return topic;
  switch (p.kind) {
    case 'all':
      return '全部';
    case 'municipal':
      return '市级';
    case 'district':
      return p.name;
    case 'keyword':
      return p.word;
  }
}

/**
 * Maps a word a user typed (`全部`, `市级`, `宝山`, `宝山区`, `落户`) to a topic, given the known
 * districts and keywords. Null when it is none of them.
 */
export function topicFromWord(word: string, districts: string[], keywords: string[]): Topic | null {
  const w = word.trim().replace(/^#/, '');
  if (!w) return null;
  if (['全部', '所有', 'all', 'ALL'].includes(w)) return 'all';
  if (['市级', '全市', '上海市', 'municipal'].includes(w)) return 'municipal';
  const d = w.replace(/区$/, '');
  if (districts.includes(d)) return `district:${d}`;
  if (keywords.includes(w)) return `keyword:${w}`;
  return null;
}

/** Whether a document (level, district, text) is of interest to a subscriber with these topics. */
export function topicMatches(topics: Topic[], doc: { level: string; district?: string | null; title?: string; text?: string }): boolean {
  for (const t of normalizeTopics(topics)) {
    const p = parseTopic(t)!;
    if (p.kind === 'all') return true;
    if (p.kind === 'municipal' && doc.level === 'municipal') return true;
    if (p.kind === 'district' && doc.district && doc.district.replace(/区$/, '') === p.name) return true;
    if (p.kind === 'keyword' && ((doc.title ?? '').includes(p.word) || (doc.text ?? '').includes(p.word))) return true;
  }
  return false;
}

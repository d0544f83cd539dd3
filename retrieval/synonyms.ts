/**
 * Synonym and alias table (`corpus/synonyms.yaml`) and query expansion: users do not speak in the
 * documents' words (海归 vs 留学回国人员, 五险 vs 社会保险), so queries are expanded with the
 * documents' terms at a lower weight than the user's own words.
 *
 * @example
 * const table = loadSynonyms('corpus/synonyms.yaml');
 * expandQuery(table, '海归落户要交多久社保', ['海归', '落户', '社保']);
 * // → [{ trigger: '海归', terms: ['留学回国人员', '留学人员', …], kind: 'equivalent' }, …]
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import yaml from 'js-yaml';

/** YAML 1.2 core schema (dates stay strings), with js-yaml: several times faster to load than `yaml`. */
const parseYaml = (text: string): unknown => yaml.load(text, { schema: yaml.CORE_SCHEMA });
import { normalizeForSearch } from './segment.ts';

/** Parsed synonym table. */
export interface SynonymTable {
  /** Groups of equivalent terms (normalized). */
  equivalents: string[][];
  /** One-way expansions: key → terms. */
  expansions: Map<string, string[]>;
  /** Place names the corpus covers (Shanghai and its districts). */
  inScopePlaces: Set<string>;
  /** Every term that appears anywhere in the table (a known concept, never an out-of-scope place). */
  knownTerms: Set<string>;
  /** Hash of the table (part of the index fingerprint). */
  fingerprint: string;
}

/** One expansion found in a query. */
export interface Expansion {
  /** The query text that triggered it. */
  trigger: string;
  /** Terms to add. */
  terms: string[];
  kind: 'equivalent' | 'expansion';
}

/** An empty table (no file). */
export function emptySynonyms(): SynonymTable {
  return { equivalents: [], expansions: new Map(), inScopePlaces: new Set(), knownTerms: new Set(), fingerprint: 'none' };
}

/**
 * Loads `synonyms.yaml`. A missing file gives an empty table; a malformed one throws an error naming
 * the file and the problem.
 */
export function loadSynonyms(file: string): SynonymTable {
  if (!existsSync(file)) return emptySynonyms();
  return parseSynonyms(readFileSync(file, 'utf8'), file);
}

/** Parses the YAML text of a synonym table (see `corpus/synonyms.yaml` for the format). */
export function parseSynonyms(text: string, file = 'synonyms.yaml'): SynonymTable {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const obj = (raw ?? {}) as Record<string, unknown>;
  const bad = (what: string) => new Error(`${file}: ${what} (see the comment at the top of corpus/synonyms.yaml)`);
  const equivalents: string[][] = [];
  if (obj.equivalents !== undefined) {
    if (!Array.isArray(obj.equivalents)) throw bad('"equivalents" must be a list of lists of terms');
    obj.equivalents.forEach((g, i) => {
      if (!Array.isArray(g) || g.length < 2) throw bad(`equivalents[${i}] must be a list of at least two terms`);
      equivalents.push(uniq(g.map((t) => normalizeForSearch(String(t)))));
    });
  }
  const expansions = new Map<string, string[]>();
  if (obj.expansions !== undefined) {
    if (typeof obj.expansions !== 'object' || obj.expansions === null || Array.isArray(obj.expansions)) {
      throw bad('"expansions" must be a mapping term: [terms]');
    }
    for (const [k, v] of Object.entries(obj.expansions as Record<string, unknown>)) {
      if (!Array.isArray(v)) throw bad(`expansions.${k} must be a list of terms`);
      expansions.set(normalizeForSearch(k), uniq(v.map((t) => normalizeForSearch(String(t)))));
    }
  }
  const places = Array.isArray(obj.inScopePlaces) ? obj.inScopePlaces.map((p) => normalizeForSearch(String(p))) : [];
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([equivalents, [...expansions], places]))
    .digest('hex')
    .slice(0, 16);
  const knownTerms = new Set([...equivalents.flat(), ...expansions.keys(), ...[...expansions.values()].flat()]);
  return { equivalents, expansions, inScopePlaces: new Set(places), knownTerms, fingerprint };
}

/**
 * Finds the expansions that apply to a normalized query. A term matches when it is one of the query's
 * words, or (for terms of two or more characters) when the query contains it.
 */
export function expandQuery(table: SynonymTable, query: string, words: string[]): Expansion[] {
  const wordSet = new Set(words);
  const matches = (t: string) => wordSet.has(t) || (t.length >= 2 && query.includes(t));
  const out: Expansion[] = [];
  for (const group of table.equivalents) {
    const hit = group.find(matches);
    if (hit) out.push({ trigger: hit, terms: group.filter((t) => t !== hit && !matches(t)), kind: 'equivalent' });
  }
  for (const [key, terms] of table.expansions) {
    if (matches(key)) out.push({ trigger: key, terms: terms.filter((t) => !matches(t)), kind: 'expansion' });
  }
  return out.filter((e) => e.terms.length > 0);
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/**
 * Supersession: which corpus documents repeal which. A document repeals another when its header
 * says `supersedes: [id]` (written by `policybot import` from "《…》同时废止" when the repealed
 * document is in the corpus), or the older one says `superseded_by: id`. Derived when read, so the
 * older file is never rewritten. The note texts are data (`corpus/lang/import.yaml`, supersession).
 *
 * @example
 * supersessionNote('sh-hrss-2019-5', documents, 'zh', texts)
 * // → '该文件已被《上海市…的通知》（沪人社规〔2024〕12号）废止，请以新文件为准。'
 */
import type { DocumentMeta } from '../types.ts';
import { loadImportLang, shippedImportLangFile, type ImportLangData } from './lang.ts';
import { dirname } from 'node:path';

type Doc = Pick<DocumentMeta, 'title' | 'docNumber' | 'supersedes' | 'supersededBy'> & { id: string };

/** The note texts (import.yaml, `supersession`). */
export type SupersessionTexts = ImportLangData['supersession'];

/** The documents that repeal `docId` (newest first by id order of the corpus). */
export function repealedBy(docId: string, documents: Doc[]): Doc[] {
  const self = documents.find((d) => d.id === docId);
  const ids = new Set([...(self?.supersededBy ?? []), ...documents.filter((d) => d.supersedes?.includes(docId)).map((d) => d.id)]);
  ids.delete(docId);
  return documents.filter((d) => ids.has(d.id));
}

const fill = (t: string, v: Record<string, string>) => t.replace(/\{(\w+)\}/g, (_m, k: string) => v[k] ?? '');

/** The note for an answer quoting `docId` when a corpus document repeals it; undefined otherwise. */
export function supersessionNote(
  docId: string,
  documents: Doc[],
  lang: 'zh' | 'en',
  texts: SupersessionTexts = defaultSupersessionTexts(),
): string | undefined {
  const newer = repealedBy(docId, documents)[0];
  if (!newer) return undefined;
  const number = newer.docNumber ? fill(lang === 'en' ? texts.number_en : texts.number_zh, { number: newer.docNumber }) : '';
  return fill(lang === 'en' ? texts.answer_en : texts.answer_zh, { title: newer.title, number });
}

/** The digest line of a document that repeals corpus documents; undefined when it repeals none. */
export function repealDigestLine(doc: Doc, documents: Doc[], texts: SupersessionTexts = defaultSupersessionTexts()): string | undefined {
  const old = documents.filter((d) => doc.supersedes?.includes(d.id));
  if (!old.length) return undefined;
  return fill(texts.digest_zh, { titles: old.map((d) => fill(texts.title_quote_zh, { title: d.title })).join('、') });
}

let cached: SupersessionTexts | undefined;
/** The shipped note texts, read once. */
export function defaultSupersessionTexts(): SupersessionTexts {
  if (!cached) {
    const file = shippedImportLangFile();
    cached = loadImportLang(file ? dirname(dirname(file)) : '.').data.supersession;
  }
  return cached;
}

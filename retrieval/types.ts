/**
 * Shared vocabulary of the retrieval library. Keep these shapes stable: the eligibility engine,
 * the assistant, the CLI (`chunks --json`, `search --json`) and the broadcast diff all use them.
 */

export type DocLevel = 'municipal' | 'district';

/** Front-matter header of a corpus file (`corpus/documents/<id>.md`). */
export interface DocumentMeta {
  title: string;
  /** 文号, e.g. 沪人社力〔2022〕103号 */
  docNumber?: string;
  issuer: string;
  /** Date of the document, YYYY-MM-DD. */
  date: string;
  level: DocLevel;
  /** District name without 区, e.g. 杨浦 / 宝山 / 长宁 (district-level documents). */
  district?: string;
  source?: string;
  /** Validity window of the document as a whole, YYYY-MM-DD. */
  validFrom?: string;
  validTo?: string;
  /** Ids of corpus documents this one repeals (header `supersedes:`). */
  supersedes?: string[];
  /** Ids of the documents that repealed this one (header `superseded_by:`). */
  supersededBy?: string[];
}

/** A policy document after parsing and normalization. `id` is the file name without extension. */
export interface PolicyDocument extends DocumentMeta {
  id: string;
  /** Path of the source file (relative to the corpus folder). */
  file: string;
  /** The original text after the header, untouched. */
  rawText: string;
  /** Normalized text; chunk offsets point into this. */
  text: string;
  /** sha256 of the raw file content. */
  hash: string;
}

/** A citable clause (or a sentence-bounded part of a long clause). */
export interface Chunk {
  /** Stable id: `<docId>#<clause path>` plus `~<n>` for parts of a split clause. */
  id: string;
  docId: string;
  title: string;
  docNumber?: string;
  /** The clause label as written without punctuation: `三`, `（二）`, `5.`, `第三条`, or `preamble`. */
  clause: string;
  /** Labels/headings of the parents, outermost first (e.g. `['二、主要任务举措', '（一）聚焦…']`). */
  path: string[];
  /** Character offsets into the normalized document text. */
  start: number;
  end: number;
  text: string;
  /** Optional heading/title of the clause itself (e.g. `优化人才引进市场化评价标准`). */
  heading?: string;
}

/** Something the ingest step wants a person to look at (unrecoverable characters, odd structure). */
export interface IngestWarning {
  file: string;
  line?: number;
  message: string;
}

/** Signals that contributed to a hit's score (for debugging and evaluation). */
export interface HitSignals {
  bm25?: number;
  dense?: number;
  [signal: string]: number | undefined;
}

export interface SearchHit {
  chunk: Chunk;
  score: number;
  signals: HitSignals;
}

export interface SearchResult {
  query: string;
  model: string;
  hits: SearchHit[];
  /** 0..1, calibrated so that callers can abstain below a threshold. */
  confidence: number;
  /** Places named in the question that are outside the corpus (北京, 深圳…), when any. */
  foreignPlaces?: string[];
}

/** The document fields retrieval uses. */
export type DocInfo = Pick<PolicyDocument, 'id' | 'docNumber' | 'district' | 'title'> & Partial<Pick<PolicyDocument, 'level'>>;

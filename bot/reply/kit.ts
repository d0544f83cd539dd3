/**
 * What the reply stage needs, loaded once per application (bot/app.ts): the locale files, the
 * out-of-scope table, the answer cues and the clause labels unique within each document. Passed to
 * `createAssistant` and to the channels' renderers; nothing here is a module-level singleton.
 *
 * @example
 * const kit = loadReplyKit(config.CORPUS_DIR, corpus.chunks);
 * classifyScope(kit.scope!, '个税怎么退', 'zh')?.id // 'tax'
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadLocales, type Locales } from '../locales/locale.ts';
import { uniqueClauseLabels, type LabelledChunk } from '../../text/quote.ts';
import { bigramScorer, cueScorer, loadAnswerCueFile, type AnswerCue, type SentenceScorer } from './answer.ts';
import { loadScopeTable, type ScopeTable } from './scope.ts';

export interface ReplyKit {
  locales: Locales;
  /** corpus/out-of-scope.yaml; null for a corpus folder without one (every out-of-scope message then gets the abstention line). */
  scope: ScopeTable | null;
  /** corpus/answer-cues.yaml; empty without one. */
  cues: AnswerCue[];
  /** corpus/answer-cues.yaml `open_ends`: endings of a clause part that cannot end an answer line; empty without the file. */
  openEnds?: string[];
  /** Chunk id → clause label unique within its document (text/quote.ts). */
  labels: Map<string, string>;
  /** Sentence scorer of information answers: the cue bonus over the default sentence scoring. */
  scorer: SentenceScorer;
}

/** Loads the reply kit for a corpus folder; a malformed table stops with an error naming its file and field. */
export function loadReplyKit(corpusDir: string, chunks: readonly LabelledChunk[], opts: { localesDir?: string } = {}): ReplyKit {
  const scopeFile = join(corpusDir, 'out-of-scope.yaml');
  const cuesFile = join(corpusDir, 'answer-cues.yaml');
  const cueFile = existsSync(cuesFile) ? loadAnswerCueFile(cuesFile) : { kinds: [], openEnds: [] };
  const cues = cueFile.kinds;
  return {
    locales: loadLocales(opts.localesDir),
    scope: existsSync(scopeFile) ? loadScopeTable(scopeFile) : null,
    cues,
    openEnds: cueFile.openEnds,
    labels: uniqueClauseLabels(chunks),
    scorer: cueScorer(bigramScorer(), cues),
  };
}

/** The kit without corpus tables (no out-of-scope table, no answer cues): for an assistant built without one. */
export function defaultReplyKit(chunks: readonly LabelledChunk[]): ReplyKit {
  return { locales: loadLocales(), scope: null, cues: [], openEnds: [], labels: uniqueClauseLabels(chunks), scorer: bigramScorer() };
}

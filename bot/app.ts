/**
 * Builds everything once from the parsed config: corpus, rules, rankings table, retriever, assistant.
 * The CLI, the terminal chat, the Telegram bot and the tests all get their pieces from here.
 *
 * @example
 * const app = await buildApp(loadConfig());
 * const { reply } = await app.assistant.reply(undefined, '宝山区的人才安居资助最高多少？', app.asOf());
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadRuleSet, RuleLoadError, type RuleSet } from '../eligibility/rules.ts';
import { loadUniversityTable, type UniversityTable } from '../eligibility/universities.ts';
import { corpusCacheDir, readCorpus, type ReadCorpusResult } from '../retrieval/corpus.ts';
import type { FusionOptions } from '../retrieval/fuse.ts';
import { bm25FromConfig, fusionFromConfig, modelFromConfig } from './retrieval-config.ts';
import { openRetriever, type OpenedRetriever } from '../retrieval/search.ts';
import { createAssistant } from './assistant/index.ts';
import { loadReplyKit, type ReplyKit } from './reply/kit.ts';
import { understandingDeps } from './assistant/understand.ts';
import type { Assistant } from './assistant/types.ts';
import { todayIn, type Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';

export interface App {
  config: Config;
  logger: Logger;
  corpus: ReadCorpusResult;
  ruleSet: RuleSet;
  universities: UniversityTable | null;
  retrieval: OpenedRetriever;
  assistant: Assistant;
  /** Locales, out-of-scope table, answer cues and clause labels the channels render replies with. */
  replyKit: ReplyKit;
  /** Today's date (Asia/Shanghai) unless AS_OF pins it. */
  asOf(): string;
}

/** Thrown when the corpus has no usable document (the message names the folder and the bad files). */
export class EmptyCorpusError extends Error {
  override name = 'EmptyCorpusError';
}

/**
 * Opens the retriever over an already-read corpus with the configured model and weights (builds or
 * rebuilds the index under DATA_DIR when it is missing or stale).
 */
export async function openRetrieverFor(
  config: Config,
  corpus: ReadCorpusResult,
  log: Logger,
  opts: { force?: boolean; lazyModel?: boolean; warm?: boolean; fusion?: FusionOptions; corpusDir?: string } = {},
): Promise<OpenedRetriever> {
  const corpusDir = opts.corpusDir ?? config.CORPUS_DIR;
  if (corpus.chunks.length === 0) {
    const why = corpus.errors.map((e) => `${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`).join('; ');
    throw new EmptyCorpusError(`no documents to search in ${corpusDir}/documents${why ? ` (${why})` : ''}`);
  }
  return openRetriever({
    chunks: corpus.chunks,
    documents: corpus.documents,
    corpusDir,
    dataDir: config.DATA_DIR,
    model: modelFromConfig(config),
    fusion: opts.fusion ?? fusionFromConfig(config),
    bm25: bm25FromConfig(config),
    force: opts.force,
    lazyModel: opts.lazyModel,
    warm: opts.warm,
    log,
  });
}

/** The rankings table when RANKINGS_FILE is set (null otherwise: the assistant then asks for the rank). */
export function loadUniversities(config: Config, logger: Logger): UniversityTable | null {
  if (!config.RANKINGS_FILE) {
    logger.info('RANKINGS_FILE not set: university names are not looked up (the bot asks for the rank instead)');
    return null;
  }
  const colloquial = join(config.CORPUS_DIR, 'universities-colloquial.csv');
  return loadUniversityTable(config.RANKINGS_FILE, {
    colloquialFile: existsSync(colloquial) ? colloquial : undefined,
    shortNamesFile: join(config.CORPUS_DIR, 'lang', 'universities.yaml'),
    logger,
  });
}

/** The cause first: each document that cannot be read is named with its cause, before anything that depends on it. */
export function reportCorpusErrors(corpus: ReadCorpusResult, logger: Logger): void {
  for (const e of corpus.errors)
    logger.error(`corpus document cannot be read, left out: ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`);
}

/**
 * Loads the rules. Rules whose cited document failed to load are left out with ONE error line per
 * document (not one per rule: the cause was logged just before); any other rule problem fails the load
 * as before.
 */
export function loadRulesBesideFailedDocuments(config: Config, corpus: ReadCorpusResult, logger: Logger): RuleSet {
  const dir = join(config.CORPUS_DIR, 'rules');
  const failed = new Map<string, string>(); // document id → file
  for (const f of corpus.files ?? []) if (f.errors.length) failed.set(f.id, f.file);
  if (!failed.size) return loadRuleSet(dir, { chunks: corpus.chunks, logger });
  const problems: string[] = [];
  const collecting: Logger = { ...logger, error: (msg: string) => void problems.push(msg) };
  const ruleSet = loadRuleSet(dir, { chunks: corpus.chunks, logger: collecting, onError: 'skip' });
  const byDoc = new Map<string, string[]>();
  const other: string[] = [];
  for (const p of problems) {
    const id = /cite\.docId\b.*?"([^"]+)"/.exec(p)?.[1];
    if (id && failed.has(id)) byDoc.set(id, [...(byDoc.get(id) ?? []), /rule "([^"]+)"/.exec(p)?.[1] ?? p]);
    else other.push(p);
  }
  for (const [id, rules] of byDoc) {
    logger.error(
      `${rules.length} rule(s) cite ${failed.get(id)}, which failed to load (see above); left out until the file is fixed: ${rules.join(', ')}`,
    );
  }
  if (other.length) {
    for (const p of other) logger.error(p);
    throw new RuleLoadError(other);
  }
  return ruleSet;
}

/** Builds the application. Throws a named error (corpus file, rule id, variable) when something is wrong. */
export async function buildApp(
  config: Config,
  opts: {
    logger?: Logger;
    corpus?: ReadCorpusResult;
    /** false for a process that answers once and exits (`policybot ask`): the segmenter is not warmed (open-retriever.ts). */
    warm?: boolean;
  } = {},
): Promise<App> {
  const logger = opts.logger ?? createLogger({ level: config.LOG_LEVEL ?? 'warn', secrets: [config.TELEGRAM_BOT_TOKEN] });
  const corpus = opts.corpus ?? (await readCorpus(config.CORPUS_DIR, { cacheDir: corpusCacheDir(config.DATA_DIR) }));
  reportCorpusErrors(corpus, logger);
  const ruleSet = loadRulesBesideFailedDocuments(config, corpus, logger);
  const universities = loadUniversities(config, logger);
  const retrieval = await openRetrieverFor(config, corpus, logger, { warm: opts.warm });
  const { understand, extract, sentences, yesNo, glossary, routing, colloquial } = understandingDeps(
    config.CORPUS_DIR,
    ruleSet.catalog,
    universities,
  );
  const replyKit = loadReplyKit(config.CORPUS_DIR, corpus.chunks);
  const assistant = createAssistant({
    routing,
    reply: replyKit,
    understand,
    colloquial,
    sentences,
    yesNo,
    glossary,
    documents: corpus.documents.map(({ rawText: _r, text: _t, ...meta }) => meta),
    chunks: corpus.chunks,
    rules: ruleSet.rules,
    catalog: ruleSet.catalog,
    search: retrieval.retriever,
    extract,
    options: {
      abstainBelow: config.RETRIEVAL_MIN_CONFIDENCE,
      docMaxAgeYears: config.DOC_MAX_AGE_YEARS,
      idleMinutes: config.SESSION_IDLE_MINUTES,
      canAsk: (fact) => fact !== 'university' || !!universities,
    },
  });
  return { config, logger, corpus, ruleSet, universities, retrieval, assistant, replyKit, asOf: () => todayIn(config) };
}

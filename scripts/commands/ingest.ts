/**
 * `policybot ingest [--corpus DIR] [--json]`
 *
 * Parses, normalizes and chunks every document of the corpus, prints a summary, and writes the
 * ingest report (per-file warnings with their line, errors, normalization stats) atomically to
 * `DATA_DIR/ingest-report.json`. Exits 1 naming each bad file (the other files are still ingested
 * and reported).
 *
 * Later steps (index building) call `ingestCorpusStep` and continue with its `corpus` result.
 */
import { resolve } from 'node:path';
import { loadConfig, type Config } from '../../bot/config.ts';
import { createLogger, type Logger } from '../../bot/logger.ts';
import {
  CorpusReadError,
  buildIngestReport,
  corpusCacheDir,
  readCorpus,
  writeIngestReport,
  type IngestReport,
  type ReadCorpusResult,
} from '../../retrieval/corpus.ts';
import { UserFacingError, parseCliArgs, printJson, type CliCommand } from '../cli.ts';
import { formatIndexSummary, openRetrieverFromConfig } from './search.ts';
import { saveBaselineIfNone } from '../../bot/broadcast/run.ts';
import { openBroadcastStoreFor } from '../../bot/broadcast/service.ts';
import { openStoreReady } from '../../bot/store/index.ts';
import { importInbox } from '../../retrieval/import/inbox.ts';
import { loadImportLang, ImportLangError } from '../../retrieval/import/lang.ts';

/** `--inbox`: imports INBOX_DIR into the corpus first (done/ and failed/); returns the report lines. */
async function runInbox(config: Config, corpusDir: string, log: Logger): Promise<{ lines: string[]; failed: number }> {
  if (!config.INBOX_DIR) throw new UserFacingError('--inbox needs INBOX_DIR: set it in .env to the folder where new documents are dropped');
  let lang;
  try {
    lang = loadImportLang(corpusDir);
  } catch (err) {
    if (err instanceof ImportLangError) throw new UserFacingError(err.message);
    throw err;
  }
  const r = await importInbox({ inboxDir: config.INBOX_DIR, corpusDir, lang, log });
  const lines = [`Inbox ${config.INBOX_DIR}: ${r.imported.length} imported, ${r.failed.length} failed`];
  for (const i of r.imported) lines.push(`  ${i.file} → ${i.id} (moved to done/)`);
  for (const f of r.failed) lines.push(`  ${f.file}: ${f.message} (moved to failed/, see ${f.file}.error.txt)`);
  return { lines, failed: r.failed.length };
}

/** The broadcast baseline at the first ingest (see saveBaselineIfNone); a store problem is a warning, not a failure. */
async function baseline(config: Config, step: IngestCorpusStep, log: Logger): Promise<string | undefined> {
  if (step.corpus.errors.length) return undefined;
  let store;
  try {
    store = await openStoreReady({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL, pgPoolMax: config.DATABASE_POOL_MAX });
  } catch (err) {
    log.warn('ingest: broadcast baseline not saved (the store cannot be opened)', { error: (err as Error).message });
    return undefined;
  }
  try {
    const r = await saveBaselineIfNone(await openBroadcastStoreFor(store, config), step.corpus);
    return r === 'saved'
      ? `Broadcast baseline saved (${step.corpus.documents.length} documents): the next broadcast announces what changes after now`
      : undefined;
  } finally {
    await store.close();
  }
}

/** Result of the corpus step of `ingest`. */
export interface IngestCorpusStep {
  corpus: ReadCorpusResult;
  report: IngestReport;
  reportPath: string;
}

/**
 * The corpus step of `ingest`: read + normalize + chunk the corpus, write the ingest report.
 * Throws UserFacingError when the corpus folder is missing; bad files are in `corpus.errors`.
 *
 * @example
 * const { corpus, reportPath } = await ingestCorpusStep({ corpusDir: config.CORPUS_DIR, dataDir: config.DATA_DIR, log });
 */
export async function ingestCorpusStep(opts: { corpusDir: string; dataDir: string; log: Logger }): Promise<IngestCorpusStep> {
  let corpus: ReadCorpusResult;
  try {
    corpus = await readCorpus(opts.corpusDir, { logger: opts.log, cacheDir: corpusCacheDir(opts.dataDir) }); // the parsed corpus a later `ask` reads
  } catch (err) {
    if (err instanceof CorpusReadError) throw new UserFacingError(err.message);
    throw err;
  }
  const report = buildIngestReport(corpus);
  const reportPath = await writeIngestReport(opts.dataDir, report);
  return { corpus, report, reportPath };
}

/** Human-readable summary lines of an ingest (stdout). */
export function formatIngestSummary(step: IngestCorpusStep): string {
  const { corpus, reportPath } = step;
  const lines = [`Ingested ${corpus.documents.length} document(s) → ${corpus.chunks.length} chunks from ${corpus.dir}`];
  for (const f of corpus.files) {
    const status = f.errors.length ? 'ERROR' : `${f.chunks} chunks`;
    const notes = [
      f.normalization?.traditionalConverted ? 'traditional→simplified' : '',
      f.normalization?.pinyinGlossesRemoved ? `${f.normalization.pinyinGlossesRemoved} pinyin glosses removed` : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(
      `  ${f.file.padEnd(44)} ${status}${f.warnings.length ? `, ${f.warnings.length} warning(s)` : ''}${notes ? ` (${notes})` : ''}`,
    );
  }
  lines.push(`Warnings: ${corpus.warnings.length}`);
  for (const w of corpus.warnings) lines.push(`  ${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`);
  lines.push(`Errors: ${corpus.errors.length}`);
  lines.push(`Report: ${reportPath}`);
  return lines.join('\n');
}

function corpusDirFrom(config: Config, flag: string | undefined): string {
  return flag ? resolve(flag) : config.CORPUS_DIR;
}

export const command: CliCommand = {
  usage: 'ingest [--corpus DIR] [--json] [--rebuild] [--inbox]',
  summary: 'Parse, normalize and chunk the corpus; build the search indexes',
  help: [
    'Reads every .md/.txt file in <corpus>/documents (default CORPUS_DIR), checks its YAML header,',
    'normalizes the text and splits it into clause chunks. Prints a summary; --json prints the report.',
    'A bad file (no header, bad field, binary, empty, too large, not UTF-8) is reported with its file',
    'and line; the other files are still ingested, and the command exits 1.',
    'Then builds the search indexes under DATA_DIR/index (BM25 + vectors, reusing cached vectors;',
    'trains the offline embedder when no other model is available). When only documents changed, the',
    'previous index is updated: only changed chunks are segmented and embedded. --rebuild forces a full build,',
    '--no-index skips this step.',
    '--inbox first imports the files waiting in INBOX_DIR (any format `policybot import` reads) and moves',
    'them to INBOX_DIR/done/, or to INBOX_DIR/failed/ with a <name>.error.txt.',
    'The first ingest of a fresh install also saves the broadcast baseline (the corpus as it is now).',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCliArgs(argv, {
      corpus: { type: 'string' },
      json: { type: 'boolean' },
      rebuild: { type: 'boolean' },
      'no-index': { type: 'boolean' },
      inbox: { type: 'boolean' },
    });
    const config = loadConfig();
    const log = createLogger({ level: values.debug ? 'debug' : (config.LOG_LEVEL ?? 'warn') });
    const out = (text: string) => (values.json ? process.stderr : process.stdout).write(text + '\n');
    const inbox = values.inbox ? await runInbox(config, corpusDirFrom(config, values.corpus), log) : undefined;
    if (inbox) out(inbox.lines.join('\n'));
    const step = await ingestCorpusStep({
      corpusDir: corpusDirFrom(config, values.corpus),
      dataDir: config.DATA_DIR,
      log: values.json ? log : createLogger({ level: 'silent' }),
    });
    if (values.json) printJson(step.report, true);
    else process.stdout.write(formatIngestSummary(step) + '\n');
    const saved = await baseline(config, step, log);
    if (saved) out(saved);
    // retrieval indexes (BM25 + vectors; trains the offline embedder when no other model is present)
    if (!values['no-index'] && step.corpus.chunks.length) {
      const opened = await openRetrieverFromConfig(config, log, {
        corpus: step.corpus,
        corpusDir: corpusDirFrom(config, values.corpus),
        force: values.rebuild,
        lazyModel: true,
      });
      const summary = formatIndexSummary(opened) + '\n';
      if (values.json) process.stderr.write(summary);
      else process.stdout.write(summary);
    }
    if (step.corpus.errors.length) {
      for (const e of step.corpus.errors) process.stderr.write(`policybot: ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}\n`);
      process.stderr.write(
        `policybot: ${step.corpus.errors.length} file(s) could not be ingested (fix them and run again; details in ${step.reportPath})\n`,
      );
      return 1;
    }
    return inbox?.failed ? 1 : 0;
  },
};

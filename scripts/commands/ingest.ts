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
  readCorpus,
  writeIngestReport,
  type IngestReport,
  type ReadCorpusResult,
} from '../../retrieval/corpus.ts';
import { UserFacingError, parseCliArgs, printJson, type CliCommand } from '../cli.ts';
import { formatIndexSummary, openRetrieverFromConfig } from './search.ts';

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
    corpus = await readCorpus(opts.corpusDir, { logger: opts.log });
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
    const notes = [f.normalization?.traditionalConverted ? 'traditional→simplified' : '', f.normalization?.pinyinGlossesRemoved ? `${f.normalization.pinyinGlossesRemoved} pinyin glosses removed` : '']
      .filter(Boolean)
      .join(', ');
    lines.push(`  ${f.file.padEnd(44)} ${status}${f.warnings.length ? `, ${f.warnings.length} warning(s)` : ''}${notes ? ` (${notes})` : ''}`);
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
  usage: 'ingest [--corpus DIR] [--json] [--rebuild]',
  summary: 'Parse, normalize and chunk the corpus; build the search indexes',
  help: [
    'Reads every .md/.txt file in <corpus>/documents (default CORPUS_DIR), checks its YAML header,',
    'normalizes the text and splits it into clause chunks. Prints a summary; --json prints the report.',
    'A bad file (no header, bad field, binary, empty, too large, not UTF-8) is reported with its file',
    'and line; the other files are still ingested, and the command exits 1.',
    'Then builds the search indexes under DATA_DIR/index (BM25 + vectors, reusing cached vectors;',
    'trains the offline embedder when no other model is available). --rebuild forces a rebuild,',
    '--no-index skips this step.',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCliArgs(argv, { corpus: { type: 'string' }, json: { type: 'boolean' }, rebuild: { type: 'boolean' }, 'no-index': { type: 'boolean' } });
    const config = loadConfig();
    const log = createLogger({ level: values.debug ? 'debug' : config.LOG_LEVEL ?? 'warn' });
    const step = await ingestCorpusStep({ corpusDir: corpusDirFrom(config, values.corpus), dataDir: config.DATA_DIR, log: values.json ? log : createLogger({ level: 'silent' }) });
    if (values.json) printJson(step.report, true);
    else process.stdout.write(formatIngestSummary(step) + '\n');
    // retrieval indexes (BM25 + vectors; trains the offline embedder when no other model is present)
    if (!values['no-index'] && step.corpus.chunks.length) {
      const opened = await openRetrieverFromConfig(config, log, { corpus: step.corpus, corpusDir: corpusDirFrom(config, values.corpus), force: values.rebuild, lazyModel: true });
      const summary = formatIndexSummary(opened) + '\n';
      if (values.json) process.stderr.write(summary);
      else process.stdout.write(summary);
    }
    if (step.corpus.errors.length) {
      for (const e of step.corpus.errors) process.stderr.write(`policybot: ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}\n`);
      process.stderr.write(`policybot: ${step.corpus.errors.length} file(s) could not be ingested (fix them and run again; details in ${step.reportPath})\n`);
      return 1;
    }
    return 0;
  },
};

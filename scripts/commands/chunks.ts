/**
 * `policybot chunks [--doc ID] [--json] [--corpus DIR]`
 *
 * Lists the clause chunks of the corpus. `--json` prints
 * `[{ "id", "docId", "title", "docNumber", "clause", "path", "text" }]`.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../../bot/config.ts';
import { CorpusReadError, readCorpus } from '../../retrieval/corpus.ts';
import type { Chunk } from '../../retrieval/types.ts';
import { UserFacingError, parseCliArgs, printJson, type CliCommand } from '../cli.ts';

/** The `chunks --json` shape of one chunk. */
export function chunkJson(c: Chunk) {
  return { id: c.id, docId: c.docId, title: c.title, docNumber: c.docNumber ?? null, clause: c.clause, path: c.path, text: c.text };
}

/** A readable listing of chunks (one block per chunk). */
export function formatChunks(chunks: Chunk[]): string {
  const out: string[] = [];
  let doc = '';
  for (const c of chunks) {
    if (c.docId !== doc) {
      doc = c.docId;
      out.push(`\n== ${c.docId}  ${c.title}${c.docNumber ? `（${c.docNumber}）` : ''}`);
    }
    const flat = c.text.replace(/\s+/g, ' ');
    out.push(`${c.id}  [${c.start}–${c.end}, ${c.end - c.start} chars]${c.heading ? `  ${c.heading}` : ''}`);
    if (c.path.length) out.push(`  path: ${c.path.join(' › ')}`);
    out.push(`  ${flat.length > 120 ? flat.slice(0, 120) + '…' : flat}`);
  }
  return out.join('\n').replace(/^\n/, '');
}

export const command: CliCommand = {
  usage: 'chunks [--doc ID] [--json] [--corpus DIR]',
  summary: 'List the clause chunks of the corpus (or of one document)',
  help: '--json prints [{ id, docId, title, docNumber, clause, path, text }]. Files with errors are skipped (said on stderr; run `policybot ingest` for details).',
  async run(argv) {
    const { values } = parseCliArgs(argv, { doc: { type: 'string' }, json: { type: 'boolean' }, corpus: { type: 'string' } });
    // `policybot chunks --json | head` closes the pipe early: that is not an error
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
    const config = loadConfig();
    let corpus;
    try {
      corpus = await readCorpus(values.corpus ? resolve(values.corpus) : config.CORPUS_DIR);
    } catch (err) {
      if (err instanceof CorpusReadError) throw new UserFacingError(err.message);
      throw err;
    }
    if (corpus.errors.length) {
      process.stderr.write(
        `policybot: skipped ${corpus.errors.length} file(s) with errors: ${corpus.errors.map((e) => e.file).join(', ')} (run \`policybot ingest\` for details)\n`,
      );
    }
    let chunks = corpus.chunks;
    if (values.doc !== undefined) {
      if (!corpus.documents.some((d) => d.id === values.doc)) {
        throw new UserFacingError(
          `no document "${values.doc}" in ${corpus.dir}; known ids: ${corpus.documents.map((d) => d.id).join(', ')}`,
        );
      }
      chunks = chunks.filter((c) => c.docId === values.doc);
    }
    if (values.json) printJson(chunks.map(chunkJson), true);
    else process.stdout.write(formatChunks(chunks) + '\n');
    return 0;
  },
};

/**
 * `policybot train-embedder [--dim N] [--out DIR] [--json]`
 *
 * Trains the offline static embedder on the corpus chunks and writes it as a transformers.js model
 * folder (default `DATA_DIR/models/policybot-static-zh`). The next `ingest`/`search` notices the new
 * model files (fingerprint in the index manifest) and re-embeds.
 */
import { loadConfig } from '../../bot/config.ts';
import { readCorpus } from '../../retrieval/corpus.ts';
import { staticModelDir } from '../../retrieval/search.ts';
import { trainStaticEmbedder } from '../../retrieval/train-embedder.ts';
import { CliUsageError, UserFacingError, parseCliArgs, printJson, type CliCommand } from '../cli.ts';

export const command: CliCommand = {
  usage: 'train-embedder [--dim N] [--out DIR] [--json]',
  summary: 'Train the offline static embedding model from the corpus',
  help: [
    'Character co-occurrence (PPMI) → randomized SVD → a transformers.js model folder',
    '(config.json, tokenizer.json, onnx/model.onnx). Used when EMBEDDING_MODEL is not in MODELS_DIR',
    'and remote models are not allowed.',
    '',
    'Options:',
    '  --dim N     embedding dimension (default 128)',
    '  --out DIR   output folder (default DATA_DIR/models/policybot-static-zh)',
    '  --json      print the training summary as JSON',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCliArgs(argv, { dim: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } });
    const dim = values.dim === undefined ? 128 : Number(values.dim);
    if (!Number.isInteger(dim) || dim < 8 || dim > 1024)
      throw new CliUsageError(`--dim expects a whole number 8–1024, got "${values.dim}"`);
    const config = loadConfig();
    const corpus = await readCorpus(config.CORPUS_DIR);
    if (!corpus.chunks.length)
      throw new UserFacingError(`no chunks to train on in ${config.CORPUS_DIR}/documents; run policybot ingest to see why`);
    const outDir = values.out ?? staticModelDir(config.DATA_DIR);
    const r = await trainStaticEmbedder(
      corpus.chunks.map((c) => c.text),
      { outDir, dim },
    );
    if (values.json) printJson(r, true);
    else {
      process.stdout.write(
        [
          `Trained ${r.modelId}: ${r.learnedChars} distinct characters from ${corpus.chunks.length} chunks, dim ${r.dim}, vocabulary ${r.vocabSize}, ${r.seconds.toFixed(1)} s`,
          `Model folder: ${r.outDir}`,
          'The next `policybot ingest` or `search` re-embeds the chunks with it.',
        ].join('\n') + '\n',
      );
    }
    return 0;
  },
};

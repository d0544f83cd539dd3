/**
 * Opening a retriever: the language data (jieba dictionary, synonyms), the embedding model (training
 * the offline static embedder when it is the choice and missing), the index (loaded when it matches,
 * else rebuilt), then a `Retriever` over it.
 *
 * @example
 * const { retriever } = await openRetriever({ chunks, documents, dataDir: 'data', corpusDir: 'corpus',
 *   model: { modelId: 'Xenova/bge-small-zh-v1.5', modelsDir: 'models', allowRemote: false,
 *            remoteHost: 'https://huggingface.co/' }, log });
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Chunk, DocInfo } from './types.ts';
import type { Bm25Params } from './bm25.ts';
import {
  isModelFolder,
  loadEmbedder,
  modelFolderProblem,
  resolveEmbeddingModel,
  type Embedder,
  type LoggerLike,
  type ModelChoice,
} from './embed.ts';
import { loadOrBuildIndex, modelFingerprint, type IndexOutcome } from './index-store.ts';
import { STATIC_MODEL_ID } from './static-model.ts';
import type { FusionOptions } from './fuse.ts';
import { Retriever } from './retriever.ts';
import { createSegmenter, ensureStockTable, type Segmenter } from './segment.ts';
import { loadSynonyms, type SynonymTable } from './synonyms.ts';

/** The project data files the retriever reads from the corpus folder. */
export function corpusDataFiles(corpusDir: string): { dictionary: string; synonyms: string } {
  return { dictionary: join(corpusDir, 'dictionary.txt'), synonyms: join(corpusDir, 'synonyms.yaml') };
}

/**
 * Loads the segmenter (with corpus/dictionary.txt) and the synonym table (corpus/synonyms.yaml).
 * `cacheDir` keeps the segmenter's trimmed stock dictionary (`<DATA_DIR>/segmenter`).
 */
export function loadLanguageData(corpusDir: string, cacheDir?: string): { segmenter: Segmenter; synonyms: SynonymTable } {
  const files = corpusDataFiles(corpusDir);
  return { segmenter: createSegmenter({ dictionaryFile: files.dictionary, cacheDir }), synonyms: loadSynonyms(files.synonyms) };
}

/** Inputs of `openRetriever`. */
export interface OpenRetrieverOptions {
  chunks: Chunk[];
  documents: DocInfo[];
  /** Folder with dictionary.txt and synonyms.yaml. */
  corpusDir: string;
  /** DATA_DIR: the index goes to `<dataDir>/index`, the static model to `<dataDir>/models/`. */
  dataDir: string;
  /** Embedding model settings; null → BM25 only (no dense path). */
  model: { modelId: string; modelsDir: string; allowRemote: boolean; remoteHost: string } | null;
  fusion?: FusionOptions;
  bm25?: Bm25Params;
  /** Rebuild the index even when it matches. */
  force?: boolean;
  /** Do not load the embedding model unless something must be embedded (ingest). */
  lazyModel?: boolean;
  /**
   * Load jieba's whole dictionary and the general idf table now rather than in the first query
   * (default true: serving processes). false for one-shot processes (`policybot ask`): the
   * segmenter then loads only the words of the texts it cuts (retrieval/segment.ts, same cuts).
   */
  warm?: boolean;
  log?: LoggerLike;
}

/** What `openRetriever` returns. */
export interface OpenedRetriever {
  retriever: Retriever;
  index: IndexOutcome;
  choice: ModelChoice | null;
  /** Whether the static embedder was (re)trained in this call. */
  trained: boolean;
}

/** Folder of the corpus-trained static embedder under DATA_DIR. */
export function staticModelDir(dataDir: string): string {
  return join(dataDir, 'models', STATIC_MODEL_ID);
}

/**
 * Opens a retriever: resolves the embedding model (training the offline static embedder when it is
 * the choice and missing), loads or rebuilds the index, loads the model.
 */
export async function openRetriever(o: OpenRetrieverOptions): Promise<OpenedRetriever> {
  const segmenterDir = join(o.dataDir, 'segmenter');
  const { segmenter, synonyms } = loadLanguageData(o.corpusDir, segmenterDir);
  let choice: ModelChoice | null = null;
  let trained = false;
  let embedder: Embedder | undefined;
  const staticDir = staticModelDir(o.dataDir);
  if (o.model) {
    choice = resolveEmbeddingModel({ ...o.model, staticModelDir: staticDir });
    if (choice.remote) {
      try {
        embedder = await loadEmbedder(choice, o.log);
      } catch (err) {
        o.log?.warn(
          `could not download ${choice.modelId} from ${choice.remoteHost}: ${(err as Error).message}; falling back to the offline embedder`,
        );
        choice = resolveEmbeddingModel({ ...o.model, allowRemote: false, staticModelDir: staticDir });
      }
    }
    const problem = choice.isStatic && isModelFolder(staticDir) ? modelFolderProblem(staticDir) : undefined;
    if (problem) {
      // rebuilt like a corrupt index: it is derived from the corpus
      o.log?.warn(`the trained embedder in ${staticDir} is corrupt (${problem}); rebuilding it`);
      rmSync(staticDir, { recursive: true, force: true });
    }
    if (choice.isStatic && !isModelFolder(staticDir)) {
      o.log?.info(`training the offline embedder (${STATIC_MODEL_ID}) on ${o.chunks.length} chunks…`);
      const { trainStaticEmbedder } = await import('./train-embedder.ts'); // the trainer's dependencies load only when training
      const r = await trainStaticEmbedder(
        o.chunks.map((c) => c.text),
        { outDir: staticDir },
      );
      o.log?.info(`trained ${r.modelId}: ${r.learnedChars} characters, dim ${r.dim}, ${r.seconds.toFixed(1)} s → ${staticDir}`);
      trained = true;
    }
  }
  const picked = choice;
  const getEmbedder = async (): Promise<Embedder> => (embedder ??= await loadEmbedder(picked!, o.log));
  const identity = picked
    ? {
        id: picked.modelId,
        fingerprint: picked.remote ? `remote:${picked.modelId}` : modelFingerprint(join(picked.localPath!, picked.modelId)),
      }
    : null;
  const index = await loadOrBuildIndex({
    dir: join(o.dataDir, 'index'),
    chunks: o.chunks,
    documents: o.documents,
    segmenter,
    model: identity,
    getEmbedder: picked ? getEmbedder : undefined,
    bm25: o.bm25,
    force: o.force,
    log: o.log,
  });
  // the sorted stock dictionary a segmenter that is not warmed looks words up in (written once, ~0.5 s,
  // by ingest or the first one-shot process; serving processes load the whole dictionary instead)
  if (o.lazyModel || o.warm === false) ensureStockTable(segmenterDir);
  if (!o.lazyModel) {
    if (picked) await getEmbedder();
    if (o.warm !== false) {
      segmenter.warm(); // jieba's dictionaries and the general idf table now rather than in the first query
      segmenter.generalIdf('的');
    }
  }
  const retriever = new Retriever({ data: index.data, segmenter, synonyms, embedder, fusion: o.fusion });
  return { retriever, index, choice: picked, trained };
}

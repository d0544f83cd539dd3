/**
 * The retrieval library's front door: the `Retriever` (retriever.ts), opening one over the stored
 * index (open-retriever.ts) and the index data shapes (index-store.ts, types.ts), re-exported so that
 * callers import one module. Nothing here imports back from those modules' callers: the modules form
 * no import cycle (index-store.ts no longer reaches into the retriever).
 *
 * @example
 * const { retriever } = await openRetriever({ chunks, documents, dataDir: 'data', corpusDir: 'corpus', model: null });
 * const result = await retriever.search('海归落户要交多久社保？', { k: 5 });
 */
export { Retriever, type RetrieverParts, type SearchMode, type SearchOptions, type StageTimings } from './retriever.ts';
export {
  corpusDataFiles,
  loadLanguageData,
  openRetriever,
  staticModelDir,
  type OpenedRetriever,
  type OpenRetrieverOptions,
} from './open-retriever.ts';
export { docFacts, type IndexData } from './index-store.ts';
export type { DocInfo } from './types.ts';
export type { LoggerLike } from './embed.ts';

/**
 * Config → retrieval options (the RETRIEVAL_* and BM25_* variables). Lives in bot/ so that both the
 * app (bot/app.ts) and the CLI commands can use it without bot/ importing from scripts/.
 *
 * @example
 * const fusion = fusionFromConfig(loadConfig());
 */
import type { Config } from './config.ts';
import { DEFAULT_FUSION, type FusionOptions } from '../retrieval/fuse.ts';

/** Fusion options from the RETRIEVAL_* variables. */
export function fusionFromConfig(config: Config): FusionOptions {
  return {
    ...DEFAULT_FUSION,
    method: config.RETRIEVAL_FUSION,
    weights: {
      bm25: config.RETRIEVAL_W_BM25,
      dense: config.RETRIEVAL_W_DENSE,
      coverage: config.RETRIEVAL_W_COVERAGE,
      heading: config.RETRIEVAL_W_HEADING,
      doc: config.RETRIEVAL_W_DOC,
      municipal: config.RETRIEVAL_W_MUNICIPAL,
    },
    bigramWeight: config.RETRIEVAL_BIGRAM_WEIGHT,
    synonymWeight: config.RETRIEVAL_SYNONYM_WEIGHT,
    confidence: {
      midpoint: config.RETRIEVAL_CONFIDENCE_MIDPOINT,
      steepness: config.RETRIEVAL_CONFIDENCE_STEEPNESS,
      placePenalty: config.RETRIEVAL_PLACE_PENALTY,
    },
  };
}

/** The embedding model to open, from EMBEDDING_MODEL, MODELS_DIR, ALLOW_REMOTE_MODELS and REMOTE_MODEL_HOST. */
export function modelFromConfig(config: Config): { modelId: string; modelsDir: string; allowRemote: boolean; remoteHost: string } {
  return {
    modelId: config.EMBEDDING_MODEL,
    modelsDir: config.MODELS_DIR,
    allowRemote: config.ALLOW_REMOTE_MODELS,
    remoteHost: config.REMOTE_MODEL_HOST,
  };
}

/** BM25 parameters from BM25_K1 / BM25_B. */
export function bm25FromConfig(config: Config): { k1: number; b: number } {
  return { k1: config.BM25_K1, b: config.BM25_B };
}

/**
 * Names of the offline corpus-trained static embedder, in a module of their own so that loading a model
 * does not pull in the trainer's dependencies (ml-matrix, onnx-proto, protobufjs).
 */

/** Model id of the corpus-trained static embedder (folder name under `<DATA_DIR>/models/`). */
export const STATIC_MODEL_ID = 'policybot-static-zh';

/** Marker in config.json that identifies a static policybot model (pooling: mean + normalize). */
export const STATIC_MODEL_MARKER = 'policybot_static';

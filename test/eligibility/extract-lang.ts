/**
 * The shipped extractor language (corpus/lang/extract.yaml with the cue tables' districts), loaded once
 * for the tests that call `extractFacts` directly, as bot/assistant/understand.ts loads it for the app.
 */
import { join } from 'node:path';
import { loadCueTables } from '../../eligibility/cues.ts';
import { loadExtractLang } from '../../eligibility/extract-lang.ts';
import { CORPUS_DIR } from './helpers.ts';

const dir = join(CORPUS_DIR, 'lang');
export const extractLang = loadExtractLang(dir, loadCueTables(dir).districts);

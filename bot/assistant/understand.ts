/**
 * The understanding stage as the assistant uses it: the cue tables of `<CORPUS_DIR>/lang/*.yaml`
 * bound to the extractor (with the rankings table) and the fact catalog. See eligibility/understand.ts.
 *
 * @example
 * const deps = understandingDeps('corpus', catalog, universities);
 * deps.understand('曼大毕业的 想落户', { asOf: '2026-12-01' }).goals // ['settlement']
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { loadColloquial } from '../../text/colloquial.ts';
import { parseGlossary, type Glossary } from '../../text/glossary.ts';
import { loadCueTables, yesNo, type CueTables, type YesNo } from '../../eligibility/cues.ts';
import { extractFacts } from '../../eligibility/extract.ts';
import { loadExtractLang } from '../../eligibility/extract-lang.ts';
import { loadDateLang } from '../../eligibility/find-dates.ts';
import type { FactCatalog } from '../../eligibility/rules.ts';
import { understand } from '../../eligibility/understand.ts';
import type { UniversityTable } from '../../eligibility/universities.ts';
import type { ExtractFn, UnderstandFn } from './index.ts';
import { compileRouteCues, type RouteCues } from './route.ts';

export function understandingDeps(
  corpusDir: string,
  catalog: FactCatalog,
  universities: UniversityTable | null | undefined,
): {
  understand: UnderstandFn;
  /** The same extractor for the assistant's direct calls (bare answers), bound to the same tables. */
  extract: ExtractFn;
  sentences: CueTables['sentences'];
  cues: CueTables;
  yesNo: YesNo;
  glossary: Glossary | null;
  routing: RouteCues;
  /** Chat words written the standard way (corpus/lang/colloquial.yaml), before a message is read. */
  colloquial: (text: string) => string;
} {
  const cues = loadCueTables(join(corpusDir, 'lang'), new Set(Object.keys(catalog)));
  const dates = loadDateLang(join(corpusDir, 'lang'));
  const lang = loadExtractLang(join(corpusDir, 'lang'), cues.districts, dates);
  const extract = (
    text: string,
    o: { asOf: string; openFact?: string | null; contextYear?: number | null; topicFacts?: string[]; messageText?: string },
  ) =>
    extractFacts(text, {
      asOf: o.asOf,
      lang,
      topicFacts: o.topicFacts,
      messageText: o.messageText,
      universities: universities ?? undefined,
      openFact: o.openFact ?? undefined,
      contextYear: o.contextYear ?? undefined,
      approximate: { before: cues.doubt.approxBefore, after: cues.doubt.approxAfter },
    });
  const glossaryFile = join(corpusDir, 'lang', 'glossary-en.yaml');
  const glossary = existsSync(glossaryFile) ? parseGlossary(yaml.load(readFileSync(glossaryFile, 'utf8')), glossaryFile) : null;
  return {
    cues,
    glossary,
    colloquial: loadColloquial(join(corpusDir, 'lang', 'colloquial.yaml')),
    routing: compileRouteCues(cues.route),
    extract: (text, asOf, context) => extract(text, { asOf, openFact: context?.openFact, contextYear: context?.contextYear }),
    sentences: cues.sentences,
    yesNo: yesNo(cues),
    understand: (text, ctx) => understand(text, ctx, { cues, extract, catalog, dates }),
  };
}

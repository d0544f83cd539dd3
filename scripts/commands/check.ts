/**
 * `policybot check --facts '<json>' [--as-of YYYY-MM-DD] [--rule ID] [--json]`
 *
 * Evaluates the eligibility rules (corpus/rules/) against the given facts on a date. `--json` prints
 * `{ asOf, facts, verdicts: Verdict[], nextQuestion }`; without it a short Chinese summary.
 */
import { join, resolve } from 'node:path';
import { loadConfig, todayIn } from '../../bot/config.ts';
import { createLogger } from '../../bot/logger.ts';
import { evaluate, type Verdict } from '../../eligibility/evaluate.ts';
import { FactsError, formatFactValue, parseFacts, type Facts } from '../../eligibility/facts.ts';
import { nextQuestion, questionFor } from '../../eligibility/questions.ts';
import { loadRuleSet, RuleLoadError, type FactCatalog } from '../../eligibility/rules.ts';
import { CorpusReadError, readCorpus } from '../../retrieval/corpus.ts';
import { CliUsageError, UserFacingError, parseCliArgs, parseDateFlag, printJson, readStdin, type CliCommand } from '../cli.ts';

const VERDICT_ZH: Record<Verdict['verdict'], string> = {
  eligible: '符合',
  not_eligible: '不符合',
  need_more_info: '需要更多信息',
  not_applicable: '不适用',
};
const MARK = { pass: '✓', fail: '✗', unknown: '?' } as const;

/** A short readable Chinese summary of verdicts. */
export function formatVerdicts(verdicts: Verdict[], facts: Facts, catalog: FactCatalog): string {
  const out: string[] = [];
  for (const v of verdicts) {
    out.push(`【${VERDICT_ZH[v.verdict]}】${v.title.zh}  (${v.ruleId})`);
    out.push(`  依据：${v.cite.docId}「${v.cite.clause}」“${v.cite.quote}”`);
    for (const c of v.conditions) {
      if (c.skipped) continue;
      const val = c.value === undefined ? '未知' : formatFactValue(c.value);
      out.push(`  ${MARK[c.status]} ${c.label ?? c.id}（${c.fact} = ${val}）${c.note ? ` — ${c.note}` : ''}`);
    }
    for (const r of v.reasons) out.push(`  · ${r.zh}`);
    if (v.missing.length) out.push(`  还需要：${v.missing.map((f) => questionFor(f, catalog).question).join(' / ')}`);
    for (const n of v.notes) out.push(`  注：${n}`);
    out.push('');
  }
  if (!verdicts.length) out.push('没有可评估的规则。');
  void facts;
  return out.join('\n').trimEnd();
}

export const command: CliCommand = {
  usage: "check --facts '<json>' [--as-of YYYY-MM-DD] [--rule ID] [--json]",
  summary: 'Evaluate the eligibility rules against facts (deterministic, dated)',
  help: [
    '--facts   JSON object of facts, e.g. \'{"studiedAbroad":true,"worldRank":60,"employedFullTimeInShanghai":true,"socialInsuranceMonths":5}\'',
    '          (\'-\' reads it from stdin). Numbers may be intervals: {"min":1,"max":50}. Dates: YYYY-MM-DD, YYYY-MM or YYYY.',
    '--as-of   evaluation date (default AS_OF or today in Asia/Shanghai)',
    '--rule    only this rule id (repeatable as a comma-separated list)',
    '--json    print { asOf, facts, verdicts, nextQuestion }',
    'Fact names and types: corpus/rules/facts.yaml; rule format: docs/rules.md.',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseCliArgs(argv, {
      facts: { type: 'string' },
      'as-of': { type: 'string' },
      rule: { type: 'string' },
      json: { type: 'boolean' },
      corpus: { type: 'string' },
    });
    if (positionals.length) throw new CliUsageError(`unexpected argument "${positionals[0]}" (facts go in --facts '<json>')`);
    if (values.facts === undefined) throw new CliUsageError("--facts '<json>' is required, e.g. --facts '{\"worldRank\":30}'");
    const config = loadConfig();
    const asOf = parseDateFlag(values['as-of'], '--as-of') ?? todayIn(config);
    const logger = createLogger({ level: values.debug ? 'debug' : (config.LOG_LEVEL ?? 'warn') });
    const raw = values.facts === '-' ? await readStdin() : values.facts;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      throw new CliUsageError(`--facts is not valid JSON: ${(e as Error).message}`);
    }
    const corpusDir = values.corpus ? resolve(values.corpus) : config.CORPUS_DIR;
    let ruleSet;
    try {
      const corpus = await readCorpus(corpusDir);
      ruleSet = loadRuleSet(join(corpusDir, 'rules'), { chunks: corpus.chunks, logger });
    } catch (e) {
      if (e instanceof CorpusReadError || e instanceof RuleLoadError) throw new UserFacingError(e.message);
      throw e;
    }
    let facts: Facts;
    try {
      facts = parseFacts(json, ruleSet.catalog);
    } catch (e) {
      if (e instanceof FactsError) throw new CliUsageError(e.message);
      throw e;
    }
    const ruleIds = values.rule
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const id of ruleIds ?? []) {
      if (!ruleSet.rules.some((r) => r.id === id)) {
        throw new CliUsageError(`unknown rule "${id}" (rules: ${ruleSet.rules.map((r) => r.id).join(', ')})`);
      }
    }
    const verdicts = evaluate(ruleSet.rules, facts, asOf, { ruleIds, catalog: ruleSet.catalog });
    if (values.json) printJson({ asOf, facts, verdicts, nextQuestion: nextQuestion(verdicts, ruleSet.catalog) ?? null }, true);
    else process.stdout.write(`评估日期：${asOf}\n\n${formatVerdicts(verdicts, facts, ruleSet.catalog)}\n`);
    return 0;
  },
};

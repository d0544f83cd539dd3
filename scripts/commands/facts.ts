/**
 * `policybot facts "<message>" [--as-of YYYY-MM-DD] [--expect FACT] [--json]`
 *
 * Shows what the deterministic extractor reads from one message (for debugging the eligibility
 * dialogue). `--json` prints `{ asOf, facts, notes, ambiguities, evidence }`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, todayIn } from '../../bot/config.ts';
import { createLogger } from '../../bot/logger.ts';
import { loadCueTables } from '../../eligibility/cues.ts';
import { extractFacts } from '../../eligibility/extract.ts';
import { loadExtractLang } from '../../eligibility/extract-lang.ts';
import { formatFactValue } from '../../eligibility/facts.ts';
import { loadUniversityTable, RankingsError } from '../../eligibility/universities.ts';
import { CliUsageError, UserFacingError, parseCliArgs, parseDateFlag, printJson, readStdin, type CliCommand } from '../cli.ts';

export const command: CliCommand = {
  usage: 'facts "<message>" [--as-of YYYY-MM-DD] [--expect FACT] [--json]',
  summary: 'Show the facts extracted from a message (debugging)',
  help: [
    '"<message>"  the text ("-" reads stdin)',
    '--as-of      date for relative dates such as 去年12月 (default AS_OF or today)',
    '--expect     the fact the bot just asked about, so bare answers ("是的", "6个月") count',
    '--json       print { asOf, facts, notes, ambiguities, evidence }',
    'University names are looked up when RANKINGS_FILE is set.',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseCliArgs(argv, {
      'as-of': { type: 'string' },
      expect: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new CliUsageError('give the message as one quoted argument: policybot facts "我是QS前50毕业的"');
    const text = positionals[0] === '-' ? await readStdin() : positionals[0]!;
    const config = loadConfig();
    const asOf = parseDateFlag(values['as-of'], '--as-of') ?? todayIn(config);
    const logger = createLogger({ level: values.debug ? 'debug' : 'error' });
    let universities;
    if (config.RANKINGS_FILE) {
      const colloquial = join(config.CORPUS_DIR, 'universities-colloquial.csv');
      try {
        universities = loadUniversityTable(config.RANKINGS_FILE, {
          colloquialFile: existsSync(colloquial) ? colloquial : undefined,
          shortNamesFile: join(config.CORPUS_DIR, 'lang', 'universities.yaml'),
          logger,
        });
      } catch (e) {
        if (e instanceof RankingsError) throw new UserFacingError(e.message);
        throw e;
      }
    }
    const langDir = join(config.CORPUS_DIR, 'lang');
    const lang = loadExtractLang(langDir, loadCueTables(langDir).districts);
    const r = extractFacts(text, { asOf, lang, universities, expect: values.expect });
    if (values.json) {
      printJson({ asOf, ...r }, true);
      return 0;
    }
    const lines = [`评估日期：${asOf}${universities ? '' : '（未配置排名表 RANKINGS_FILE，不查院校排名）'}`];
    const keys = Object.keys(r.facts);
    if (!keys.length) lines.push('没有识别出事实。');
    for (const k of keys) lines.push(`  ${k} = ${formatFactValue(r.facts[k])}    ← “${r.evidence[k] ?? ''}”`);
    for (const a of r.ambiguities) lines.push(`  需确认：${a.question}（${a.choices.map((c) => c.label).join(' / ')}）`);
    for (const n of r.notes) lines.push(`  注：${n}`);
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};

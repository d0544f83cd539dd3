/**
 * `policybot eval-replies [--no-write] [--verbose] [--json]` — issue #12's reply targets on the dev sets:
 * median eligibility / information reply length (default view, before 详情), the answering phrase
 * visible (test/fixtures/replies-info.yaml, tune and check halves), Chinese characters in English
 * replies outside quotes and 文号, Telegram message lengths. Writes its section of docs/assistant.md
 * (`<!-- eval-replies:start -->` … `<!-- eval-replies:end -->`) unless --no-write.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../bot/app.ts';
import { PROJECT_ROOT, loadConfig } from '../../bot/config.ts';
import { collectReplies, loadReplyCases, replyReport, type ReplyReport } from '../../bot/reply/eval.ts';
import { parseCliArgs, printJson, type CliCommand } from '../cli.ts';

const START = '<!-- eval-replies:start -->';
const END = '<!-- eval-replies:end -->';

/** The markdown of the section. */
export function section(r: ReplyReport, meta: { date: string; machine: string; rankings: boolean }): string {
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)} %` : '—');
  const ok = (cond: boolean) => (cond ? 'met' : '**not met**');
  return [
    `Measured by \`policybot eval-replies\` on ${meta.date} (${meta.machine}, Node ${process.versions.node}; rankings table ${meta.rankings ? 'on' : 'off'}): ${r.replies} replies of the dev sets (understanding-tune, assistant-dev, retrieval-dev, replies-info). Length = characters of the default view (\`Reply.answer\`, the terminal rendering, before 详情 / \`/more\`).`,
    '',
    '| target | measured | |',
    '|---|---|---|',
    `| median eligibility reply ≤ 300 | ${r.eligibility.median} (n = ${r.eligibility.n}; p95 ${r.eligibility.p95}; first turns ${r.eligibility.firstTurnMedian}, later turns ${r.eligibility.laterTurnMedian}) | ${ok(r.eligibility.median <= 300)} |`,
    `| median information reply ≤ 250 | ${r.information.median} (n = ${r.information.n}; p95 ${r.information.p95}) | ${ok(r.information.median <= 250)} |`,
    `| answering phrase visible ≥ 95 % — check half | ${r.phrase.check.visible}/${r.phrase.check.n} = ${pct(r.phrase.check.visible, r.phrase.check.n)} (in the answer line: ${r.phrase.check.inAnswerLine}) | ${ok(r.phrase.check.visible >= 0.95 * r.phrase.check.n)} |`,
    `| answering phrase visible ≥ 95 % — tune half | ${r.phrase.tune.visible}/${r.phrase.tune.n} = ${pct(r.phrase.tune.visible, r.phrase.tune.n)} (in the answer line: ${r.phrase.tune.inAnswerLine}) | ${ok(r.phrase.tune.visible >= 0.95 * r.phrase.tune.n)} |`,
    `| 0 CJK in English replies outside quotes, 文号, clause labels | ${r.english.strayChinese} in ${r.english.replies} English replies (${r.english.abstained} of them abstentions) | ${ok(r.english.strayChinese === 0)} |`,
    `| every Telegram message < 4096, valid HTML | longest ${r.telegram.longest} of ${r.telegram.messages} messages; validity: test/reply/devset-telegram.test.ts | ${ok(r.telegram.over4096 === 0)} |`,
    '',
    ...(r.phrase.check.misses.length || r.phrase.tune.misses.length
      ? [
          'Answering phrase not visible:',
          ...[...r.phrase.check.misses.map((m) => `check: ${m}`), ...r.phrase.tune.misses.map((m) => `tune: ${m}`)].map((m) => `- ${m}`),
          '',
        ]
      : []),
  ].join('\n');
}

export const command: CliCommand = {
  usage: 'eval-replies [--no-write] [--verbose] [--json]',
  summary: 'Measure the replies on the dev sets (length, answering phrase, English, Telegram); writes docs/assistant.md',
  async run(argv) {
    const { values } = parseCliArgs(argv, { 'no-write': { type: 'boolean' }, verbose: { type: 'boolean' }, json: { type: 'boolean' } });
    const app = await buildApp(loadConfig());
    const samples = await collectReplies(app.assistant, app.replyKit.locales, loadReplyCases(PROJECT_ROOT));
    const report = replyReport(samples);
    if (values.json) {
      printJson(report, true);
      return 0;
    }
    const body = section(report, {
      date: new Date().toISOString().slice(0, 10),
      machine: `${cpus().length}-core VM`,
      rankings: !!app.universities,
    });
    process.stdout.write(`${body}\n`);
    if (values.verbose) {
      for (const s of samples.filter((x) => x.lang === 'en')) process.stdout.write(`\n--- en ${s.kind} "${s.q}"\n${s.text}\n`);
    }
    if (!values['no-write']) {
      const file = join(PROJECT_ROOT, 'docs', 'assistant.md');
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
      const a = text.indexOf(START);
      const b = text.indexOf(END);
      const block = `${START}\n${body.trim()}\n${END}`;
      writeFileSync(file, a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + END.length) : `${text.trimEnd()}\n\n${block}\n`);
    }
    return 0;
  },
};

/**
 * `policybot eval-ask [--set FILE] [--json]` — runs the assistant's dev set and prints eligibility
 * accuracy, multi-turn accuracy, first-citation accuracy on answerable questions and the abstention rate.
 */
import { join } from 'node:path';
import { buildApp } from '../../bot/app.ts';
import {
  devSetFromRetrievalFile,
  isUnderstandingSet,
  loadDevSet,
  loadUnderstandingSet,
  runDevSet,
  runUnderstandingSet,
  type DevReport,
} from '../../bot/assistant/devset.ts';
import { PROJECT_ROOT, loadConfig } from '../../bot/config.ts';
import { parseCliArgs, printJson, type CliCommand } from '../cli.ts';

export const command: CliCommand = {
  usage: 'eval-ask [--set FILE] [--split tune|check|all] [--json]',
  summary: 'Evaluate the assistant on its dev set (verdicts, first citation, abstention)',
  async run(argv) {
    const { values } = parseCliArgs(argv, { set: { type: 'string' }, split: { type: 'string' }, json: { type: 'boolean' } });
    const file = values.set ?? join(PROJECT_ROOT, 'test/fixtures/assistant-dev.yaml');
    const app = await buildApp(loadConfig());
    if (isUnderstandingSet(file)) {
      const r = await runUnderstandingSet(app.assistant, loadUnderstandingSet(file), { hasRankings: !!app.universities });
      if (values.json) {
        printJson(r, true);
        return 0;
      }
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
      const lines = [
        `understanding set (${file.replace(PROJECT_ROOT + '/', '')})`,
        `messages (all expectations)  ${r.messages.correct}/${r.messages.total}  ${pct(r.messages.accuracy)}`,
        `verdicts (rule + verdict)    ${r.verdicts.correct}/${r.verdicts.total}  ${pct(r.verdicts.accuracy)}`,
        `conversations                ${r.conversations.correct}/${r.conversations.total}  ${pct(r.conversations.accuracy)}`,
        `confident wrong verdicts     ${r.confidentWrong}`,
        `shown facts without source   ${r.unsourcedFacts}`,
        r.skipped ? `skipped (no RANKINGS_FILE)   ${r.skipped}` : '',
        'by tag: ' +
          Object.entries(r.byTag)
            .sort()
            .map(([t, b]) => `${t} ${b.correct}/${b.total}`)
            .join(', '),
        ...r.failures.map((f) => `  ${f.confidentWrong ? '‼' : '✗'} ${f.id} ${f.q}\n      ${f.problems.join('; ')}`),
      ].filter(Boolean);
      process.stdout.write(lines.join('\n') + '\n');
      return 0;
    }
    const set = loadDevSet(file);
    const clauseText = (docId: string, clause: string) =>
      app.corpus.chunks
        .filter((c) => c.docId === docId && c.clause === clause)
        .map((c) => c.text)
        .join('');
    const split = (values.split ?? 'all') as 'tune' | 'check' | 'all';
    if (!['tune', 'check', 'all'].includes(split)) throw new Error(`--split: expected tune, check or all, got "${values.split}"`);
    const opts = { hasRankings: !!app.universities, clauseText };
    const report = await runDevSet(app.assistant, set, { ...opts, split });
    const extra: [string, DevReport][] = [];
    for (const name of values.set ? [] : ['retrieval-dev.yaml', 'retrieval-holdout.yaml', 'retrieval-fresh.yaml']) {
      const f = join(PROJECT_ROOT, 'test/fixtures', name);
      extra.push([name, await runDevSet(app.assistant, devSetFromRetrievalFile(f, set.as_of), opts)]);
    }
    if (values.json) {
      printJson({ assistant: report, ...Object.fromEntries(extra) }, true);
      return 0;
    }
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const out = [
      `assistant dev set (${file.replace(PROJECT_ROOT + '/', '')}${split === 'all' ? '' : `, split ${split}`})`,
      `eligibility verdicts     ${report.eligibility.correct}/${report.eligibility.total}  ${pct(report.eligibility.accuracy)}`,
      `multi-turn verdicts      ${report.conversations.correct}/${report.conversations.turns}  ${pct(report.conversations.accuracy)}`,
      `first citation correct   ${report.information.firstCitationCorrect}/${report.information.total}  ${pct(report.information.rate)} (wrongly abstained ${report.information.wronglyAbstained})`,
      `unanswerable abstained   ${report.unanswerable.abstained}/${report.unanswerable.total}  ${pct(report.unanswerable.rate)}`,
      report.skipped ? `skipped (no RANKINGS_FILE) ${report.skipped}` : '',
      ...report.failures.map((f) => `  ✗ [${f.kind}] ${f.q}\n      expected ${f.expected}\n      got      ${f.got}`),
    ].filter(Boolean);
    for (const [name, r] of extra) {
      out.push(
        '',
        `retrieval questions through the assistant (test/fixtures/${name})`,
        `first citation correct   ${r.information.firstCitationCorrect}/${r.information.total}  ${pct(r.information.rate)} (wrongly abstained ${r.information.wronglyAbstained})`,
        `unanswerable abstained   ${r.unanswerable.abstained}/${r.unanswerable.total}  ${pct(r.unanswerable.rate)}`,
        ...r.failures.map((f) => `  ✗ [${f.kind}] ${f.q}\n      expected ${f.expected}\n      got      ${f.got}`),
      );
    }
    process.stdout.write(out.join('\n') + '\n');
    return 0;
  },
};

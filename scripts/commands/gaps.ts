/**
 * `policybot gaps [--since YYYY-MM-DD] [--json] [--similarity X]`: the gap log of every channel (what
 * the bot could not answer, dead-end checks, 👎 with reasons), grouped by similar question with
 * counts — the list an HR admin works from to add documents, rules or synonyms.
 */
import { loadConfig } from '../../bot/config.ts';
import { groupGaps, openFeedbackStore } from '../../bot/feedback/index.ts';
import { openStoreReady } from '../../bot/store/index.ts';
import { CliUsageError, UserFacingError, parseCliArgs, parseDateFlag, printJson, type CliCommand } from '../cli.ts';

export const command: CliCommand = {
  usage: 'gaps [--since YYYY-MM-DD] [--json] [--similarity 0.5]',
  summary: 'The gap log (abstentions, dead ends, 👎 with reasons) grouped by similar question, with counts',
  help: [
    '  --since D        only entries from D (00:00 Asia/Shanghai) on',
    '  --json           print [{ question, count, kinds, channels, variants, bestClause, reasons, lastAt }]',
    '  --similarity X   bigram Jaccard similarity (0-1) at which two questions are one group (default 0.5)',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCliArgs(argv, { since: { type: 'string' }, json: { type: 'boolean' }, similarity: { type: 'string' } });
    const sinceDay = parseDateFlag(values.since, '--since');
    const similarity = values.similarity === undefined ? undefined : Number(values.similarity);
    if (similarity !== undefined && !(similarity >= 0 && similarity <= 1))
      throw new CliUsageError(`--similarity must be a number from 0 to 1 (got "${values.similarity}")`);
    const config = loadConfig();
    let store;
    try {
      store = await openStoreReady({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL, pgPoolMax: config.DATABASE_POOL_MAX });
    } catch (err) {
      throw new UserFacingError((err as Error).message);
    }
    try {
      const feedback = await openFeedbackStore(store);
      const since = sinceDay ? Date.parse(`${sinceDay}T00:00:00+08:00`) : 0;
      const records = await feedback.listGaps({ since, limit: 100_000 });
      const groups = groupGaps(records, { similarity });
      if (values.json) {
        printJson(groups.map((g) => ({ ...g, lastAt: new Date(g.lastAt).toISOString() })));
        return 0;
      }
      if (!groups.length) {
        process.stdout.write(`no gaps${sinceDay ? ` since ${sinceDay}` : ''}\n`);
        return 0;
      }
      process.stdout.write(`${records.length} gap(s) in ${groups.length} group(s)${sinceDay ? ` since ${sinceDay}` : ''}\n`);
      for (const g of groups) {
        const kinds = Object.entries(g.kinds)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ');
        process.stdout.write(
          `\n${String(g.count).padStart(4)}  ${g.question}\n      ${kinds} · ${g.channels.join(', ')} · last ${new Date(g.lastAt).toISOString().slice(0, 16).replace('T', ' ')}Z\n`,
        );
        if (g.bestClause) process.stdout.write(`      best clause: ${g.bestClause}\n`);
        for (const v of g.variants) process.stdout.write(`      ~ ${v}\n`);
        for (const r of g.reasons) process.stdout.write(`      👎 ${r}\n`);
      }
      return 0;
    } finally {
      await store.close();
    }
  },
};

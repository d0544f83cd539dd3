/**
 * `policybot broadcast [--dry-run] [--json] [--no-reindex]`
 *
 * Runs the sync-and-digest once now: imports INBOX_DIR, scans the corpus, diffs it against the last
 * broadcast snapshot, rebuilds the search index, enqueues one digest per changed document for the
 * matching subscribers, and sends the outbox through Telegram (also resuming an interrupted broadcast).
 * `--dry-run` prints the digests and recipient counts without importing, saving or sending (no token
 * needed). A real run needs TELEGRAM_BOT_TOKEN and uses TELEGRAM_API_ROOT.
 */
import { Api } from 'grammy';
import { openRetrieverFor } from '../../bot/app.ts';
import { openBroadcastService, openBroadcastStoreFor } from '../../bot/broadcast/service.ts';
import { runBroadcast, type RunResult } from '../../bot/broadcast/run.ts';
import { loadConfig } from '../../bot/config.ts';
import { createLogger } from '../../bot/logger.ts';
import { openStoreReady } from '../../bot/store/index.ts';
import { CorpusReadError } from '../../retrieval/corpus.ts';
import { UserFacingError, parseCliArgs, printJson, type CliCommand } from '../cli.ts';

const STATUS_TEXT: Record<RunResult['status'], string> = {
  baseline: 'first run: baseline snapshot saved, nothing sent (later runs report changes against it)',
  'no-change': 'no change since the last run',
  cosmetic: 'files changed, but only in whitespace/format: no digest',
  changed: 'changes found',
  conflict: 'another run committed first; only pending outbox rows were sent',
  'corpus-error': 'the corpus has bad files: nothing was saved or sent',
};

/** Human-readable report of a run (stdout). */
export function formatRun(r: RunResult): string {
  const status =
    r.status === 'baseline' && r.dryRun ? 'first run: a baseline snapshot would be saved; nothing would be sent' : STATUS_TEXT[r.status];
  const lines = [`broadcast${r.dryRun ? ' (dry run)' : ''}: ${status}`];
  for (const f of r.inbox.imported) lines.push(`  inbox: ${r.dryRun ? 'would import' : 'imported'} ${f}`);
  for (const f of r.inbox.rejected) lines.push(`  inbox: rejected ${f.file}: ${f.message}`);
  for (const e of r.corpusErrors) lines.push(`  ERROR ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`);
  if (r.diff?.cosmetic.length) lines.push(`  whitespace-only: ${r.diff.cosmetic.join(', ')}`);
  r.digests.forEach((d, i) => {
    const rc = r.recipients[i]!;
    const c = r.diff?.changes.find((x) => x.docId === d.docId);
    const summary = c
      ? ` (${['added', 'modified', 'removed'].map((k) => `${c.clauses.filter((cl) => cl.kind === k).length} ${k}`).join(', ')} clauses)`
      : '';
    lines.push('', `── ${d.kind} ${d.docId}${summary} → ${rc.recipients} recipient(s), ${rc.parts} part(s)`);
    for (const p of d.parts) lines.push(p, '');
  });
  if (r.digests.length)
    lines.push(`messages: ${r.messages}${r.dryRun ? ' (dry run: none written or sent)' : `, ${r.enqueued} new outbox rows`}`);
  if (r.send) {
    const s = r.send;
    lines.push(
      `sent ${s.sent}, failed ${s.failed}, skipped ${s.skipped} (inactive chats: ${s.inactive}), 429s: ${s.rateLimited}, retries: ${s.retried}, ${(s.elapsedMs / 1000).toFixed(1)} s${s.ratePerSecond ? `, ${s.ratePerSecond.toFixed(1)} msg/s` : ''}`,
    );
  }
  lines.push(`took ${r.durationMs.toFixed(0)} ms`);
  return lines.join('\n');
}

export const command: CliCommand = {
  usage: 'broadcast [--dry-run] [--json] [--no-reindex]',
  summary: 'Sync the corpus, digest the changes and send them to the subscribers once now',
  help: [
    'Imports INBOX_DIR into the corpus, compares the corpus with the last broadcast snapshot (clause-level),',
    'rebuilds the search index, and sends one digest per changed document to the matching subscribers',
    'through the crash-safe outbox (an interrupted broadcast is resumed). The first run only saves a baseline.',
    '',
    '  --dry-run     print the digests and recipient counts; import, save and send nothing (no token needed)',
    '  --json        print the run result as JSON',
    '  --no-reindex  do not rebuild the search index (the bot rebuilds it at its next start)',
    '',
    'Needs TELEGRAM_BOT_TOKEN for a real run; rate limits: BROADCAST_RATE_PER_SECOND, BROADCAST_CHAT_PER_SECOND,',
    'BROADCAST_GROUP_PER_MINUTE. Exit code 1 when the corpus has bad files or messages failed.',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCliArgs(argv, { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, 'no-reindex': { type: 'boolean' } });
    const config = loadConfig();
    const log = createLogger({ level: config.LOG_LEVEL ?? 'info', secrets: [config.TELEGRAM_BOT_TOKEN] });
    const dryRun = !!values['dry-run'];
    if (!dryRun && !config.TELEGRAM_BOT_TOKEN) {
      throw new UserFacingError(
        'TELEGRAM_BOT_TOKEN is not set: a real broadcast sends through Telegram. Set it in .env, or preview with `policybot broadcast --dry-run`.',
      );
    }
    let store;
    try {
      store = await openStoreReady({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL, pgPoolMax: config.DATABASE_POOL_MAX });
    } catch (err) {
      throw new UserFacingError((err as Error).message);
    }
    try {
      let result: RunResult;
      try {
        if (dryRun) {
          const bstore = await openBroadcastStoreFor(store, config);
          result = await runBroadcast(
            {
              corpusDir: config.CORPUS_DIR,
              ...(config.INBOX_DIR ? { inboxDir: config.INBOX_DIR } : {}),
              bstore,
              subscribers: () => store.listSubscribers(),
              log,
            },
            { dryRun: true },
          );
        } else {
          const api = new Api(config.TELEGRAM_BOT_TOKEN!, { apiRoot: config.TELEGRAM_API_ROOT });
          const service = await openBroadcastService(config, {
            store,
            log,
            validateSchedule: false,
            send: (chatId, text) => api.sendMessage(chatId, text, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } }),
            ...(values['no-reindex']
              ? {}
              : { reindex: async (corpus) => void (await openRetrieverFor(config, corpus, log, { lazyModel: true })) }),
          });
          result = await service.runOnce();
        }
      } catch (err) {
        if (err instanceof CorpusReadError) throw new UserFacingError(err.message);
        throw err;
      }
      if (values.json) printJson(result);
      else process.stdout.write(formatRun(result) + '\n');
      return result.status === 'corpus-error' || (result.send?.failed ?? 0) > 0 ? 1 : 0;
    } finally {
      await store.close();
    }
  },
};

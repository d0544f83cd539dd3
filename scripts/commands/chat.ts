/**
 * `policybot chat [--as-of YYYY-MM-DD]` — the interactive terminal chat (multi-turn, /forget, /help).
 * Scriptable: pipe one message per line into it.
 */
import { buildApp } from '../../bot/app.ts';
import { loadConfig } from '../../bot/config.ts';
import { openStoreReady } from '../../bot/store/index.ts';
import { openGapLog } from '../../bot/feedback/index.ts';
import { runTerminalChat } from '../../bot/terminal/chat.ts';
import { parseCliArgs, parseDateFlag, type CliCommand } from '../cli.ts';

export const command: CliCommand = {
  usage: 'chat [--as-of YYYY-MM-DD]',
  summary: 'Interactive terminal chat with the assistant (facts remembered, /forget, /help)',
  async run(argv) {
    const { values } = parseCliArgs(argv, { 'as-of': { type: 'string' } });
    const asOf = parseDateFlag(values['as-of'], '--as-of');
    const app = await buildApp(loadConfig());
    // the gap log (abstentions, dead ends) goes to the same store as the other channels
    const store = await openStoreReady({
      dataDir: app.config.DATA_DIR,
      databaseUrl: app.config.DATABASE_URL,
      pgPoolMax: app.config.DATABASE_POOL_MAX,
    });
    const { gapLog } = await openGapLog(store, app.config.CORPUS_DIR, app.logger);
    try {
      await runTerminalChat({
        assistant: app.assistant,
        input: process.stdin,
        output: process.stdout,
        asOf: () => asOf ?? app.asOf(),
        idleMinutes: app.config.SESSION_IDLE_MINUTES,
        interactive: !!process.stdin.isTTY,
        gapLog,
        locales: app.replyKit.locales,
      });
    } finally {
      await store.close();
    }
    return 0;
  },
};

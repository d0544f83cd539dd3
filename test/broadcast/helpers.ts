/** Test helpers for the broadcast tests: temp corpus copies, stores, fake clock and fake Telegram send. */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { openSqliteBroadcastStore, type SqliteBroadcastStore } from '../../bot/broadcast/outbox-sqlite.ts';
import type { Clock } from '../../bot/broadcast/sender.ts';
import { openSqliteStore, type SqliteStore } from '../../bot/store/sqlite.ts';

/** A temp folder with a copy of the shipped corpus documents: `<dir>/corpus/documents/*.md`. */
export function tempCorpus(): { dir: string; corpusDir: string; docs: string } {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-bc-'));
  const corpusDir = join(dir, 'corpus');
  cpSync(join(PROJECT_ROOT, 'corpus', 'documents'), join(corpusDir, 'documents'), { recursive: true });
  return { dir, corpusDir, docs: join(corpusDir, 'documents') };
}

/** The bot store and the broadcast store on one SQLite file. */
export function openStores(file: string, now?: () => number): { store: SqliteStore; bstore: SqliteBroadcastStore } {
  const store = openSqliteStore({ file, ...(now ? { now } : {}) });
  return { store, bstore: openSqliteBroadcastStore(store.db, now ? { now } : {}) };
}

/** A clock whose sleep advances virtual time at once. */
export function fakeClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    sleep: async (ms) => {
      t += Math.max(0, ms);
      await Promise.resolve();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

/** A Telegram-style error (the shape of grammY's GrammyError). */
export function tgError(code: number, description: string, retryAfter?: number): Error {
  return Object.assign(new Error(`Call to 'sendMessage' failed! (${code}: ${description})`), {
    error_code: code,
    description,
    ...(retryAfter !== undefined ? { parameters: { retry_after: retryAfter } } : {}),
  });
}

/**
 * Keeps an instance's read-only retrieval index in step with the corpus version committed in the
 * database (several instances, PostgreSQL): the instance that runs a broadcast tick imports the
 * inbox, reindexes and commits the new snapshot (version + corpus hash); every other instance polls
 * that one small row and calls its reload when the committed hash differs from what it serves.
 *
 * The instances read the same CORPUS_DIR (a shared volume, or the same image + inbox imports only on
 * one writer); an instance whose files still differ after the reload logs a warning once per version
 * instead of reloading in a loop.
 *
 * @example
 * const watch = watchCorpusVersion({ read: () => bstore.corpusVersion(), localHash: () => hash, reload, intervalMs: 5000, log });
 * // … on shutdown:
 * watch.stop();
 */

/** The committed corpus version as stored with the broadcast snapshot. */
export interface CommittedCorpus {
  version: number;
  corpusHash: string;
}

/** Options of `watchCorpusVersion`. */
export interface CorpusWatchOptions {
  /** Reads the committed version (one indexed row). */
  read: () => Promise<CommittedCorpus | null>;
  /** Corpus hash of what this instance serves now. */
  localHash: () => string;
  /** Re-reads the corpus and swaps the index; resolves with the hash now served. */
  reload: () => Promise<string>;
  intervalMs: number;
  log?: { info(m: string, f?: Record<string, unknown>): void; warn(m: string, f?: Record<string, unknown>): void };
}

/** A running watcher. */
export interface CorpusWatch {
  /** One poll now (the timer calls this): `reloaded`, `current`, `none` or `mismatch`. */
  check(): Promise<'reloaded' | 'current' | 'none' | 'mismatch'>;
  stop(): void;
}

/** Starts polling (see the module comment). `intervalMs <= 0` → no timer, `check()` only. */
export function watchCorpusVersion(opts: CorpusWatchOptions): CorpusWatch {
  let lastHandled: string | null = null;
  let busy: Promise<unknown> | null = null;
  const check = async (): Promise<'reloaded' | 'current' | 'none' | 'mismatch'> => {
    const committed = await opts.read();
    if (!committed) return 'none';
    if (committed.corpusHash === opts.localHash()) {
      lastHandled = committed.corpusHash;
      return 'current';
    }
    if (committed.corpusHash === lastHandled) return 'mismatch'; // already tried for this version
    lastHandled = committed.corpusHash;
    opts.log?.info('corpus: a newer version was committed by another instance; reloading the index', { version: committed.version });
    const now = await opts.reload();
    if (now !== committed.corpusHash) {
      opts.log?.warn(
        'corpus: after the reload this instance still serves other files than the committed version; share CORPUS_DIR between instances',
        {
          version: committed.version,
        },
      );
      return 'mismatch';
    }
    return 'reloaded';
  };
  const timer =
    opts.intervalMs > 0
      ? setInterval(() => {
          if (busy) return;
          busy = check()
            .catch((err: unknown) => opts.log?.warn('corpus: version check failed', { error: (err as Error)?.message }))
            .finally(() => (busy = null));
        }, opts.intervalMs)
      : null;
  timer?.unref();
  return {
    check,
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}

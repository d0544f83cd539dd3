/**
 * The assistant in worker threads (`WEB_WORKERS`): one thread cannot answer 300 web questions a second
 * (the assistant takes about 3.5 ms of CPU per reply, the HTTP side about 1 ms), so the web channel can
 * hand `reply` to N threads, each with its own copy of the application (corpus, rules, index: about
 * 200 MiB each). It implements `Assistant`: the web channel does not know the difference. Replies and
 * states cross the thread boundary by structured clone; they are plain data (a test compares the reply
 * JSON of the pool with the in-thread assistant over the dev questions).
 *
 * Turns of one conversation are already serialized by the web channel, so any thread may answer any
 * message: each goes to the ready thread with the fewest messages in flight. A thread that dies is
 * replaced; the messages it held fail (the web answers 500 `internal`).
 *
 * @example
 * const pool = await startAssistantPool({ config, workers: 2, sources: () => app.assistant.sources(), logger });
 * const { reply, state } = await pool.reply(undefined, '宝山区的人才安居资助最高多少？', app.asOf());
 * await pool.reload(); // after the corpus changed (the main thread has rebuilt the index first)
 * await pool.close();
 */
import { Worker } from 'node:worker_threads';
import type { Assistant, ConversationState, Reply } from '../assistant/types.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { FromWorker, ToWorker } from './assistant-worker.ts';

export interface AssistantPool extends Assistant {
  /** Threads in the pool. */
  readonly size: number;
  /** Rebuilds every thread's application from the corpus folder (one thread at a time, others keep answering). */
  reload(): Promise<void>;
  /** Stops the threads; messages in flight fail. */
  close(): Promise<void>;
}

interface Pending {
  resolve: (v: { reply: Reply; state: ConversationState }) => void;
  reject: (e: Error) => void;
}

interface Thread {
  worker: Worker;
  ready: Promise<void>;
  isReady: boolean;
  inFlight: Map<number, Pending>;
  reloads: Map<number, (error?: string) => void>;
}

/** Defined only in the test bundle (scripts/test-bundle.mjs): the URL of its bundled worker entry. */
declare const __PB_TEST_BUNDLE_WORKER__: string | undefined;

/**
 * Where the worker module is: the compiled .js next to this file, the .ts through the tsx boot file, or —
 * when this code runs from the launcher's bundle (dist-bundle/scripts/{commands,chunks}/) — the worker
 * entry that scripts/freshness.mjs bundles into dist-bundle/bot/web/.
 */
function workerEntry(): { file: URL; module?: string } {
  // In the test bundle (scripts/test-bundle.mjs) this module keeps its source's import.meta.url; the
  // bundle defines where its own worker entry is.
  if (typeof __PB_TEST_BUNDLE_WORKER__ === 'string') return { file: new URL(__PB_TEST_BUNDLE_WORKER__) };
  const here = import.meta.url;
  if (/\/dist-bundle\/scripts\/(?:commands|chunks)\/[^/]+$/.test(here)) return { file: new URL('../../bot/web/assistant-worker.js', here) };
  if (here.endsWith('.ts'))
    return { file: new URL('./assistant-worker.boot.mjs', here), module: new URL('./assistant-worker.ts', here).href };
  return { file: new URL('./assistant-worker.js', here) };
}

/** Starts `workers` threads and resolves when all have built their application. */
export async function startAssistantPool(opts: {
  config: Config;
  workers: number;
  /** The documents list (for /sources), from the main thread's application. */
  sources: Assistant['sources'];
  logger: Logger;
  /** Called with each thread started (including replacements); tests use it to stop one. */
  onSpawn?: (worker: Worker) => void;
}): Promise<AssistantPool> {
  if (!(Number.isInteger(opts.workers) && opts.workers >= 1))
    throw new Error(`WEB_WORKERS must be a whole number ≥ 1 for a pool (got ${opts.workers})`);
  const entry = workerEntry();
  let nextId = 1;
  let closing = false;
  const threads: Thread[] = [];

  const spawn = (): Thread => {
    const worker = new Worker(entry.file, { workerData: { config: opts.config, module: entry.module } });
    const t: Thread = { worker, ready: Promise.resolve(), isReady: false, inFlight: new Map(), reloads: new Map() };
    opts.onSpawn?.(worker);
    t.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.kind === 'ready') {
          t.isReady = true;
          resolve();
        } else if (m.kind === 'failed') {
          reject(new Error(`an assistant thread could not build the application: ${m.error}`));
        } else if (m.kind === 'reply') {
          const p = t.inFlight.get(m.id);
          if (!p) return;
          t.inFlight.delete(m.id);
          if (m.error !== undefined) p.reject(new Error(`assistant thread: ${m.error}`));
          else p.resolve({ reply: m.reply as Reply, state: m.state as ConversationState });
        } else if (m.kind === 'reloaded') {
          t.reloads.get(m.id)?.(m.error);
          t.reloads.delete(m.id);
        }
      };
      worker.on('message', onMessage);
      worker.once('error', (err) => {
        opts.logger.error('assistant thread failed', { err: err.message });
        reject(err);
      });
      worker.once('exit', (code) => {
        t.isReady = false;
        for (const p of t.inFlight.values()) p.reject(new Error(`the assistant thread stopped (exit code ${code})`));
        t.inFlight.clear();
        for (const r of t.reloads.values()) r('the assistant thread stopped');
        t.reloads.clear();
        reject(new Error(`the assistant thread stopped before it was ready (exit code ${code})`));
        if (closing) return;
        // replace it (its application is rebuilt from the same config)
        const i = threads.indexOf(t);
        if (i >= 0) {
          opts.logger.warn('assistant thread stopped; starting a new one', { code });
          const fresh = spawn();
          threads[i] = fresh;
          fresh.ready.catch((err: Error) => opts.logger.error('assistant thread could not be restarted', { err: err.message }));
        }
      });
    });
    return t;
  };

  for (let i = 0; i < opts.workers; i++) threads.push(spawn());
  try {
    await Promise.all(threads.map((t) => t.ready));
  } catch (err) {
    closing = true;
    await Promise.all(threads.map((t) => t.worker.terminate()));
    throw err;
  }

  /** The ready thread with the fewest messages in flight (waits for one when none is ready). */
  const pick = async (): Promise<Thread> => {
    let best: Thread | undefined;
    for (const t of threads) if (t.isReady && (!best || t.inFlight.size < best.inFlight.size)) best = t;
    if (best) return best;
    await Promise.any(threads.map((t) => t.ready));
    return pick();
  };

  return {
    size: opts.workers,
    sources: () => opts.sources(),
    async reply(state, text, asOf, now = Date.now()) {
      if (closing) throw new Error('the assistant pool is closed');
      const t = await pick();
      const id = nextId++;
      return new Promise((resolve, reject) => {
        t.inFlight.set(id, { resolve, reject });
        t.worker.postMessage({ kind: 'reply', id, state, text, asOf, now } satisfies ToWorker);
      });
    },
    async reload() {
      for (const t of threads) {
        await t.ready;
        const id = nextId++;
        const error = await new Promise<string | undefined>((resolve) => {
          t.reloads.set(id, resolve);
          t.worker.postMessage({ kind: 'reload', id } satisfies ToWorker);
        });
        if (error) throw new Error(`an assistant thread could not reload: ${error}`);
      }
    },
    async close() {
      closing = true;
      await Promise.all(threads.map((t) => t.worker.terminate()));
    },
  };
}

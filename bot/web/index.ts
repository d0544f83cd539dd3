/**
 * Wires the web channel from the application: the feedback store and gap log on the bot's store, the
 * masks and hand-off cues from the corpus folder, the admin sources from the loaded corpus and rules.
 *
 * @example
 * const web = await createWebChannel({ config, app: () => app, store, logger });
 * const running = await startWebServer(web.app, { port: config.WEB_PORT!, host: config.WEB_HOST });
 */
import { join } from 'node:path';
import type { App } from '../app.ts';
import type { Assistant } from '../assistant/types.ts';
import { runBroadcast } from '../broadcast/run.ts';
import { openBroadcastStoreFor } from '../broadcast/service.ts';
import type { Config } from '../config.ts';
import { groupGaps, openGapLog, type FeedbackStore, type GapLog } from '../feedback/index.ts';
import { loadHandoffCues } from '../handoff/cues.ts';
import { createHandoff } from '../handoff/service.ts';
import type { Logger } from '../logger.ts';
import type { OpenedStore } from '../store/index.ts';
import { createWebApp, webSettingsFromConfig, type WebApp, type WebDeps, type WebSettings } from './server.ts';
import { loadWebTexts } from './texts.ts';

export { startAssistantPool, type AssistantPool } from './assistant-pool.ts';
export {
  createWebApp,
  startWebServer,
  webReplyJson,
  webSettingsFromConfig,
  type RunningWeb,
  type WebApp,
  type WebSettings,
} from './server.ts';

export interface WebChannel {
  app: WebApp;
  feedback: FeedbackStore;
  gapLog: GapLog;
}

/** The admin view's broadcast preview: a dry run of the next broadcast (nothing imported, saved or sent). */
export function broadcastPreviewFor(config: Config, store: OpenedStore): () => Promise<unknown> {
  return async () => {
    const bstore = await openBroadcastStoreFor(store, config);
    const r = await runBroadcast(
      {
        corpusDir: config.CORPUS_DIR,
        ...(config.INBOX_DIR ? { inboxDir: config.INBOX_DIR } : {}),
        bstore,
        subscribers: () => store.listSubscribers(),
      },
      { dryRun: true },
    );
    return {
      status: r.status,
      messages: r.messages,
      digests: r.digests.map((d, i) => ({ docId: d.docId, kind: d.kind, parts: d.parts, recipients: r.recipients[i]?.recipients ?? 0 })),
    };
  };
}

export async function createWebChannel(opts: {
  app: () => App;
  store: OpenedStore;
  logger: Logger;
  /** Overrides of the settings from config (tests, bench). */
  settings?: Partial<WebSettings>;
  broadcastPreview?: () => Promise<unknown>;
  now?: () => number;
  /** Per-stage timer of POST /api/chat (the bench). */
  onStage?: WebDeps['onStage'];
  /** Answers web questions instead of the application's assistant (the thread pool, `WEB_WORKERS`). */
  assistant?: Assistant;
}): Promise<WebChannel> {
  const config = opts.app().config;
  const { feedback, gapLog } = await openGapLog(opts.store, config.CORPUS_DIR, opts.logger);
  const settings = { ...webSettingsFromConfig(config), ...opts.settings };
  const app = createWebApp({
    settings,
    handoff: createHandoff({ texts: loadWebTexts(), targets: settings.handoff, feedback, logger: opts.logger }),
    assistant: opts.assistant ? () => opts.assistant! : () => opts.app().assistant,
    store: opts.store,
    feedback,
    gapLog,
    logger: opts.logger,
    asOf: () => opts.app().asOf(),
    handoffCues: loadHandoffCues(join(config.CORPUS_DIR, 'handoff.yaml')),
    groupGaps: (records) => groupGaps(records),
    admin: {
      documents: () =>
        opts.app().corpus.documents.map((d) => ({
          id: d.id,
          title: d.title,
          docNumber: d.docNumber,
          date: d.date,
          district: d.district,
          validFrom: d.validFrom,
          validTo: d.validTo,
        })),
      rules: () =>
        opts.app().ruleSet.rules.map((r) => ({
          id: r.id,
          title: r.title.zh,
          docId: r.cite.docId,
          clause: r.cite.clause,
          validFrom: r.validFrom,
          validTo: r.validTo,
        })),
      broadcastPreview: opts.broadcastPreview,
    },
    now: opts.now,
    onStage: opts.onStage,
  });
  return { app, feedback, gapLog };
}

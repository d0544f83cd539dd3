/**
 * The web channel: HTTP API (`POST /api/chat`, `/api/feedback`, `/api/handoff`, `GET /healthz`), the
 * chat page at `/` with its embeddable script `/embed.js`, and the token-protected admin view at
 * `/admin`. Built on hono (docs/web.md says why); `startWebServer` binds it with @hono/node-server.
 *
 * Conversations live in the store's `sessions` table under `web:<id>` (the id is 144 random bits,
 * base64url); turns of one conversation are handled one at a time. Nothing the user wrote is logged.
 *
 * @example
 * const web = createWebApp({ settings: webSettingsFromConfig(config), assistant: () => app.assistant, store, gapLog, ... });
 * const running = await startWebServer(web, { port: 8081, host: '127.0.0.1' });
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { resumeState } from '../assistant/state.ts';
import type { Assistant, ConversationState, Reply } from '../assistant/types.ts';
import type { Config } from '../config.ts';
import { bestClause, type FeedbackStore, type GapLog } from '../feedback/index.ts';
import { asksForPerson } from '../handoff/cues.ts';
import type { DeliveryTargets } from '../handoff/deliver.ts';
import type { PacketTurn } from '../handoff/packet.ts';
import { MAX_PACKET_TURNS, type Handoff } from '../handoff/service.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/types.ts';
import { createRateLimiter } from './rate-limit.ts';
import { fill, loadWebTexts, STATIC_DIR, type WebLang, type WebTexts } from './texts.ts';
import { replyJson } from '../assistant/json.ts';

/** Turns kept per conversation (older ones drop out of the hand-off packet and cannot be rated). */
export const MAX_TURNS = MAX_PACKET_TURNS;

/** Session-key prefix of web conversations in the store's `sessions` table. */
export const WEB_SESSION_PREFIX = 'web:';

const CONVERSATION_ID = /^[A-Za-z0-9_-]{24}$/;

/** The limits and switches of the web channel (from config). */
export interface WebSettings {
  maxBodyBytes: number;
  maxTextChars: number;
  ratePerIpPerMinute: number;
  ratePerConversationPerMinute: number;
  corsOrigins: string[];
  trustProxy: boolean;
  adminToken?: string;
  idleMinutes: number;
  handoff: DeliveryTargets;
}

export function webSettingsFromConfig(config: Config): WebSettings {
  return {
    maxBodyBytes: config.WEB_MAX_BODY_BYTES,
    maxTextChars: config.WEB_MAX_TEXT_CHARS,
    ratePerIpPerMinute: config.WEB_RATE_PER_IP_PER_MINUTE,
    ratePerConversationPerMinute: config.WEB_RATE_PER_CONVERSATION_PER_MINUTE,
    corsOrigins: config.WEB_CORS_ORIGINS,
    trustProxy: config.WEB_TRUST_PROXY,
    adminToken: config.ADMIN_TOKEN,
    idleMinutes: config.SESSION_IDLE_MINUTES,
    handoff: {
      webhookUrl: config.HANDOFF_WEBHOOK_URL,
      email:
        config.HANDOFF_EMAIL_TO && config.SMTP_HOST
          ? {
              to: config.HANDOFF_EMAIL_TO,
              smtp: {
                host: config.SMTP_HOST,
                port: config.SMTP_PORT,
                user: config.SMTP_USER,
                password: config.SMTP_PASSWORD,
                from: config.SMTP_FROM,
              },
            }
          : undefined,
    },
  };
}

/** What the admin view shows besides the gap log and feedback (read-only). */
export interface AdminSources {
  documents(): {
    id: string;
    title: string;
    docNumber?: string;
    date: string;
    district?: string;
    validFrom?: string;
    validTo?: string;
    supersededBy?: string;
  }[];
  rules(): { id: string; title: string; docId: string; clause: string; validFrom?: string; validTo?: string }[];
  /** Broadcast dry run: what the next run would send (absent: not offered). */
  broadcastPreview?: () => Promise<unknown>;
}

export interface WebDeps {
  settings: WebSettings;
  /** Read per request, so that a corpus reload swaps it atomically. */
  assistant: () => Assistant;
  store: Pick<Store, 'sessions'>;
  feedback: FeedbackStore;
  gapLog: GapLog;
  logger: Logger;
  asOf: () => string;
  handoffCues: string[];
  /** Builds, delivers and records a case packet (bot/handoff/service.ts). */
  handoff: Handoff;
  admin: AdminSources;
  /** Groups the gap log for the admin view (bot/feedback/group.ts). */
  groupGaps: (records: Awaited<ReturnType<FeedbackStore['listGaps']>>) => unknown[];
  now?: () => number;
  /**
   * Per-stage probe of `POST /api/chat` (`policybot bench-web` passes one; absent: nothing is called).
   * Called with `start` when the handler begins, `queued` when the conversation's turn comes (after the
   * wait behind its previous turn), and with each stage as it ends: `body` (read, JSON, zod),
   * `session_read`, `assistant`, `session_write`, `gap_log`, `reply_json` (reply object and JSON text).
   * The caller reads its own clock (wall or CPU time).
   */
  onStage?: (stage: ChatStage) => void;
}

export type ChatStage = 'start' | 'queued' | 'body' | 'session_read' | 'assistant' | 'session_write' | 'gap_log' | 'reply_json';

/** One stored turn: what the packet and the rating need (no answer text). */
interface WebTurn extends PacketTurn {
  n: number;
  route: string | null;
  grounded: boolean;
}

interface WebSession {
  conv: ConversationState;
  turns: WebTurn[];
  createdAt: number;
}

/**
 * The stored turns after `turn`: the last `MAX_TURNS`, and an eligibility check only on the newest turn
 * that has one. The hand-off packet uses only the last check (bot/handoff/packet.ts), so it is the same;
 * the older checks were most of the row (up to 60 % of 20 KB in long conversations), which every turn
 * reads and writes as JSON.
 */
export function keepTurns<T extends { eligibility: unknown }>(turns: readonly T[], turn: T, max = MAX_TURNS): T[] {
  const kept = [...turns, turn].slice(-max);
  if (turn.eligibility) for (let i = 0; i < kept.length - 1; i++) if (kept[i]!.eligibility) kept[i] = { ...kept[i]!, eligibility: null };
  return kept;
}

/** The `ask --json` contract (README) plus what the page needs: dates and labels, route, lang. */
export function webReplyJson(r: Reply) {
  const base = replyJson(r);
  return {
    ...base,
    citations: base.citations.map((c, i) => ({ ...c, date: r.citations[i]!.date ?? null })),
    eligibility:
      base.eligibility && r.eligibility
        ? {
            ...base.eligibility,
            conditions: base.eligibility.conditions.map((c, i) => ({ ...c, label: r.eligibility!.conditions[i]!.label ?? null })),
          }
        : null,
    route: r.route ?? null,
    lang: r.lang ?? 'zh',
  };
}

const ChatBody = z.object({
  conversationId: z.string().optional(),
  text: z.string(),
  lang: z.enum(['zh', 'en']).optional(),
});
const FeedbackBody = z.object({
  conversationId: z.string(),
  turn: z.number().int().min(1),
  rating: z.enum(['up', 'down']),
  reason: z.string().max(500).nullish(),
});
const HandoffBody = z.object({ conversationId: z.string(), lang: z.enum(['zh', 'en']).optional() });

/** An error the API answers as `{ error, message }` with an HTTP status. */
class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 413 | 429 | 500,
    readonly code: string,
    readonly values: Record<string, string | number> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(code);
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The static files, read once: only these names are ever served (no path reaches the file system). */
function loadStatic(dir: string): Map<string, { body: Uint8Array; type: string }> {
  const files = new Map<string, { body: Uint8Array; type: string }>();
  for (const name of readdirSync(dir)) {
    const ext = name.slice(name.lastIndexOf('.'));
    if (!CONTENT_TYPES[ext]) continue;
    files.set(name, { body: new Uint8Array(readFileSync(join(dir, name))), type: CONTENT_TYPES[ext]! });
  }
  return files;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Constant-time comparison of a presented token with the configured one. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  return timingSafeEqual(digest(presented ?? ''), digest(expected)) && presented !== undefined;
}

/** 413 for a body over `limit` bytes; the connection is closed (the rest of the body is not read). */
const tooLarge = (limit: number) => new ApiError(413, 'too_large', { limit }, { Connection: 'close' });

/**
 * The request body as UTF-8 text (a BOM dropped), at most `limit` bytes, else 413. A declared
 * Content-Length over the limit is refused before anything is read. Served by @hono/node-server, the
 * body is read from Node's request directly: the web-standard `Request` body (a web stream over the
 * Node stream) cost about 0.5 ms per request. In-process (`app.request()`), the `Request` is read.
 */
async function readBodyText(c: Context, limit: number): Promise<string> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && !c.req.header('transfer-encoding') && Number(declared) > limit) throw tooLarge(limit);
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  let bytes: Uint8Array;
  if (incoming && typeof incoming.on === 'function' && !incoming.readableEnded) {
    bytes = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        incoming.off('data', onData);
        incoming.off('end', onEnd);
        incoming.off('error', onError);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          done();
          incoming.pause();
          reject(tooLarge(limit));
        } else chunks.push(chunk);
      };
      const onEnd = () => {
        done();
        resolve(Buffer.concat(chunks, size));
      };
      const onError = (err: Error) => {
        done();
        reject(err);
      };
      incoming.on('data', onData);
      incoming.on('end', onEnd);
      incoming.on('error', onError);
    });
  } else {
    bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > limit) throw tooLarge(limit);
  }
  return utf8.decode(bytes);
}

const utf8 = new TextDecoder();

/** Builds the hono app (no socket); tests call `app.request()` or bind it with `startWebServer`. */
export function createWebApp(deps: WebDeps) {
  const s = deps.settings;
  const now = deps.now ?? Date.now;
  const texts = loadWebTexts();
  const files = loadStatic(STATIC_DIR);
  const sessions = deps.store.sessions<WebSession>();
  const perIp = createRateLimiter({ limit: s.ratePerIpPerMinute });
  const perConversation = createRateLimiter({ limit: s.ratePerConversationPerMinute });
  /** Per-conversation queue: turns of one conversation never interleave (no lost update). */
  const queues = new Map<string, Promise<unknown>>();
  const serial = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const prev = queues.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return run;
  };

  const langOf = (c: Context, explicit?: WebLang): WebLang =>
    explicit ?? (/^en\b/i.test(c.req.header('accept-language') ?? '') ? 'en' : 'zh');
  const fail = (c: Context, e: ApiError, lang: WebLang = langOf(c)) => {
    for (const [k, v] of Object.entries(e.headers)) c.header(k, v);
    const t: WebTexts = texts[lang];
    return c.json({ error: e.code, message: fill(t.errors[e.code] ?? t.errors.internal!, e.values) }, e.status);
  };
  const clientIp = (c: Context): string => {
    if (s.trustProxy) {
      const fwd = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
      if (fwd) return fwd;
    }
    try {
      return getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      return 'unknown';
    }
  };
  const readJson = async <T>(c: Context, schema: z.ZodType<T>): Promise<T> => {
    const text = await readBodyText(c, s.maxBodyBytes);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError(400, 'bad_json');
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      throw new ApiError(400, 'bad_request', { detail });
    }
    return parsed.data;
  };
  const loadSession = async (id: string): Promise<WebSession> => {
    if (!CONVERSATION_ID.test(id)) throw new ApiError(404, 'unknown_conversation');
    const sess = await sessions.read(WEB_SESSION_PREFIX + id);
    if (!sess || !Array.isArray(sess.turns)) throw new ApiError(404, 'unknown_conversation');
    return sess;
  };

  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof ApiError) return fail(c, err);
    deps.logger.error('web: request failed', { path: c.req.path, err: err.message });
    return fail(c, new ApiError(500, 'internal'));
  });
  app.notFound((c) => fail(c, new ApiError(404, 'not_found')));

  // Security headers on everything; the page may be framed (the embed script opens it in an iframe).
  // Set before the handler runs: hono keeps them for the response it builds, whereas a header set on a
  // finished response makes it copy that response through a web stream (about 1 ms per request).
  app.use('*', async (c, next) => {
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header(
      'Content-Security-Policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'",
    );
    await next();
  });

  // CORS: only the allow-listed origins may call the API from another site.
  app.use('/api/*', async (c, next) => {
    const origin = c.req.header('origin');
    const allowed = origin && s.corsOrigins.includes(origin);
    if (c.req.method === 'OPTIONS') {
      if (!allowed) return fail(c, new ApiError(403, 'forbidden_origin'));
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Vary', 'Origin');
      c.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
      c.header('Access-Control-Allow-Headers', 'Content-Type');
      c.header('Access-Control-Max-Age', '600');
      return c.body(null, 204);
    }
    if (allowed) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Vary', 'Origin');
    }
    await next();
  });

  app.use('/api/*', async (c, next) => {
    if (s.ratePerIpPerMinute <= 0) return next(); // no limit: not even the peer address is looked up
    const wait = perIp.hit(clientIp(c), now());
    if (wait) return fail(c, new ApiError(429, 'rate_limited', { seconds: wait }, { 'Retry-After': String(wait) }));
    await next();
  });

  app.get('/healthz', (c) => c.json({ ok: true }));

  const stage = deps.onStage ?? (() => {});
  app.post('/api/chat', async (c) => {
    stage('start');
    const body = await readJson(c, ChatBody);
    stage('body');
    const lang = langOf(c, body.lang);
    const text = body.text.trim();
    if (!text) throw new ApiError(400, 'bad_request', { detail: 'text: empty' });
    if ([...text].length > s.maxTextChars) throw new ApiError(400, 'text_too_long', { limit: s.maxTextChars });
    const t = now();
    const known = body.conversationId;
    // a forged id (wrong format) is refused before any work; an unknown one inside the queue (one read)
    if (known !== undefined && !CONVERSATION_ID.test(known)) throw new ApiError(404, 'unknown_conversation');
    const conversationId = known ?? randomBytes(18).toString('base64url');
    const wait = perConversation.hit(conversationId, t);
    if (wait) return fail(c, new ApiError(429, 'rate_limited', { seconds: wait }, { 'Retry-After': String(wait) }), lang);
    const out = await serial(conversationId, async () => {
      const key = WEB_SESSION_PREFIX + conversationId;
      stage('queued');
      const sess: WebSession = known
        ? await loadSession(known)
        : { conv: resumeState(undefined, t, s.idleMinutes), turns: [], createdAt: t };
      const state = resumeState(sess.conv, t, s.idleMinutes);
      stage('session_read');
      const { reply, state: next } = await deps.assistant().reply(state, text, deps.asOf(), t);
      stage('assistant');
      const n = (sess.turns.at(-1)?.n ?? 0) + 1;
      const turn: WebTurn = {
        n,
        question: text,
        route: reply.route ?? null,
        grounded: reply.grounded,
        eligibility: reply.eligibility,
        citations: reply.citations.map((x) => ({ docId: x.docId, title: x.title, docNumber: x.docNumber, clause: x.clause, date: x.date })),
      };
      await sessions.write(key, { conv: next, turns: keepTurns(sess.turns, turn), createdAt: sess.createdAt });
      stage('session_write');
      const gap = await deps.gapLog.recordReply('web', text, reply);
      stage('gap_log');
      return { reply, n, gap };
    });
    const handoffOffered =
      out.gap ||
      asksForPerson(text, deps.handoffCues) ||
      (!out.reply.grounded && !out.reply.eligibility && out.reply.route === 'out_of_scope');
    const json = JSON.stringify({ ...webReplyJson(out.reply), conversationId, turn: out.n, handoff: { offered: handoffOffered } });
    stage('reply_json');
    c.header('Content-Type', 'application/json');
    return c.body(json);
  });

  app.post('/api/feedback', async (c) => {
    const body = await readJson(c, FeedbackBody);
    const sess = await loadSession(body.conversationId);
    const turn = sess.turns.find((x) => x.n === body.turn);
    if (!turn) throw new ApiError(404, 'unknown_turn');
    const best = bestClause({ citations: turn.citations.map((x) => ({ ...x, text: '', score: 0 })) } as unknown as Reply);
    await deps.gapLog.recordRating({
      channel: 'web',
      conversation: body.conversationId,
      turn: body.turn,
      rating: body.rating,
      reason: body.reason ?? null,
      question: turn.question,
      route: turn.route,
      docId: best.docId,
      clause: best.clause,
    });
    return c.json({ ok: true });
  });

  app.post('/api/handoff', async (c) => {
    const body = await readJson(c, HandoffBody);
    const lang = langOf(c, body.lang);
    const sess = await loadSession(body.conversationId);
    const h = await deps.handoff({ channel: 'web', turns: sess.turns, facts: sess.conv?.facts ?? {}, lang, now: now() });
    return c.json(h);
  });

  // ── admin (read-only) ──────────────────────────────────────────────────
  const requireAdmin = (c: Context) => {
    if (!s.adminToken) throw new ApiError(403, 'admin_disabled');
    const auth = c.req.header('authorization');
    const presented = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    if (!tokenMatches(presented, s.adminToken)) throw new ApiError(401, 'unauthorized', {}, { 'WWW-Authenticate': 'Bearer' });
  };
  app.get('/admin', (c) => {
    if (!s.adminToken) throw new ApiError(403, 'admin_disabled');
    return sendFile(c, 'admin.html');
  });
  app.get('/admin/api/overview', async (c) => {
    requireAdmin(c);
    const sinceParam = c.req.query('since');
    const since = sinceParam ? Date.parse(sinceParam) : 0;
    if (Number.isNaN(since)) throw new ApiError(400, 'bad_request', { detail: 'since: expected YYYY-MM-DD' });
    const asOf = deps.asOf();
    const [gaps, feedback, handoffs] = await Promise.all([
      deps.feedback.listGaps({ since }),
      deps.feedback.listFeedback({ since, limit: 200 }),
      deps.feedback.listHandoffs({ limit: 50 }),
    ]);
    const documents = deps.admin.documents().map((d) => ({
      ...d,
      validity: d.supersededBy
        ? 'superseded'
        : d.validTo && d.validTo < asOf
          ? 'expired'
          : d.validFrom || d.validTo
            ? 'in_force'
            : 'unknown',
    }));
    return c.json({
      asOf,
      gaps: deps.groupGaps(gaps),
      gapCount: gaps.length,
      feedback,
      handoffs,
      documents,
      rules: deps.admin.rules(),
      broadcast: !!deps.admin.broadcastPreview,
    });
  });
  app.get('/admin/api/broadcast-preview', async (c) => {
    requireAdmin(c);
    if (!deps.admin.broadcastPreview) throw new ApiError(404, 'not_found');
    return c.json(await deps.admin.broadcastPreview());
  });

  // ── static page ────────────────────────────────────────────────────────
  const sendFile = (c: Context, name: string) => {
    const f = files.get(name);
    if (!f) throw new ApiError(404, 'not_found');
    c.header('Content-Type', f.type);
    c.header('Cache-Control', name.endsWith('.html') ? 'no-cache' : 'public, max-age=300');
    if (name === 'embed.js' || name === 'locale.json') {
      c.header('Cross-Origin-Resource-Policy', 'cross-origin');
      c.header('Access-Control-Allow-Origin', '*'); // public, read by embed.js on the host page
    }
    return c.body(f.body as Uint8Array<ArrayBuffer>);
  };
  app.get('/', (c) => sendFile(c, 'index.html'));
  app.get('/embed.js', (c) => sendFile(c, 'embed.js'));
  app.get('/static/:name', (c) => {
    const name = c.req.param('name');
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(name) || name.endsWith('.html')) throw new ApiError(404, 'not_found');
    return sendFile(c, name);
  });

  return app;
}

export type WebApp = ReturnType<typeof createWebApp>;

/** A bound web server. */
export interface RunningWeb {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** Binds the app on host:port (port 0: a free one). */
export async function startWebServer(app: WebApp, opts: { port: number; host: string; logger?: Logger }): Promise<RunningWeb> {
  const server: ServerType = await new Promise((resolve, reject) => {
    const srv = serve({ fetch: app.fetch, port: opts.port, hostname: opts.host }, () => resolve(srv));
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `WEB_PORT ${opts.port} on ${opts.host} is already in use: choose another WEB_PORT`
            : `web server: ${err.message}`,
        ),
      ),
    );
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    port,
    url: `http://${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        const s = server as ServerType & { closeAllConnections?: () => void; closeIdleConnections?: () => void };
        server.close(() => resolve());
        s.closeIdleConnections?.();
        setTimeout(() => s.closeAllConnections?.(), 1000).unref();
      }),
  };
}

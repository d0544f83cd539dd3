/**
 * Configuration: parsed once with zod at start, from the environment and an optional `.env` file.
 * This is the only module that reads `process.env`; everything else receives a `Config`.
 *
 * @example
 * const config = loadConfig();            // process.env + ./.env
 * const config = parseConfig({ DATA_DIR: '/tmp/x' }); // tests: explicit values only
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * The repository root (the nearest folder with package.json above this file, so that it is the same
 * when running from the TypeScript sources and from the compiled `dist/`); default paths are relative to it.
 */
export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '..');
  }
}

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', ''])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

const path = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((p) => (isAbsolute(p) ? p : p === fallback ? join(PROJECT_ROOT, p) : resolve(p)));

const optionalPath = z
  .string()
  .optional()
  .transform((p) => (p ? resolve(p) : undefined));

const num = (fallback: number, min: number, max: number) => z.coerce.number().min(min).max(max).default(fallback);

/** A whole number written in decimal digits: `2.5`, `0x10`, `1e3` are rejected (z.coerce would accept them). */
const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'expected a whole number in decimal digits (no fraction, exponent or 0x prefix)')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .default(fallback);

const idList = z
  .string()
  .default('')
  .transform((s, ctx) => {
    const ids = s.split(/[,\s]+/).filter(Boolean);
    for (const id of ids) {
      if (!/^-?\d+$/.test(id)) {
        ctx.addIssue({ code: 'custom', message: `"${id}" is not a numeric Telegram id (comma-separated list of numbers)` });
      }
    }
    return ids.map(Number);
  });

export const ConfigSchema = z.object({
  // ── core ───────────────────────────────────────────────────────────────
  /** Folder with documents/, rules/ and the dictionaries. */
  CORPUS_DIR: path('corpus'),
  /** Git-ignored folder for everything the project builds: indexes, trained embedder, databases, reports. */
  DATA_DIR: path('data'),
  /**
   * Log verbosity on stderr: debug, info, warn, error or silent. Default: info for the services (serve,
   * broadcast), warn for interactive commands (chat, ask, search, …).
   */
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).optional(),
  /** Fixed "today" for reproducible answers (YYYY-MM-DD); default: the real date in Asia/Shanghai. */
  AS_OF: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
    .optional(),

  // ── retrieval ──────────────────────────────────────────────────────────
  /** Embedding model id, looked up in MODELS_DIR first. */
  EMBEDDING_MODEL: z.string().default('Xenova/bge-small-zh-v1.5'),
  /** Local folder of transformers.js models (`<MODELS_DIR>/<model id>/...`). */
  MODELS_DIR: path('models'),
  /** Allow downloading the model from REMOTE_MODEL_HOST when it is not in MODELS_DIR. */
  ALLOW_REMOTE_MODELS: bool.default(false),
  /** Hub or mirror to download models from (e.g. https://hf-mirror.com/). */
  REMOTE_MODEL_HOST: z.string().url().default('https://huggingface.co/'),
  /** Hybrid fusion: normalized weighted scores (default) or reciprocal-rank fusion. */
  RETRIEVAL_FUSION: z.enum(['weighted', 'rrf']).default('weighted'),
  /** Fusion weight of BM25 (see docs/retrieval.md; defaults chosen by `policybot eval`). */
  RETRIEVAL_W_BM25: num(1, 0, 10),
  /** Fusion weight of the dense (embedding) similarity. */
  RETRIEVAL_W_DENSE: num(0.1, 0, 10),
  /** Fusion weight of the share of query terms a clause covers. */
  RETRIEVAL_W_COVERAGE: num(0.8, 0, 10),
  /** Fusion weight of query terms found in the clause heading and path. */
  RETRIEVAL_W_HEADING: num(0.2, 0, 10),
  /** Fusion weight of a 文号 or district named in the question matching the document. */
  RETRIEVAL_W_DOC: num(0.5, 0, 10),
  /** Bonus for municipal documents when the question names no district. */
  RETRIEVAL_W_MUNICIPAL: num(0.2, 0, 10),
  /** Query-term weight of character bigrams, relative to the user's words. */
  RETRIEVAL_BIGRAM_WEIGHT: num(0.3, 0, 1),
  /** Query-term weight of synonym/alias expansions, relative to the user's words. */
  RETRIEVAL_SYNONYM_WEIGHT: num(0.6, 0, 1),
  /** Confidence curve σ(steepness·(coverage − midpoint)): its midpoint. */
  RETRIEVAL_CONFIDENCE_MIDPOINT: num(0.37, 0, 1),
  /** Steepness of the confidence curve. */
  RETRIEVAL_CONFIDENCE_STEEPNESS: num(10, 0.1, 100),
  /** Confidence multiplier when the question names a place outside the corpus (北京, 深圳…). */
  RETRIEVAL_PLACE_PENALTY: num(0.25, 0, 1),
  /** Abstain below this confidence ("nothing relevant in the corpus"). */
  RETRIEVAL_MIN_CONFIDENCE: num(0.5, 0, 1),
  /** BM25 term-frequency saturation k1. */
  BM25_K1: num(1.2, 0, 5),
  /** BM25 length normalization b. */
  BM25_B: num(0.75, 0, 1),

  // ── eligibility ────────────────────────────────────────────────────────
  /** World-university rankings CSV (top200.csv format); aliases.csv is read from the same folder. */
  RANKINGS_FILE: optionalPath,

  // ── assistant ──────────────────────────────────────────────────────────
  /** Documents older than this many years get a "please confirm the current rule" note. */
  DOC_MAX_AGE_YEARS: int(3, 0, 100),
  /** Conversation facts are forgotten after this many idle minutes. */
  SESSION_IDLE_MINUTES: int(30, 1, 60 * 24 * 30),

  // ── telegram ───────────────────────────────────────────────────────────
  /** Bot token from @BotFather; when set, `npm start` runs the Telegram bot. Never logged. */
  TELEGRAM_BOT_TOKEN: z.string().optional(),
  /** Bot API root URL (a self-hosted Bot API server or an emulator for tests). */
  TELEGRAM_API_ROOT: z.string().url().default('https://api.telegram.org'),
  /** Telegram user ids allowed to use /reload, /stats and /broadcast (comma-separated). */
  ADMIN_IDS: idList,
  /** How updates arrive: long polling, or a webhook (needs WEBHOOK_URL). */
  BOT_MODE: z.enum(['polling', 'webhook']).default('polling'),
  /** Public HTTPS URL Telegram posts updates to (BOT_MODE=webhook), e.g. https://bot.example.com/telegram. */
  WEBHOOK_URL: z.string().url().optional(),
  /** Secret checked in the X-Telegram-Bot-Api-Secret-Token header (1–256 of A-Z a-z 0-9 _ -). */
  WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, 'expected 1-256 characters of A-Z a-z 0-9 _ -')
    .optional(),
  /** Local port of the webhook HTTP server (GET /healthz for probes). */
  WEBHOOK_PORT: int(8080, 1, 65535),
  /** Local host the webhook HTTP server binds to. */
  WEBHOOK_HOST: z.string().default('0.0.0.0'),
  /** Messages per user per minute before the bot asks them to slow down; 0 disables the limit. */
  RATE_LIMIT_PER_MINUTE: int(20, 0, 10_000),
  /** Bot username (without @) used for deep links when getMe is unavailable at start. */
  BOT_USERNAME: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{3,31}$/, 'expected a Telegram username without @')
    .optional(),
  /** Long-poll timeout of getUpdates (seconds): Telegram holds the request this long when there is nothing new. */
  TELEGRAM_POLL_TIMEOUT_SECONDS: int(25, 0, 50),
  /** A getUpdates call is aborted and retried when it has not answered after the poll timeout plus this margin (seconds). */
  TELEGRAM_POLL_MARGIN_SECONDS: num(5, 0.1, 120),
  /** Every other Bot API call (sendMessage, getMe…) is aborted after this many seconds (then retried as a network error). */
  TELEGRAM_CALL_TIMEOUT_SECONDS: num(10, 0.1, 300),
  /** A call Telegram refuses with 429 or 5xx (a reply, a broadcast message) is retried for up to this many seconds in all, then dropped with a log line. */
  TELEGRAM_SEND_RETRY_SECONDS: num(120, 0, 3600),
  /** A reply part in doubt — its connection was reset after sending, or the process died while sending it: `resend` (at least once: duplicates possible) or `skip` (at most once: a lost reply possible, logged). */
  TELEGRAM_REPLY_IN_DOUBT: z.enum(['resend', 'skip']).default('resend'),
  /** Updates handled at the same time (different chats; one chat is always in order). Fewer means fewer replies in flight, hence in doubt, when the process is killed. */
  TELEGRAM_CONCURRENCY: int(64, 1, 1000),
  /** Longest wait between two getUpdates attempts while the Bot API is unreachable or another instance polls (seconds). */
  TELEGRAM_RETRY_MAX_SECONDS: num(5, 0.1, 300),
  /** getMe at start gives up after this many seconds in all, then falls back to BOT_USERNAME or exits. */
  TELEGRAM_STARTUP_SECONDS: num(10, 0.5, 300),
  /** Keywords offered as /subscribe topics (comma-separated). */
  SUBSCRIBE_KEYWORDS: z
    .string()
    .default('落户,社保,博士后,人才公寓,补贴')
    .transform((s) => [...new Set(s.split(/[,，\s]+/).filter(Boolean))]),

  // ── broadcast ──────────────────────────────────────────────────────────
  /** When policy-update digests are sent (cron expression, validated at start). */
  BROADCAST_CRON: z.string().default('0 9 * * 1-5'),
  /** Time zone of BROADCAST_CRON. */
  BROADCAST_TZ: z.string().default('Asia/Shanghai'),
  /** Optional folder where new documents are dropped for the next broadcast run. */
  INBOX_DIR: optionalPath,
  /** Run the broadcast schedule in `policybot serve` (the CLI `policybot broadcast` works regardless). */
  BROADCAST_ENABLED: bool.default(true),
  /** Broadcast messages per second over all chats (Telegram allows about 30). */
  BROADCAST_RATE_PER_SECOND: num(30, 0.01, 100_000),
  /** Broadcast messages per second to one chat (Telegram: 1). */
  BROADCAST_CHAT_PER_SECOND: num(1, 0.001, 1000),
  /** Broadcast messages per minute to one group (Telegram: 20). */
  BROADCAST_GROUP_PER_MINUTE: num(20, 0.01, 60_000),
  /** Send attempts (5xx, network errors) before an outbox row is recorded as failed. */
  BROADCAST_MAX_ATTEMPTS: int(5, 1, 100),
  /** Lease of claimed outbox rows; rows of a crashed sender are taken over after it expires. */
  BROADCAST_LEASE_SECONDS: int(30, 1, 3600),
  /** A row whose sender died mid-send: `resend` (at least once; a rare duplicate) or `skip` (at most once, logged). */
  BROADCAST_IN_DOUBT: z.enum(['resend', 'skip']).default('resend'),

  // ── storage ────────────────────────────────────────────────────────────
  /** postgres://… selects PostgreSQL; unset selects the embedded SQLite file under DATA_DIR. */
  DATABASE_URL: z.string().optional(),
  /** PostgreSQL: connections per instance. */
  DATABASE_POOL_MAX: int(10, 1, 1000),
  /**
   * PostgreSQL: how often (seconds) an instance looks for outbox rows enqueued by another instance
   * (to help send them) and for a new committed corpus version (to reload its index).
   */
  DATABASE_POLL_SECONDS: num(5, 0.1, 3600),

  // ── web channel (HTTP API, web chat, admin, hand-off) ──────────────────
  /** Port of the HTTP API and web chat; when set, `policybot serve` runs the web channel (docs/web.md). */
  WEB_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Host the web channel binds to (put a reverse proxy in front to publish it). */
  WEB_HOST: z.string().default('127.0.0.1'),
  /** Origins allowed to call the API from another site (CORS, comma-separated, e.g. https://rsj.sh.gov.cn); empty: same origin only. */
  WEB_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const list = s.split(/[,\s]+/).filter(Boolean);
      for (const o of list) {
        if (!/^https?:\/\/[^/\s]+$/.test(o))
          ctx.addIssue({ code: 'custom', message: `"${o}" is not an origin (scheme://host[:port], no path)` });
      }
      return list;
    }),
  /** Largest request body the web API accepts, in bytes (larger: 413). */
  WEB_MAX_BODY_BYTES: num(16_384, 256, 10_485_760),
  /** Longest question text the web API accepts, in characters (longer: 400). */
  WEB_MAX_TEXT_CHARS: num(500, 10, 100_000),
  /** Web API requests per client IP per minute (429 above); 0 disables the limit. */
  WEB_RATE_PER_IP_PER_MINUTE: num(60, 0, 1_000_000),
  /** Web chat messages per conversation per minute (429 above); 0 disables the limit. */
  WEB_RATE_PER_CONVERSATION_PER_MINUTE: num(20, 0, 1_000_000),
  /** Trust the first X-Forwarded-For address as the client IP (only behind your own reverse proxy). */
  WEB_TRUST_PROXY: bool.default(false),
  /** Threads that answer web questions (0–16; each holds its own index, about 200 MiB); 0: the web server's own thread. On 2 cores, 1–2 threads kept up with 300 questions/s where one thread reached about 160/s; latency still depends on the other load (docs/web.md). */
  WEB_WORKERS: int(0, 0, 16),
  /** Token for /admin (Authorization: Bearer …); the admin view is refused while it is unset. Never logged. */
  ADMIN_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  /** URL the hand-off case packet is POSTed to as JSON (a ticket system or a WeCom/Feishu relay). */
  HANDOFF_WEBHOOK_URL: z.string().url().optional(),
  /** E-mail address the hand-off case packet is sent to (needs SMTP_HOST). */
  HANDOFF_EMAIL_TO: z.string().email().optional(),
  /** SMTP server for hand-off e-mail. */
  SMTP_HOST: z.string().optional(),
  /** SMTP port (587 with STARTTLS, 465 with TLS, 25 plain). */
  SMTP_PORT: num(587, 1, 65535),
  /** SMTP user name (with SMTP_PASSWORD: AUTH PLAIN). */
  SMTP_USER: z.string().optional(),
  /** SMTP password. Never logged. */
  SMTP_PASSWORD: z.string().optional(),
  /** Sender address of hand-off e-mail. */
  SMTP_FROM: z.string().email().default('policybot@localhost'),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Thrown when configuration is invalid; the message names each variable and what is allowed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses explicit values (no environment access). Throws ConfigError naming each bad variable. */
export function parseConfig(values: Record<string, string | undefined>): Config {
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') cleaned[k] = v;
  // Parsed once per process: zod's compiled fast path for this large object costs more to build (~15 ms
  // at start-up) than it saves.
  const result = ConfigSchema.safeParse(cleaned, { jitless: true });
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const key = i.path.join('.') || '(config)';
      const given = cleaned[key] === undefined ? '' : ` (got "${redact(key, cleaned[key]!)}")`;
      return `  ${key}${given}: ${i.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}\nFix the environment variable or the .env file.`);
  }
  return result.data;
}

/** Reads a `.env` file (KEY=VALUE lines, # comments, optional quotes). Missing file → {}. */
export function readDotEnv(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(t);
    if (!m) throw new ConfigError(`${file}:${i + 1}: expected KEY=VALUE, got "${t.slice(0, 40)}"`);
    let v = m[2]!;
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]!] = v;
  });
  return out;
}

/** The program's configuration: `.env` in the working directory, overridden by the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, dotEnvFile = resolve('.env')): Config {
  const values: Record<string, string | undefined> = { ...readDotEnv(dotEnvFile) };
  for (const key of Object.keys(ConfigSchema.shape)) if (env[key] !== undefined) values[key] = env[key];
  return parseConfig(values);
}

function redact(key: string, value: string): string {
  return /TOKEN|SECRET|PASSWORD|DATABASE_URL/.test(key) ? '***' : value;
}

/** Today's date in Asia/Shanghai as YYYY-MM-DD, unless AS_OF pins it. */
export function todayIn(config: Pick<Config, 'AS_OF'>, now: Date = new Date()): string {
  if (config.AS_OF) return config.AS_OF;
  // China Standard Time is UTC+8 all year (no daylight saving): cheaper than building an Intl formatter.
  return new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

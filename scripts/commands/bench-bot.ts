/**
 * `policybot bench-bot [--messages N] [--chats K] [--assistant echo|real] [--no-emulator] [--no-write]`
 *
 * Telegram bot throughput (a bench, not a test): answered questions per second
 *  - in-process: `createBot` + `bot.handleUpdate` with a fake API client (no network), all messages in
 *    flight at once, one SQLite store in a temp dir (sessions, usage, update log all written);
 *  - against telegram-test-api on loopback: the real runner (long polling over HTTP) with the durable
 *    update log, the emulator's storage checked for every reply.
 * Per-chat order is verified in both (each chat's replies must come back in the order it asked).
 * `--assistant echo` (default) measures the channel alone with a trivial assistant; `real` uses the real
 * assistant over the shipped corpus. Writes the bot section of docs/benchmarks.md
 * (`<!-- bench:bot:start -->` … `<!-- bench:bot:end -->`), leaving other sections alone.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Update, UserFromGetMe } from 'grammy/types';
import { buildApp } from '../../bot/app.ts';
import type { Assistant, ConversationState, Reply } from '../../bot/assistant/types.ts';
import { loadConfig, parseConfig, PROJECT_ROOT } from '../../bot/config.ts';
import { createLogger, silentLogger } from '../../bot/logger.ts';
import { openSqliteStore } from '../../bot/store/sqlite.ts';
import { createBot } from '../../bot/telegram/bot.ts';
import { startBot } from '../../bot/telegram/runner.ts';
import { writeBenchSection } from '../bench-util.ts';
import { CliUsageError, parseCliArgs, printJson, type CliCommand } from '../cli.ts';
import { freePort } from '../../tools/free-port.ts';

const TOKEN = '424242:BENCH-TOKEN';

/** A trivial assistant for measuring the channel alone: echoes the question's sequence number. */
export class EchoAssistant implements Assistant {
  sources() {
    return [];
  }
  async reply(
    state: ConversationState | undefined,
    text: string,
    _asOf: string,
    now = Date.now(),
  ): Promise<{ reply: Reply; state: ConversationState }> {
    const reply: Reply = {
      question: text,
      answer: `答复：${text}\n「示例条款」\n——《示例文件》 第三条，2022-06-01`,
      grounded: true,
      citations: [{ docId: 'x', title: '示例文件', docNumber: null, clause: '三', text: '示例条款', score: 1 }],
      eligibility: null,
      route: 'information',
    };
    return { reply, state: { facts: state?.facts ?? {}, openQuestion: null, ruleId: null, updatedAt: now } };
  }
}

const BOT_INFO = {
  id: 424242,
  is_bot: true,
  first_name: 'Bench',
  username: 'BenchBot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
} as UserFromGetMe;

/** Questions used with the real assistant (rotated; each carries its sequence number). */
const REAL_QUESTIONS = [
  '宝山区的人才安居资助最高多少？',
  '留学回国人员落户需要缴纳多久社保？',
  '杨浦区对人才有什么支持？',
  '长宁区科技创新人才有哪些措施？',
];

function question(assistant: 'echo' | 'real', chat: number, seq: number): string {
  return assistant === 'echo' ? `问题 #${chat}-${seq}` : `${REAL_QUESTIONS[(chat + seq) % REAL_QUESTIONS.length]}（#${chat}-${seq}）`;
}

function checkOrder(
  replies: { chat: number; text: string }[],
  chats: number,
  perChat: number,
): { inOrder: boolean; missing: number; duplicates: number } {
  const seen = new Map<number, number[]>();
  for (const r of replies) {
    const m = /#(\d+)-(\d+)/.exec(r.text);
    if (!m) continue;
    const list = seen.get(r.chat) ?? [];
    list.push(Number(m[2]));
    seen.set(r.chat, list);
  }
  let inOrder = true;
  let missing = 0;
  let duplicates = 0;
  for (let c = 1; c <= chats; c++) {
    const list = seen.get(c) ?? [];
    missing += Math.max(0, perChat - new Set(list).size);
    duplicates += list.length - new Set(list).size;
    for (let i = 1; i < list.length; i++) if (list[i]! <= list[i - 1]!) inOrder = false;
  }
  return { inOrder, missing, duplicates };
}

/** Wraps an assistant so each answer carries the question's `#chat-seq` tag (to check per-chat reply order). */
function tagged(inner: Assistant): Assistant {
  return {
    sources: () => inner.sources(),
    async reply(state, text, asOf, now) {
      const r = await inner.reply(state, text, asOf, now);
      const tag = /#\d+-\d+/.exec(text)?.[0];
      if (!tag) return r;
      // Telegram renders the blocks: the tag goes into the answer line too.
      const blocks = r.reply.blocks && {
        ...r.reply.blocks,
        answer: { ...r.reply.blocks.answer, text: `${r.reply.blocks.answer.text}\n${tag}` },
      };
      return { ...r, reply: { ...r.reply, answer: `${r.reply.answer}\n${tag}`, ...(blocks ? { blocks } : {}) } };
    },
  };
}

async function makeAssistant(kind: 'echo' | 'real'): Promise<Assistant> {
  if (kind === 'echo') return new EchoAssistant();
  const app = await buildApp(loadConfig(), { logger: silentLogger });
  return tagged(app.assistant);
}

/** In-process: all updates handed to handleUpdate at once; the fake API answers immediately. */
export async function benchInProcess(opts: { messages: number; chats: number; assistant: 'echo' | 'real'; assistantImpl?: Assistant }) {
  const dir = mkdtempSync(join(os.tmpdir(), 'policybot-bench-bot-'));
  const store = openSqliteStore({ file: join(dir, 'policybot.sqlite') });
  const replies: { chat: number; text: string }[] = [];
  let mid = 1;
  const fetch = async (url: string, init?: { body?: unknown }) => {
    const method = String(url).split('/').pop();
    const p = typeof init?.body === 'string' ? JSON.parse(init.body) : {};
    if (method === 'sendMessage') replies.push({ chat: p.chat_id, text: p.text });
    const result = method === 'sendMessage' ? { message_id: mid++, date: 0, chat: { id: p.chat_id, type: 'private' }, text: p.text } : true;
    return { json: async () => ({ ok: true, result }) } as unknown as Response;
  };
  const config = parseConfig({ TELEGRAM_BOT_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: '0', DATA_DIR: dir });
  const assistant = opts.assistantImpl ?? (await makeAssistant(opts.assistant));
  const bot = createBot(
    config,
    { assistant, store, logger: silentLogger, asOf: () => '2024-06-01' },
    { botInfo: BOT_INFO, client: { fetch: fetch as never } },
  );
  const perChat = Math.ceil(opts.messages / opts.chats);
  const updates: Update[] = [];
  let uid = 1;
  for (let s = 0; s < perChat; s++) {
    for (let c = 1; c <= opts.chats; c++) {
      updates.push({
        update_id: uid++,
        message: {
          message_id: uid,
          date: 0,
          chat: { id: c, type: 'private', first_name: 'u' },
          from: { id: c, is_bot: false, first_name: 'u' },
          text: question(opts.assistant, c, s),
        },
      } as Update);
    }
  }
  const t0 = performance.now();
  await Promise.all(updates.map((u) => bot.handleUpdate(u)));
  const ms = performance.now() - t0;
  await store.close();
  return {
    mode: 'in-process',
    assistant: opts.assistant,
    messages: updates.length,
    chats: opts.chats,
    seconds: ms / 1000,
    perSecond: updates.length / (ms / 1000),
    ...checkOrder(replies, opts.chats, perChat),
    replies: replies.length,
  };
}

/** Against telegram-test-api on loopback with the real runner. */
export async function benchEmulator(opts: { messages: number; chats: number; assistant: 'echo' | 'real'; assistantImpl?: Assistant }) {
  let TelegramServer: new (c: { port: number; host: string; storeTimeout: number }) => any;
  try {
    const mod = (await import('telegram-test-api')) as unknown as { default: any };
    TelegramServer = mod.default?.default ?? mod.default;
  } catch {
    throw new CliUsageError('telegram-test-api is not installed (dev dependency): run npm install, or pass --no-emulator');
  }
  const port = await freePort();
  const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });
  await server.start();
  const dir = mkdtempSync(join(os.tmpdir(), 'policybot-bench-bot-'));
  const store = openSqliteStore({ file: join(dir, 'policybot.sqlite') });
  const config = parseConfig({
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: `http://127.0.0.1:${port}`,
    RATE_LIMIT_PER_MINUTE: '0',
    DATA_DIR: dir,
  });
  const assistant = opts.assistantImpl ?? (await makeAssistant(opts.assistant));
  const logger = createLogger({ level: 'error', secrets: [TOKEN] });
  const bot = createBot(config, { assistant, store, logger, asOf: () => '2024-06-01' });
  const running = await startBot(bot, { mode: 'polling', logger, store, skipCommands: true });
  const perChat = Math.ceil(opts.messages / opts.chats);
  const total = perChat * opts.chats;
  const t0 = performance.now();
  for (let s = 0; s < perChat; s++) {
    for (let c = 1; c <= opts.chats; c++) {
      const client = server.getClient(TOKEN, { userId: c, chatId: c, type: 'private' });
      await server.addUserMessage(client.makeMessage(question(opts.assistant, c, s)));
    }
  }
  const deadline = Date.now() + 120_000;
  while (server.storage.botMessages.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const ms = performance.now() - t0;
  await running.stop();
  const replies = (server.storage.botMessages as { message: { chat_id: number; text: string } }[]).map((m) => ({
    chat: Number(m.message.chat_id),
    text: m.message.text,
  }));
  await store.close();
  await server.stop();
  return {
    mode: 'emulator',
    assistant: opts.assistant,
    messages: total,
    chats: opts.chats,
    seconds: ms / 1000,
    perSecond: replies.length / (ms / 1000),
    ...checkOrder(replies, opts.chats, perChat),
    replies: replies.length,
  };
}

type Result = Awaited<ReturnType<typeof benchInProcess>>;

function section(results: Result[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.mode} | ${r.assistant} | ${r.messages} | ${r.chats} | ${r.seconds.toFixed(2)} | **${r.perSecond.toFixed(0)}** | ${r.inOrder ? 'yes' : 'NO'} | ${r.missing} | ${r.duplicates} |`,
  );
  return [
    '## Telegram bot throughput',
    '',
    `\`policybot bench-bot\` on ${os.cpus().length}× ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    'Answered questions per second, every message in flight at once; per-chat order checked on every reply.',
    'In-process = `bot.handleUpdate` with a fake API client; emulator = the real long-polling runner against',
    '`telegram-test-api` on 127.0.0.1 (HTTP both ways, durable update log in SQLite). `echo` measures the channel alone,',
    '`real` includes the real assistant (retrieval + rules) per question. Targets: ≥ 300/s in-process, ≥ 100/s emulator.',
    '',
    '| mode | assistant | messages | chats | seconds | answered/s | per-chat order | missing | duplicates |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function writeDocs(text: string): string {
  const file = join(PROJECT_ROOT, 'docs', 'benchmarks.md');
  writeBenchSection(file, 'bot', text);
  return file;
}

export const command: CliCommand = {
  usage: 'bench-bot [--messages N] [--chats K] [--assistant echo|real|both] [--no-emulator] [--no-write]',
  summary: 'Benchmark the Telegram bot: answered questions/s in-process and against telegram-test-api',
  async run(argv) {
    const { values } = parseCliArgs(argv, {
      messages: { type: 'string' },
      chats: { type: 'string' },
      assistant: { type: 'string' },
      'no-emulator': { type: 'boolean' },
      'no-write': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const messages = Number(values.messages ?? 3000);
    const chats = Number(values.chats ?? 100);
    if (!Number.isInteger(messages) || messages < 1) throw new CliUsageError('--messages expects a positive integer');
    if (!Number.isInteger(chats) || chats < 1) throw new CliUsageError('--chats expects a positive integer');
    const which = values.assistant ?? 'both';
    if (!['echo', 'real', 'both'].includes(which)) throw new CliUsageError('--assistant expects echo, real or both');
    const kinds = (which === 'both' ? ['echo', 'real'] : [which]) as ('echo' | 'real')[];
    const results: Result[] = [];
    for (const kind of kinds) {
      const impl = await makeAssistant(kind);
      results.push(await benchInProcess({ messages, chats, assistant: kind, assistantImpl: impl }));
      process.stderr.write(`in-process ${kind}: ${results.at(-1)!.perSecond.toFixed(0)}/s\n`);
      if (!values['no-emulator']) {
        results.push(await benchEmulator({ messages: Math.min(messages, 2000), chats, assistant: kind, assistantImpl: impl }));
        process.stderr.write(`emulator ${kind}: ${results.at(-1)!.perSecond.toFixed(0)}/s\n`);
      }
    }
    if (values.json) printJson(results);
    else
      for (const r of results)
        process.stdout.write(
          `${r.mode.padEnd(10)} ${r.assistant.padEnd(5)} ${String(r.messages).padStart(6)} msgs ${r.seconds.toFixed(2)} s  ${r.perSecond.toFixed(0)}/s  order ${r.inOrder ? 'kept' : 'BROKEN'}  missing ${r.missing} dup ${r.duplicates}\n`,
        );
    if (!values['no-write']) process.stderr.write(`wrote ${writeDocs(section(results))}\n`);
    return results.every((r) => r.inOrder && r.missing === 0 && r.duplicates === 0) ? 0 : 1;
  },
};

/**
 * The Telegram bot's own wording (welcome, help, notices, command lists for `setMyCommands`), read from
 * `bot/locales/telegram.zh.yaml` so that it can be reviewed and translated without reading the handlers.
 * A missing or empty key fails at start, naming the file and the key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { z } from 'zod';
import { defaultLocalesDir } from '../locales/locale.ts';

const TEXT_KEYS = [
  'welcome',
  'help',
  'groupHelp',
  'askUsage',
  'nonText',
  'forwarded',
  'unknownCommand',
  'forgotten',
  'expired',
  'checkInGroup',
  'checkPrivateButton',
  'rateLimited',
  'error',
  'adminOnly',
  'reloadStarted',
  'reloadNotConfigured',
  'broadcastUsage',
  'broadcastNotConfigured',
  'subscribeIntro',
  'subscribeGroupAdminsOnly',
  'unsubscribed',
  'notSubscribed',
  'subscribeDone',
  'sourcesEmpty',
] as const;

const Command = z.object({ command: z.string().regex(/^[a-z_]{1,32}$/), description: z.string().min(1) });
const Schema = z.object({
  examples: z.array(z.string().min(1)).min(1),
  checkPrompt: z.string().min(1),
  texts: z.object(Object.fromEntries(TEXT_KEYS.map((k) => [k, z.string().min(1)])) as Record<(typeof TEXT_KEYS)[number], z.ZodString>),
  privateCommands: z.array(Command).min(1),
  groupCommands: z.array(Command).min(1),
});

/** Reads and checks the Telegram wording file (default: `bot/locales/telegram.zh.yaml`). */
export function loadTelegramTexts(file = join(defaultLocalesDir(), 'telegram.zh.yaml')): z.infer<typeof Schema> {
  const parsed = Schema.safeParse(yaml.load(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `${file}: ${issue.path.join('.') || '(top)'}: ${issue.message} — every key of bot/telegram/texts.ts TEXT_KEYS needs a text`,
    );
  }
  return parsed.data;
}

const texts = loadTelegramTexts();

/** Example questions offered as buttons on /start. */
export const EXAMPLE_QUESTIONS: readonly string[] = texts.examples;

/** The message sent to the assistant when a guided check starts (/check, /start check). */
export const CHECK_PROMPT: string = texts.checkPrompt;

export const T: Readonly<Record<(typeof TEXT_KEYS)[number], string>> = texts.texts;

/** Commands shown in private chats (setMyCommands, scope all_private_chats). */
export const PRIVATE_COMMANDS: readonly { command: string; description: string }[] = texts.privateCommands;

/** Commands shown in groups (scope all_group_chats). */
export const GROUP_COMMANDS: readonly { command: string; description: string }[] = texts.groupCommands;

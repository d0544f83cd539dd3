/** setMyCommands for private chats and groups (Chinese descriptions). Non-essential: failures only warn. */
import type { Api } from 'grammy';
import type { Logger } from '../logger.ts';
import { GROUP_COMMANDS, PRIVATE_COMMANDS } from './texts.ts';

/** Registers the command lists; resolves to the number of scopes that succeeded (never rejects). */
export async function registerCommands(api: Api, logger: Logger): Promise<number> {
  const results = await Promise.allSettled([
    api.setMyCommands(PRIVATE_COMMANDS, { scope: { type: 'all_private_chats' } }),
    api.setMyCommands(GROUP_COMMANDS, { scope: { type: 'all_group_chats' } }),
  ]);
  let ok = 0;
  for (const r of results) {
    if (r.status === 'fulfilled') ok++;
    else logger.warn('setMyCommands failed; continuing without the command menu', { err: r.reason });
  }
  return ok;
}

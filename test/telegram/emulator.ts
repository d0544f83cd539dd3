/** Starts telegram-test-api (a third-party Bot API emulator) on 127.0.0.1 with an explicit free port. */
import TelegramServerModule from 'telegram-test-api';
import type { TelegramServer as TelegramServerType } from 'telegram-test-api/lib/telegramServer.js';
import { freePort } from '../../tools/free-port.ts';

type TelegramServerCtor = new (config: { port: number; host: string; storeTimeout?: number }) => TelegramServerType;
const TelegramServer = ((TelegramServerModule as unknown as { default?: TelegramServerCtor }).default ??
  TelegramServerModule) as unknown as TelegramServerCtor;

/** Starts the emulator; call `server.stop()` when done (after stopping the bot). */
export async function startEmulator(): Promise<{ server: TelegramServerType; apiRoot: string }> {
  const port = await freePort();
  const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 120 });
  await server.start();
  return { server, apiRoot: `http://127.0.0.1:${port}` };
}

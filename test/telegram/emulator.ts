/** Starts telegram-test-api (a third-party Bot API emulator) on 127.0.0.1 with an explicit free port. */
import { createServer } from 'node:net';
import TelegramServerModule from 'telegram-test-api';
import type { TelegramServer as TelegramServerType } from 'telegram-test-api/lib/telegramServer.js';

type TelegramServerCtor = new (config: { port: number; host: string; storeTimeout?: number }) => TelegramServerType;
const TelegramServer = ((TelegramServerModule as unknown as { default?: TelegramServerCtor }).default ?? TelegramServerModule) as unknown as TelegramServerCtor;

/** A free TCP port on 127.0.0.1 (bound and released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts the emulator; call `server.stop()` when done (after stopping the bot). */
export async function startEmulator(): Promise<{ server: TelegramServerType; apiRoot: string }> {
  const port = await freePort();
  const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 120 });
  await server.start();
  return { server, apiRoot: `http://127.0.0.1:${port}` };
}

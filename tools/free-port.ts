/**
 * A free TCP port on 127.0.0.1 (bound to port 0, then released), for servers the project starts itself:
 * the throw-away PostgreSQL of the tests and benches, the Bot API emulator, webhook instances.
 *
 * @example
 * const port = await freePort();
 */
import { createServer } from 'node:net';

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

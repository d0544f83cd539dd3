/**
 * A loopback fake Bot API for benchmarks and tests: it answers `sendMessage` and records each delivery
 * (chat id, arrival time); optionally it answers one 429 after `fail429At` deliveries. Listens on a free
 * port of 127.0.0.1 only. Used by `policybot bench-broadcast`, `bench-pg` and the multi-worker test.
 *
 * @example
 * const api = await startFakeApi();
 * new Api(token, { apiRoot: api.root }); // … later: api.log.length deliveries; api.server.close()
 */
import { createServer, type Server } from 'node:http';

export async function startFakeApi(
  opts: { fail429At?: number } = {},
): Promise<{ server: Server; root: string; log: { chatId: number; at: number }[] }> {
  const log: { chatId: number; at: number }[] = [];
  let limited = false;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (!req.url?.endsWith('/sendMessage')) {
        res.end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { chat_id: number; text: string };
      if (opts.fail429At !== undefined && !limited && log.length >= opts.fail429At) {
        limited = true;
        res.statusCode = 429;
        res.end(
          JSON.stringify({ ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } }),
        );
        return;
      }
      log.push({ chatId: Number(body.chat_id), at: performance.now() });
      res.end(
        JSON.stringify({
          ok: true,
          result: {
            message_id: log.length,
            date: Math.floor(Date.now() / 1000),
            chat: { id: body.chat_id, type: 'private' },
            text: body.text,
          },
        }),
      );
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { server, root: `http://127.0.0.1:${port}`, log };
}

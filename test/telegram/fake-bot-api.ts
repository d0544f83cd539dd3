/**
 * A strict fake Bot API over HTTP on 127.0.0.1, for driving the real `policybot serve` child process:
 * getUpdates with offset semantics (an update is kept until a later offset confirms it) and long
 * polling, sendMessage recorded per chat, everything else answered `true`. Fault switches: `down`
 * (every connection is reset), `hangNextPoll` (the next getUpdates never answers: a half-open
 * connection), `conflictUntil` (409 on getUpdates until then).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SentMessage {
  chatId: number;
  text: string;
  at: number;
}

export class FakeBotApi {
  private server: Server;
  private updates: Record<string, unknown>[] = [];
  private confirmed = 0;
  private nextUpdateId = 1;
  private nextMessageId = 1;
  private waiters = new Set<() => void>();
  sent: SentMessage[] = [];
  polls = 0;
  down = false;
  hangNextPoll = false;
  conflictUntil = 0;
  port = 0;

  constructor(readonly botUsername = 'PolicyDrillBot') {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const w of this.waiters) w();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Starts (every open connection is reset, new ones too) or ends an outage. */
  setDown(down: boolean): void {
    this.down = down;
    if (down) this.server.closeAllConnections();
  }

  /** Queues a private text message from `userId`; returns its update id. */
  pushPrivate(userId: number, text: string): number {
    const id = this.nextUpdateId++;
    this.updates.push({
      update_id: id,
      message: {
        message_id: id,
        date: Math.floor(Date.now() / 1000),
        chat: { id: userId, type: 'private', first_name: `u${userId}` },
        from: { id: userId, is_bot: false, first_name: `u${userId}` },
        text,
      },
    });
    for (const w of this.waiters) w();
    return id;
  }

  /** Updates not yet confirmed by an offset. */
  unconfirmed(): number {
    return this.updates.filter((u) => (u.update_id as number) >= this.confirmed).length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>) : {};
    const method = (req.url ?? '').split('/').pop() ?? '';
    const reply = (result: unknown): void =>
      void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
    switch (method) {
      case 'getMe':
        return reply({
          id: 777,
          is_bot: true,
          first_name: 'Drill',
          username: this.botUsername,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        });
      case 'getUpdates': {
        this.polls++;
        if (Date.now() < this.conflictUntil) {
          res.writeHead(409, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              ok: false,
              error_code: 409,
              description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
            }),
          );
          return;
        }
        if (this.hangNextPoll) {
          this.hangNextPoll = false;
          return; // never answered
        }
        this.confirmed = Math.max(this.confirmed, Number(body.offset ?? 0));
        const ready = () => this.updates.filter((u) => (u.update_id as number) >= this.confirmed).slice(0, Number(body.limit ?? 100));
        const timeoutMs = Math.min(Number(body.timeout ?? 0), 50) * 1000;
        if (!ready().length && timeoutMs > 0) {
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(t);
              this.waiters.delete(done);
              req.socket.off('close', done);
              resolve();
            };
            const t = setTimeout(done, timeoutMs);
            this.waiters.add(done);
            req.socket.once('close', done);
          });
        }
        if (res.destroyed || this.down) return;
        return reply(ready());
      }
      case 'sendMessage': {
        this.sent.push({ chatId: Number(body.chat_id), text: String(body.text ?? ''), at: Date.now() });
        return reply({
          message_id: this.nextMessageId++,
          date: Math.floor(Date.now() / 1000),
          chat: { id: body.chat_id, type: 'private' },
          text: body.text,
        });
      }
      default:
        return reply(true);
    }
  }
}

/**
 * A minimal SMTP client for the hand-off e-mail (RFC 5321): EHLO, STARTTLS when the server offers it
 * (or implicit TLS on port 465), AUTH PLAIN when a user is set, one message, QUIT. UTF-8 text as
 * base64. Enough for a relay or an office mail server; no dependency.
 */
import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface SmtpOptions {
  host: string;
  port: number;
  user?: string;
  password?: string;
  from: string;
  /** Refuse to send AUTH over a connection that is not encrypted (default true; tests on 127.0.0.1 turn it off). */
  requireTlsForAuth?: boolean;
}

class SmtpConversation {
  private buf = '';
  private waiting: { resolve: (line: { code: number; text: string }) => void; reject: (err: Error) => void } | null = null;
  private failed: Error | null = null;
  private lines: string[] = [];
  constructor(private socket: Socket | TLSSocket) {
    this.attach(socket);
  }
  attach(socket: Socket | TLSSocket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        this.lines.push(line);
        if (/^\d{3} /.test(line) || /^\d{3}$/.test(line)) {
          const text = this.lines.join('\n');
          this.lines = [];
          const w = this.waiting;
          this.waiting = null;
          w?.resolve({ code: Number(line.slice(0, 3)), text });
        }
      }
    });
    const fail = (err: Error) => {
      this.failed ??= err;
      const w = this.waiting;
      this.waiting = null;
      w?.reject(this.failed);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('SMTP server closed the connection')));
  }
  /** Stops listening on the current socket (before STARTTLS hands it to TLS). */
  detach(): Socket | TLSSocket {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    this.socket.removeAllListeners('error');
    return this.socket;
  }
  get raw() {
    return this.socket;
  }
  read(): Promise<{ code: number; text: string }> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }
  async cmd(line: string | null, expect: number[]): Promise<string> {
    const reply = this.read();
    if (line !== null) this.socket.write(line + '\r\n');
    const r = await reply;
    if (!expect.includes(r.code)) throw new Error(`SMTP ${line?.split(' ')[0] ?? 'greeting'}: server answered ${r.text.slice(0, 200)}`);
    return r.text;
  }
}

function encodeHeader(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;
}

/** Sends one plain-text message. Throws naming the SMTP step that failed. */
export async function sendMail(opts: SmtpOptions, msg: { to: string; subject: string; text: string }, timeoutMs = 10_000): Promise<void> {
  const implicitTls = opts.port === 465;
  const socket: Socket = implicitTls
    ? tlsConnect({ host: opts.host, port: opts.port, servername: opts.host })
    : netConnect({ host: opts.host, port: opts.port });
  socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`SMTP ${opts.host}:${opts.port} did not answer within ${timeoutMs} ms`)));
  const conv = new SmtpConversation(socket);
  let encrypted = implicitTls;
  try {
    await conv.cmd(null, [220]);
    let ehlo = await conv.cmd('EHLO policybot', [250]);
    if (!encrypted && /STARTTLS/i.test(ehlo)) {
      await conv.cmd('STARTTLS', [220]);
      const secured = tlsConnect({ socket: conv.detach() as Socket, servername: opts.host });
      await new Promise<void>((resolve, reject) => secured.once('secureConnect', resolve).once('error', reject));
      conv.attach(secured);
      encrypted = true;
      ehlo = await conv.cmd('EHLO policybot', [250]);
    }
    if (opts.user) {
      if (!encrypted && opts.requireTlsForAuth !== false)
        throw new Error(`SMTP ${opts.host}:${opts.port} offers no TLS: refusing to send SMTP_PASSWORD in clear text`);
      const token = Buffer.from(`\0${opts.user}\0${opts.password ?? ''}`, 'utf8').toString('base64');
      await conv.cmd(`AUTH PLAIN ${token}`, [235]);
    }
    await conv.cmd(`MAIL FROM:<${opts.from}>`, [250]);
    await conv.cmd(`RCPT TO:<${msg.to}>`, [250, 251]);
    await conv.cmd('DATA', [354]);
    const body = Buffer.from(msg.text, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n');
    const data = [
      `From: <${opts.from}>`,
      `To: <${msg.to}>`,
      `Subject: ${encodeHeader(msg.subject)}`,
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <${randomBytes(12).toString('hex')}@policybot>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      body,
      '.',
    ].join('\r\n');
    await conv.cmd(data, [250]);
    await conv.cmd('QUIT', [221]).catch(() => undefined);
  } finally {
    conv.raw.destroy();
  }
}

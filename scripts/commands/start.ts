/**
 * `policybot start` (what `npm start` runs): `serve` when TELEGRAM_BOT_TOKEN or WEB_PORT is set (each
 * configured channel), otherwise the terminal chat. The index (and the offline embedder) is built on first run when missing.
 */
import { loadConfig } from '../../bot/config.ts';
import type { CliCommand } from '../cli.ts';

export const command: CliCommand = {
  usage: 'start',
  summary: 'Main job: serve (Telegram bot and/or web chat) if TELEGRAM_BOT_TOKEN or WEB_PORT is set, else the terminal chat',
  async run(argv) {
    const config = loadConfig();
    if (config.TELEGRAM_BOT_TOKEN || config.WEB_PORT !== undefined) {
      const { command: serve } = await import('./serve.ts');
      return serve.run(argv);
    }
    process.stderr.write(
      '未配置 TELEGRAM_BOT_TOKEN，启动终端对话。连接 Telegram：在 .env 中设置 TELEGRAM_BOT_TOKEN=<BotFather 给的 token> 后重新运行 npm start。\n' +
        '(No TELEGRAM_BOT_TOKEN: starting the terminal chat. To connect Telegram, put TELEGRAM_BOT_TOKEN=... in .env and run npm start again.)\n',
    );
    const { command: chat } = await import('./chat.ts');
    return chat.run(argv);
  },
};

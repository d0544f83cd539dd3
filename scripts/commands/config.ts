/**
 * `policybot config [--markdown]` — the effective configuration (secrets redacted), or with
 * `--markdown` the table of all variables that the README shows.
 */
import { configTable } from '../../bot/config-doc.ts';
import { loadConfig } from '../../bot/config.ts';
import { parseCliArgs, type CliCommand } from '../cli.ts';

export const command: CliCommand = {
  usage: 'config [--markdown]',
  summary: 'Show the effective configuration (secrets redacted), or the table of variables',
  async run(argv) {
    const { values } = parseCliArgs(argv, { markdown: { type: 'boolean' } });
    if (values.markdown) {
      process.stdout.write(configTable());
      return 0;
    }
    const config = loadConfig() as Record<string, unknown>;
    for (const [k, v] of Object.entries(config)) {
      const secret = /TOKEN|SECRET|PASSWORD|DATABASE_URL/.test(k) && v !== undefined;
      process.stdout.write(`${k}=${secret ? '***' : Array.isArray(v) ? v.join(',') : (v ?? '')}\n`);
    }
    return 0;
  },
};

/**
 * The `policybot` CLI. Each sub-command is one file in `scripts/commands/<name>.ts` exporting a
 * `command: CliCommand`; this file only parses the command name, loads config, and reports errors.
 */
import { readdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '../bot/config.ts';
import type { CliCommand } from './cli.ts';
import { CliUsageError, UserFacingError } from './cli.ts';

const here = dirname(fileURLToPath(import.meta.url));
const commandsDir = join(here, 'commands');
/** `.ts` when running from the sources (tsx), `.js` when running the compiled `dist/`. */
const EXT = extname(fileURLToPath(import.meta.url));

function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith(EXT))
    .map((f) => f.slice(0, -EXT.length))
    .sort();
}

async function loadCommand(name: string): Promise<CliCommand | undefined> {
  if (!/^[a-z][a-z-]*$/.test(name) || !commandNames().includes(name)) return undefined;
  const mod = (await import(pathToFileURL(join(commandsDir, `${name}${EXT}`)).href)) as { command: CliCommand };
  return mod.command;
}

async function printHelp(): Promise<void> {
  const lines = ['Usage: policybot <command> [options]', '', 'Commands:'];
  for (const name of commandNames()) {
    const c = await loadCommand(name);
    if (c) lines.push(`  ${c.usage.padEnd(52)} ${c.summary}`);
  }
  lines.push('', 'Run `policybot <command> --help` for the options of one command.');
  lines.push('Configuration comes from the environment or a .env file (see README).');
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    await printHelp();
    return 0;
  }
  const command = await loadCommand(name);
  if (!command) {
    process.stderr.write(`policybot: unknown command "${name}". Run \`policybot --help\` for the list.\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`Usage: policybot ${command.usage}\n\n${command.summary}\n${command.help ? '\n' + command.help + '\n' : ''}`);
    return 0;
  }
  return await command.run(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof ConfigError || err instanceof CliUsageError || err instanceof UserFacingError) {
    process.stderr.write(`policybot: ${err.message}\n`);
    process.exitCode = err instanceof CliUsageError ? 2 : 1;
  } else {
    const e = err as Error;
    process.stderr.write(`policybot: unexpected error: ${e?.message ?? String(err)}\n`);
    if (process.argv.includes('--debug')) process.stderr.write(`${e?.stack ?? ''}\n`);
    else process.stderr.write('Run again with --debug for the stack trace.\n');
    process.exitCode = 1;
  }
}

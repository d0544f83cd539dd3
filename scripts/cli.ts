/**
 * Shared pieces of the CLI: the command interface, argument parsing and error classes.
 *
 * @example
 * export const command: CliCommand = {
 *   usage: 'ingest [--corpus DIR]', summary: 'Parse, normalize and chunk the corpus',
 *   async run(argv) { const { values } = parseCliArgs(argv, { corpus: { type: 'string' } }); return 0; },
 * };
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface CliCommand {
  /** e.g. `search "<q>" [--k N] [--json]` (without the `policybot` prefix). */
  usage: string;
  /** One line for `policybot --help`. */
  summary: string;
  /** Longer text for `policybot <command> --help`. */
  help?: string;
  /** Runs the command; returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** Wrong flags or arguments: printed as `policybot: <message>`, exit code 2. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/** An expected failure (bad corpus file, missing index…): printed without a stack trace, exit code 1. */
export class UserFacingError extends Error {
  override name = 'UserFacingError';
}

/** `node:util` parseArgs with usage errors turned into CliUsageError. `--debug` is always accepted. */
export function parseCliArgs<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...options, debug: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
}

/** Validates a YYYY-MM-DD flag value. */
export function parseDateFlag(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value + 'T00:00:00Z'))) {
    throw new CliUsageError(`${flag} expects a date as YYYY-MM-DD, got "${value}"`);
  }
  return value;
}

/** Reads all of standard input as text. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes a line of JSON to stdout. */
export function printJson(value: unknown, pretty = false): void {
  process.stdout.write(JSON.stringify(value, null, pretty ? 2 : undefined) + '\n');
}

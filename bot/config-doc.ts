/**
 * The configuration table of the README, generated from the schema and the doc comments of
 * `bot/config.ts`, so that the documentation cannot drift from the code (a test compares them).
 *
 * @example
 * process.stdout.write(configTable());
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigSchema, PROJECT_ROOT, parseConfig } from './config.ts';

/** Doc comment of each variable, in schema order. */
export function configDocs(source: string): { key: string; doc: string }[] {
  const body = source.slice(source.indexOf('export const ConfigSchema'));
  const out: { key: string; doc: string }[] = [];
  const re = /\/\*\*([\s\S]*?)\*\/\s*\n\s+([A-Z][A-Z0-9_]+):/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const doc = m[1]!
      .split('\n')
      .map((l) => l.replace(/^\s*\*\s?/, '').trim())
      .filter(Boolean)
      .join(' ');
    out.push({ key: m[2]!, doc });
  }
  return out;
}

function shown(value: unknown): string {
  if (value === undefined) return '—';
  if (Array.isArray(value)) return value.length ? `\`${value.join(',')}\`` : '—';
  if (typeof value === 'string' && value.startsWith(PROJECT_ROOT)) return `\`${relative(PROJECT_ROOT, value) || '.'}/\``;
  return `\`${String(value)}\``;
}

/** Markdown table: variable, default, meaning. Every schema key must have a doc comment. */
export function configTable(configSource = readFileSync(configSourceFile(), 'utf8')): string {
  const docs = new Map(configDocs(configSource).map((d) => [d.key, d.doc]));
  const defaults = parseConfig({}) as Record<string, unknown>;
  const rows = Object.keys(ConfigSchema.shape).map((key) => {
    const doc = docs.get(key);
    if (!doc) throw new Error(`bot/config.ts: ${key} has no doc comment (/** … */ above it); add one so the README table can describe it`);
    return `| \`${key}\` | ${shown(defaults[key])} | ${doc.replace(/\|/g, '\\|')} |`;
  });
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n') + '\n';
}

/** The source of bot/config.ts (works from the sources and from dist/). */
export function configSourceFile(): string {
  return join(PROJECT_ROOT, 'bot', 'config.ts');
}

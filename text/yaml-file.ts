/**
 * Reads a YAML data file and validates it with a zod schema; every error names the file, and the fields
 * the schema refused, through the caller's own error class.
 *
 * @example
 * const d = readYamlFile('corpus/lang/universities.yaml', Schema, (m) => new RankingsError(m));
 */
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import type { z } from 'zod';

export function readYamlFile<S extends z.ZodTypeAny>(file: string, schema: S, error: (message: string) => Error, hint = ''): z.infer<S> {
  let raw: unknown;
  try {
    raw = yaml.load(readFileSync(file, 'utf8'));
  } catch (e) {
    throw error(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const r = schema.safeParse(raw ?? {});
  if (!r.success) throw error(`${file}: ${r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}${hint}`);
  return r.data;
}

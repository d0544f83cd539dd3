/**
 * How a test starts a TypeScript entry of this repository as a child process. Under `npm test` the
 * entry's bundled copy runs (scripts/test-bundle.mjs bundles the files of its CHILD_ENTRIES into the
 * folder POLICYBOT_TEST_BUNDLE names), so the child pays no TypeScript loader; a file run on its own
 * (`node --import tsx --test file`) starts the source through tsx.
 *
 * @example
 * spawnSync(process.execPath, [...nodeArgsFor('test/import/inbox-child.ts'), arg1, arg2]);
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../bot/config.ts';

/** The `node` arguments that run `file` (relative to the repository) before its own arguments. */
export function nodeArgsFor(file: string): string[] {
  const bundle = process.env.POLICYBOT_TEST_BUNDLE;
  const bundled = bundle ? join(bundle, file.replace(/\.ts$/, '.js')) : undefined;
  if (bundled && existsSync(bundled)) return [bundled];
  return ['--import', 'tsx', join(PROJECT_ROOT, file)];
}

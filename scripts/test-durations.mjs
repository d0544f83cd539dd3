// A second reporter for `npm test` (scripts/test.mjs): the wall time of each test FILE, as one JSON object
// `{ "<path relative to the repository>": ms, … }` written to its destination at the end of the run.
// scripts/test.mjs keeps these times in data/test-cache/durations.json to start the longest files first
// next time, and prints the slowest files. Node's runner reports a file as a top-level test named by its
// absolute path (event `test:complete`, nesting 0, `name` === `file`); a bundled file (dist-test/) is
// recorded under its source's path, a file run in a group under the name of its suite.
import { sourceOfBundled } from './test-bundle.mjs';

const root = process.cwd();

export default async function* durations(source) {
  const times = {};
  for await (const event of source) {
    if (event.type !== 'test:complete' && event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data ?? {};
    const ms = d.details?.duration_ms;
    if (typeof ms !== 'number' || !d.file) continue;
    // a file of its own: the top-level test named by its path; a file in a group (scripts/test-group.mjs):
    // the top-level suite named by its source path, or such a suite one level down, inside the suite of a
    // side-by-side group
    const name = d.nesting > 1 ? '' : d.nesting === 0 && d.name === d.file ? sourceOfBundled(root, d.file) : d.name;
    if (/^test\/.+\.test\.ts$/.test(name)) times[name] = Math.round(ms);
  }
  yield `${JSON.stringify(times)}\n`;
}

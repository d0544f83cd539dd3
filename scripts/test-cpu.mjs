// Preloaded into every test process by `node scripts/test.mjs --cpu` (`--import`): at exit, appends the
// process's CPU seconds — its own threads plus the child processes it waited for (Linux /proc/self/stat:
// utime, stime, cutime, cstime) — to the file named by POLICYBOT_TEST_CPU, one JSON line per test file.
// Wall time per file depends on what else runs; CPU time says what a file costs the two cores.
import { appendFileSync, readFileSync } from 'node:fs';

const file = process.argv[1] ?? '';
const out = process.env.POLICYBOT_TEST_CPU;
if (out && /\.test\.m?[jt]s$/.test(file)) {
  process.on('exit', () => {
    try {
      const stat = readFileSync('/proc/self/stat', 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields 14–17 of proc(5), counted from the state field (3) → indices 11–14
      const ticks = [11, 12, 13, 14].map((i) => Number(f[i]));
      const hz = 100;
      appendFileSync(out, `${JSON.stringify({ file, self: (ticks[0] + ticks[1]) / hz, children: (ticks[2] + ticks[3]) / hz })}\n`);
    } catch {
      // not Linux: no record
    }
  });
}

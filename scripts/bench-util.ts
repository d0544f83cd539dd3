/**
 * Shared pieces of the benchmark commands: percentiles, the machine description, and writing one
 * section of `docs/benchmarks.md` between `<!-- bench:<name>:start -->` / `<!-- bench:<name>:end -->`
 * markers so that each command regenerates only its own section.
 *
 * @example
 * writeBenchSection(join(PROJECT_ROOT, 'docs/benchmarks.md'), 'ask', '## Assistant\n…');
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';

/** p-th percentile (nearest rank) of a list of numbers; 0 for an empty list. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export { maxPerSecond, rateOf } from '../tools/rates.ts';

/** CPU model, cores, memory, Node version and OS, for the benchmark tables. */
export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

/** One line describing the machine, for the top of a section. */
export function machineLine(): string {
  const m = machine();
  return `${m.cores}× ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}`;
}

/** Markers of a named section. */
export function sectionMarkers(name: string): { start: string; end: string } {
  return { start: `<!-- bench:${name}:start -->`, end: `<!-- bench:${name}:end -->` };
}

/**
 * Replaces (or appends) the section `name` of the benchmarks file. `body` is the markdown without the
 * markers; other sections are left as they are.
 */
export function writeBenchSection(file: string, name: string, body: string): void {
  const { start, end } = sectionMarkers(name);
  mkdirSync(dirname(file), { recursive: true });
  const header = '# Benchmarks\n\nEach section is written by its own command and can be regenerated independently.\n';
  let text = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const section = `${start}\n${body.trim()}\n${end}`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) text = text.slice(0, a) + section + text.slice(b + end.length);
  else text = text.trimEnd() + '\n\n' + section + '\n';
  writeFileSync(file, text);
}

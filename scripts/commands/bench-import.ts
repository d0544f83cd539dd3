/**
 * `policybot bench-import [--runs N] [--no-write] [--json]`
 *
 * Import benchmark, written to docs/benchmarks.md between `<!-- bench:import:start -->` and
 * `<!-- bench:import:end -->`: the full import (sniff → extract → header → compose → ingest check)
 * of a generated 50-page PDF (the seeds laid out on A4 with a running header and page numbers), a
 * two-column PDF, a DOCX with automatic numbering and a saved web page of seed 000, plus the header
 * accuracy on the fixtures. Median and p95 over N runs after one cold run.
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { readCorpus } from '../../retrieval/corpus.ts';
import { prepareImport } from '../../retrieval/import/index.ts';
import { loadImportLang } from '../../retrieval/import/lang.ts';
import { machineLine, percentile, writeBenchSection } from '../bench-util.ts';
import { CliUsageError, parseCliArgs, printJson, type CliCommand } from '../cli.ts';
import { buildDocx } from '../fixtures/make-docx.ts';
import { buildPdf, layoutPdf } from '../fixtures/make-pdf.ts';
import { scoreHeaders } from '../fixtures/header-score.ts';

interface Case {
  name: string;
  bytes: Uint8Array;
  pages?: number;
}

async function cases(): Promise<Case[]> {
  const corpus = await readCorpus(join(PROJECT_ROOT, 'corpus'));
  const bodies = corpus.documents.map((d) => d.rawText);
  const first = corpus.documents.find((d) => d.id === 'sh-hrss-2022-103')!.rawText;
  // 50 pages: seed 000 first (its header), then all seeds again and again
  let long = first;
  let pages = layoutPdf(long, { header: '上海市人力资源和社会保障局', pageNumbers: true });
  for (let i = 0; pages.length < 50; i++) {
    long += '\n' + bodies[i % bodies.length];
    pages = layoutPdf(long, { header: '上海市人力资源和社会保障局', pageNumbers: true });
  }
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>x</title></head><body><div id="nav"><a>首页</a><a>信息公开</a></div><div class="content">${first
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => `<p>${l}</p>`)
    .join('')}</div><div class="footer">主办单位：上海市人力资源和社会保障局</div></body></html>`;
  return [
    {
      name: `PDF, ${pages.length} pages (${[...long].length.toLocaleString('en')} characters)`,
      bytes: buildPdf(pages),
      pages: pages.length,
    },
    { name: 'PDF, two columns (seed 000)', bytes: buildPdf(layoutPdf(first, { columns: 2, pageNumbers: true, size: 10 })) },
    { name: 'DOCX with automatic numbering (seed 000)', bytes: (await buildDocx(first)).bytes },
    { name: 'web page with site chrome (seed 000)', bytes: new TextEncoder().encode(page) },
  ];
}

export const command: CliCommand = {
  usage: 'bench-import [--runs N] [--no-write] [--json]',
  summary: 'Benchmark policybot import: 50-page PDF, two-column PDF, DOCX, web page; header accuracy',
  help: 'Writes the results into docs/benchmarks.md (import section) unless --no-write. Default: 5 runs per case after one cold run.',
  async run(argv) {
    const { values } = parseCliArgs(argv, { runs: { type: 'string' }, 'no-write': { type: 'boolean' }, json: { type: 'boolean' } });
    const runs = values.runs === undefined ? 5 : Number(values.runs);
    if (!(Number.isInteger(runs) && runs > 0)) throw new CliUsageError(`--runs expects a positive integer, got "${values.runs}"`);
    const lang = loadImportLang(join(PROJECT_ROOT, 'corpus'));
    const rows: Array<{ name: string; coldMs: number; medianMs: number; p95Ms: number; chunks: number }> = [];
    for (const c of await cases()) {
      const times: number[] = [];
      let chunks = 0;
      let cold = 0;
      for (let i = 0; i <= runs; i++) {
        const t0 = performance.now();
        const plan = await prepareImport({ file: c.name, bytes: c.bytes }, { lang, corpus: [] });
        const ms = performance.now() - t0;
        chunks = plan.chunks.length;
        if (i === 0) cold = ms;
        else times.push(ms);
      }
      times.sort((a, b) => a - b);
      rows.push({ name: c.name, coldMs: cold, medianMs: percentile(times, 50), p95Ms: percentile(times, 95), chunks });
      process.stderr.write(`${c.name}: median ${percentile(times, 50).toFixed(0)} ms\n`);
    }
    const score = await scoreHeaders(lang);
    const date = new Date().toISOString().slice(0, 10);
    const f = (x: number) => x.toFixed(0);
    const body = [
      '## Import (`policybot bench-import`, issue 13)',
      '',
      `${date}, ${machineLine()}. Full import of one file (sniff → extract → header → compose → ingest check; no write), ${runs} runs after one cold run (the cold run loads the format library).`,
      '',
      '| input | cold ms | median ms | p95 ms | chunks |',
      '|---|---:|---:|---:|---:|',
      ...rows.map((r) => `| ${r.name} | ${f(r.coldMs)} | ${f(r.medianMs)} | ${f(r.p95Ms)} | ${r.chunks} |`),
      '',
      `Header fields (title, 文号, issuer, date, level, district) on ${score.documents} fixture documents: ${score.right}/${score.fields} right (${((100 * score.right) / score.fields).toFixed(1)} %), ${score.wrong.length} wrong, ${score.missing.length} missing (${score.missing.join('; ') || 'none'}); wrong dates: ${score.wrongDates.length}.`,
      '',
      'Reproduce: `node scripts/policybot.mjs bench-import` (`--runs N`).',
    ].join('\n');
    if (values.json) printJson({ date, runs, rows, score }, true);
    else process.stdout.write(body + '\n');
    if (!values['no-write']) writeBenchSection(join(PROJECT_ROOT, 'docs', 'benchmarks.md'), 'import', body);
    return score.wrongDates.length ? 1 : 0;
  },
};

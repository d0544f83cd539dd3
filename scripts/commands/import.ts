/**
 * `policybot import <file|folder>... [--id ID] [--dry-run] [--json] [--replace]`
 *
 * Imports policy documents as they are published (web page, PDF, DOCX, DOC, text in UTF-8 / GBK /
 * UTF-16) into `<corpus>/documents/<id>.md`, with the header read from the document itself. Each
 * header field is printed with the line it was found on and how sure the reading is; a field that
 * cannot be read is reported and left out. A file that cannot be imported gets one line naming it
 * and the fix; nothing is written for it (the corpus file appears by an atomic rename or not at all).
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { loadConfig } from '../../bot/config.ts';
import { documentsDir, readCorpus } from '../../retrieval/corpus.ts';
import { ImportError, prepareImport, type HeaderOverrides, type ImportPlan } from '../../retrieval/import/index.ts';
import { READ_FIELDS } from '../../retrieval/import/header.ts';
import { loadImportLang, ImportLangError } from '../../retrieval/import/lang.ts';
import { removeStaleTemps, writeDocumentAtomic } from '../../retrieval/import/write.ts';
import { CliUsageError, UserFacingError, parseCliArgs, printJson, parseDateFlag, type CliCommand } from '../cli.ts';

/** Files named on the command line; folders are read one level deep (hidden files skipped). */
async function inputFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch {
      throw new UserFacingError(`${p}: no such file or folder`);
    }
    if (st.isDirectory()) {
      for (const e of (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
        if (e.isFile() && !e.name.startsWith('.')) out.push(join(p, e.name));
      }
    } else out.push(p);
  }
  return out;
}

/** The field report of one plan (human-readable). */
export function formatPlan(plan: ImportPlan, opts: { dryRun: boolean; written?: string; chunks?: number }): string {
  const lines = [
    `${plan.file} → ${plan.id}.md (${plan.kind}${plan.encoding ? `, ${plan.encoding}` : ''}${plan.pages ? `, ${plan.pages} pages` : ''})`,
  ];
  for (const f of READ_FIELDS) {
    const v = plan.header.fields[f];
    if (v) lines.push(`  ${f.padEnd(10)} ${v.value}  — ${v.line ? `line ${v.line}, ` : ''}${v.source}, ${v.confidence}`);
    else lines.push(`  ${f.padEnd(10)} (not found: ${plan.header.missing.find((m) => m.field === f)?.reason ?? 'not in the text'})`);
  }
  if (plan.supersedes.length) lines.push(`  supersedes ${plan.supersedes.join(', ')}`);
  for (const r of plan.unmatchedRepeals) lines.push(`  repeals    ${r} (not in the corpus)`);
  lines.push(`  ${plan.chunks.length} chunks${plan.replaces ? '; replaces the existing document' : ''}`);
  if (opts.dryRun) {
    lines.push(
      '  header:',
      ...plan.content
        .slice(0, plan.content.indexOf('\n---\n', 3) + 4)
        .split('\n')
        .map((l) => `    ${l}`),
    );
    for (const c of plan.chunks.slice(0, opts.chunks ?? 3))
      lines.push(`  [${c.clause}] ${c.text.slice(0, 120).replace(/\n/g, ' ')}${c.text.length > 120 ? '…' : ''}`);
    lines.push('  (dry run: nothing written)');
  } else if (opts.written) lines.push(`  written: ${opts.written}`);
  return lines.join('\n');
}

export const command: CliCommand = {
  usage: 'import <file|folder>... [--id ID] [--dry-run] [--json] [--replace]',
  summary: 'Import web pages, PDF, Word and GBK text into the corpus (header read from the text)',
  help: [
    'Detects each file by its content (PDF, DOCX, DOC, HTML, text in UTF-8/GBK/GB18030/UTF-16), extracts',
    'the text and writes <corpus>/documents/<id>.md: a header read from the document (title, 文号, issuer,',
    'date, level, district, validity, repealed documents) followed by the extracted text byte for byte.',
    'Prints each field with the line it came from and how sure it is; a field it cannot read is left out.',
    'The id comes from the 文号 (沪人社规〔2024〕12号 → sh-hrss-2024-12), or issuer + date.',
    '',
    '  --id ID         document id (one file only)',
    '  --dry-run       print the header and the first chunks; write nothing',
    '  --replace       replace a document with the same id (refused otherwise)',
    '  --title T, --issuer I, --date YYYY-MM-DD, --level municipal|district, --district D',
    '                  give a field the text does not state (one file only)',
    '  --corpus DIR    corpus folder (default CORPUS_DIR)',
    '  --json          one JSON object per file: { file, id, kind, header, missing, supersedes, chunks, written, error }',
    'Exit 1 when a file could not be imported (the others are imported).',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseCliArgs(argv, {
      id: { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      replace: { type: 'boolean' },
      corpus: { type: 'string' },
      title: { type: 'string' },
      issuer: { type: 'string' },
      date: { type: 'string' },
      level: { type: 'string' },
      district: { type: 'string' },
    });
    if (!positionals.length) throw new CliUsageError('import needs a file or folder, e.g. policybot import notice.pdf');
    if (values.level !== undefined && values.level !== 'municipal' && values.level !== 'district')
      throw new CliUsageError(`--level expects municipal or district, got "${values.level}"`);
    const config = loadConfig();
    const corpusDir = values.corpus ? resolve(values.corpus) : config.CORPUS_DIR;
    const files = await inputFiles(positionals);
    const single = values.id ?? values.title ?? values.issuer ?? values.date ?? values.level ?? values.district;
    if (single !== undefined && files.length !== 1)
      throw new CliUsageError('--id and the field flags apply to one file; import the others separately');
    let lang;
    try {
      lang = loadImportLang(corpusDir);
    } catch (err) {
      if (err instanceof ImportLangError) throw new UserFacingError(err.message);
      throw err;
    }
    const corpus = await readCorpus(corpusDir);
    if (!values['dry-run']) await removeStaleTemps(corpusDir);
    const overrides: HeaderOverrides = {
      ...(values.title ? { title: values.title } : {}),
      ...(values.issuer ? { issuer: values.issuer } : {}),
      ...(values.date ? { date: parseDateFlag(values.date, '--date')! } : {}),
      ...(values.level ? { level: values.level } : {}),
      ...(values.district ? { district: values.district } : {}),
    };
    let failed = 0;
    const known = [...corpus.documents];
    for (const file of files) {
      try {
        const bytes = new Uint8Array(await readFile(file));
        const plan = await prepareImport(
          { file, bytes },
          { lang, corpus: known, ...(values.id ? { id: values.id } : {}), overrides, replace: !!values.replace },
        );
        let written: string | undefined;
        if (!values['dry-run']) {
          written = await writeDocumentAtomic(corpusDir, `${plan.id}.md`, plan.content);
          // a replaced document stored under another name (<id>.txt) must not stay as a second copy of the id
          const old = known.find((d) => d.id === plan.id);
          if (old && basename(old.file) !== `${plan.id}.md`) await rm(join(documentsDir(corpusDir), basename(old.file)), { force: true });
          known.splice(0, known.length, ...known.filter((d) => d.id !== plan.id), plan.document);
        }
        if (values.json) {
          printJson({
            file,
            id: plan.id,
            kind: plan.kind,
            encoding: plan.encoding ?? null,
            header: plan.header.fields,
            missing: plan.header.missing,
            supersedes: plan.supersedes,
            unmatchedRepeals: plan.unmatchedRepeals,
            chunks: plan.chunks.length,
            written: written ?? null,
            error: null,
          });
        } else process.stdout.write(formatPlan(plan, { dryRun: !!values['dry-run'], ...(written ? { written } : {}) }) + '\n');
      } catch (err) {
        if (!(err instanceof ImportError)) throw err;
        failed++;
        if (values.json) printJson({ file, id: null, error: err.problem });
        else process.stderr.write(`policybot: ${err.message}\n`);
      }
    }
    if (failed) process.stderr.write(`policybot: ${failed} of ${files.length} file(s) not imported\n`);
    return failed ? 1 : 0;
  },
};

/**
 * One bad file never hides its cause (issue #16): a document that cannot be read is named first with
 * its cause, the rules citing it are reported in one line and left out (the rest loads), a corrupt
 * trained embedder is detected for a rebuild, a corrupt database names its file and DATA_DIR.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadRulesBesideFailedDocuments, reportCorpusErrors } from '../../bot/app.ts';
import { parseConfig, PROJECT_ROOT } from '../../bot/config.ts';
import { createLogger } from '../../bot/logger.ts';
import { openSqliteStore } from '../../bot/store/sqlite.ts';
import { readCorpus } from '../../retrieval/corpus.ts';
import { modelFolderProblem } from '../../retrieval/embed.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'policybot-bad-'));
  dirs.push(d);
  return d;
};

/** Encodes text as GBK for the characters used here (enough to make it invalid UTF-8). */
function notUtf8(text: string): Buffer {
  // a GBK byte pair for each non-ASCII character: 0xB0 0xA1 is not valid UTF-8
  return Buffer.concat([...text].map((ch) => (ch.charCodeAt(0) < 0x80 ? Buffer.from(ch) : Buffer.from([0xb0, 0xa1]))));
}

test('a mis-encoded document that rules cite: the first ERROR names the file and its cause; the rules get one line; the rest loads', async () => {
  const dir = tmp();
  cpSync(join(PROJECT_ROOT, 'corpus'), join(dir, 'corpus'), { recursive: true });
  const doc = join(dir, 'corpus', 'documents', 'sh-hrss-2022-103.md');
  writeFileSync(doc, notUtf8(readFileSync(doc, 'utf8')));
  const config = parseConfig({ CORPUS_DIR: join(dir, 'corpus'), DATA_DIR: join(dir, 'data') });
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', write: (l) => lines.push(l) });
  const corpus = await readCorpus(config.CORPUS_DIR);
  reportCorpusErrors(corpus, logger);
  const ruleSet = loadRulesBesideFailedDocuments(config, corpus, logger);
  const errors = lines.filter((l) => l.includes(' ERROR '));
  assert.match(errors[0]!, /sh-hrss-2022-103\.md.*UTF-8.*iconv/, 'the first error names the document and the cause');
  assert.equal(errors.length, 2, errors.join('\n'));
  assert.match(errors[1]!, /rule\(s\) cite documents\/sh-hrss-2022-103\.md, which failed to load/);
  assert.ok(ruleSet.rules.length > 0, 'the other rules are loaded');
  assert.ok(!ruleSet.rules.some((r) => r.id.startsWith('sh-hrss-2022-103-')));
});

test('a corrupt trained embedder is recognized (file and cause) so that it is rebuilt', () => {
  const dir = tmp();
  mkdirSync(join(dir, 'onnx'));
  writeFileSync(join(dir, 'config.json'), '{"policybot_static": true}');
  writeFileSync(join(dir, 'tokenizer.json'), '{"model": {}}');
  writeFileSync(join(dir, 'onnx', 'model.onnx'), Buffer.from([8, 1]));
  assert.equal(modelFolderProblem(dir), undefined);
  writeFileSync(join(dir, 'tokenizer.json'), '{"model": {"vo');
  assert.match(modelFolderProblem(dir)!, /tokenizer\.json: .*JSON/);
  writeFileSync(join(dir, 'tokenizer.json'), '{}');
  writeFileSync(join(dir, 'onnx', 'model.onnx'), '');
  assert.match(modelFolderProblem(dir)!, /model\.onnx: empty file/);
});

test('a corrupt SQLite file names the file and DATA_DIR and says how to recover', () => {
  const dir = tmp();
  const file = join(dir, 'policybot.sqlite');
  writeFileSync(file, Buffer.alloc(8192, 0x41));
  assert.throws(
    () => openSqliteStore({ file }),
    (e: unknown) => {
      const m = (e as Error).message;
      assert.ok(m.includes(file) && m.includes(`DATA_DIR=${dir}`) && /not a readable database/.test(m) && /move the file/.test(m), m);
      return true;
    },
  );
});

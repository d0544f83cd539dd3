import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ColloquialError, compileColloquial, loadColloquial } from '../../text/colloquial.ts';
import { PROJECT_ROOT } from '../../bot/config.ts';

const shipped = loadColloquial(join(PROJECT_ROOT, 'corpus', 'lang', 'colloquial.yaml'));
const dir = mkdtempSync(join(tmpdir(), 'policybot-colloquial-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('slang and pinyin are read as the standard words; Latin words only as whole words', () => {
  assert.equal(shipped('名校落户政策啥时候到期'), '名校落户政策什么时候到期');
  assert.equal(shipped('luohu QS 30 quanzhi'), '落户 QS 30 全职');
  assert.equal(shipped('曼大yyds 在上海全职'), '曼大 在上海全职', 'a word that carries nothing is dropped, beside Chinese too');
  assert.equal(shipped('lh'), '落户');
  assert.equal(shipped('English please, shebao'), 'English please, 社保');
  assert.equal(shipped('I studied at Lhasa university'), 'I studied at Lhasa university', 'no part of a longer word');
  assert.equal(shipped('Ashton'), 'Ashton');
  assert.equal(shipped('全职 社保6个月'), '全职 社保6个月', 'a message without chat words is returned as typed');
});

test('English typos are read the standard way, as whole words', () => {
  assert.equal(shipped('full tiem in shangahi, SI 2 monhts'), 'full time in Shanghai, SI 2 months');
  assert.equal(shipped('Uni of Sydney grad'), 'University of Sydney grad');
  assert.equal(shipped('unique'), 'unique', 'not inside a word');
});

test('the table is data: a word added is read with no code; a bad entry names the file and the key', () => {
  assert.equal(compileColloquial({ words: { 木有: '没有' }, latin: { jzh: '居转户' } })('木有offer jzh'), '没有offer 居转户');
  writeFileSync(join(dir, 'bad.yaml'), 'latin:\n  "l h": 落户\n');
  assert.throws(
    () => loadColloquial(join(dir, 'bad.yaml')),
    (e: Error) => e instanceof ColloquialError && /bad\.yaml: latin\.l h: .*Latin letters only/.test(e.message),
  );
  assert.equal(loadColloquial(join(dir, 'none.yaml'))('lh'), 'lh', 'without the file, messages are read as typed');
});

test('traditional characters are simplified before the table is matched: Cantonese words read as standard ones', () => {
  assert.equal(shipped('我唔係骨幹，只係普通職員'), '我不是骨干，只是普通职员');
  assert.equal(shipped('社保供咗5個月，係咪要等夠6個月先得？'), '社保交了5个月，是不是要等够6个月才行？');
  assert.equal(shipped('稅前年入息80萬'), '税前的年收入80万', '前年 of 税前年 is no year');
  assert.equal(shipped('No Chinese here'), 'No Chinese here');
});

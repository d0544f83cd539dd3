import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as OpenCC from 'opencc-js/t2cn';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { simplifyDocument, toSimplified, traditionalChars } from '../../text/chinese.ts';

const docsDir = join(PROJECT_ROOT, 'corpus', 'documents');
const docs = readdirSync(docsDir).map((f) => readFileSync(join(docsDir, f), 'utf8'));
// Hong Kong and Taiwan forms, phrases that override characters, compatibility ideographs, mixed text.
const samples = [
  '寶山區的人才安居資助最高多少？',
  '我在香港讀的碩士，回上海落戶要準備哪些材料？',
  '一目瞭然、反覆、意志消沈、沿著、著重、顯著、土著',
  '臺灣的大學算不算海外？衛生與醫療',
  '豈\uF900\uF901 mixed English text 123 and 落户 simplified',
  '',
];

test('the shared-trie converters give exactly what opencc-js Converter gives (hk, t and tw to cn)', () => {
  const hk = OpenCC.Converter({ from: 'hk', to: 'cn' });
  const t = OpenCC.Converter({ from: 't', to: 'cn' });
  const tw = OpenCC.Converter({ from: 'tw', to: 'cn' });
  for (const text of [...samples, ...docs]) {
    assert.equal(toSimplified(text), hk(text), `toSimplified differs on ${text.slice(0, 40)}`);
    const joined = [...new Set(text.replace(/[^\p{Script=Han}]/gu, ''))].join('');
    const conv = [...t(joined)];
    const expected = new Set([...joined].filter((ch, i) => conv[i] !== ch));
    assert.deepEqual(traditionalChars(text), expected, `traditionalChars differs on ${text.slice(0, 40)}`);
    const lines = text.split('\n').map((line) => ([...line].some((ch) => expected.has(ch)) ? tw(line) : line));
    assert.equal(simplifyDocument(text), expected.size ? lines.join('\n') : text);
  }
  assert.equal(toSimplified('寶山區'), '宝山区');
  assert.ok(
    docs.some((d) => traditionalChars(d).size > 0),
    'the corpus has a document in traditional characters',
  );
});

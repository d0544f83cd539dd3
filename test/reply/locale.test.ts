import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildLocales, defaultLocalesDir, LocaleError, loadLocales } from '../../bot/locales/locale.ts';

const zhText = readFileSync(join(defaultLocalesDir(), 'zh.yaml'), 'utf8');
const enText = readFileSync(join(defaultLocalesDir(), 'en.yaml'), 'utf8');
const build = (zh: string, en: string) => buildLocales({ zh: { text: zh, file: 'zh.yaml' }, en: { text: en, file: 'en.yaml' } });

describe('locale files', () => {
  it('load, with the same keys in zh and en', () => {
    const l = loadLocales();
    assert.deepEqual([...l.en.table.keys()].sort(), [...l.zh.table.keys()].sort());
    assert.ok(l.zh.table.size > 40);
  });
  it('en.yaml has no Chinese characters: English replies are English throughout', () => {
    const l = loadLocales();
    const han = [...l.en.table].filter(([, v]) => /\p{Script=Han}/u.test(v));
    assert.deepEqual(han, []);
  });
  it('t fills placeholders and names a missing key or variable', () => {
    const l = loadLocales();
    assert.equal(l.zh.t('answer.expired_since', { to: '2023年6月' }), '该措施已于2023年6月届满。');
    assert.equal(l.en.t('notes.more_hint', { count: 3 }), '3 more notes: send /more.');
    assert.throws(
      () => l.en.t('answer.nope'),
      (e: Error) => e instanceof LocaleError && /"answer\.nope"/.test(e.message),
    );
    assert.throws(() => l.zh.t('answer.expired_since'), /uses \{to\} but the caller passed no "to"/);
  });
});

describe('buildLocales', () => {
  it('refuses an en file missing a key, naming the key', () => {
    const en = enText.replace(/\n {2}more_empty:.*\n/, '\n');
    assert.throws(
      () => build(zhText, en),
      (e: Error) => e instanceof LocaleError && e.message.includes('en.yaml: missing key "notes.more_empty"'),
    );
  });
  it('refuses a key that zh does not have, and an unknown placeholder', () => {
    assert.throws(() => build('a:\n  b: x\n', 'a:\n  b: x\n  c: y\n'), /key "a\.c" is not in zh\.yaml/);
    assert.throws(() => build('a:\n  b: "{x}"\n', 'a:\n  b: "{y}"\n'), /key "a\.b" uses \{y\}, which zh\.yaml does not; use only \{x\}/);
  });
  it('accepts placeholders declared under _placeholders', () => {
    const l = build('_placeholders:\n  a.b: x y\na:\n  b: "{x}"\n', 'a:\n  b: "{y}-{x}"\n');
    assert.equal(l.en.t('a.b', { x: 1, y: 2 }), '2-1');
    assert.equal(l.zh.table.has('_placeholders.a.b'), false);
  });
  it('refuses a value that is not text, naming the key', () => {
    assert.throws(() => build('a:\n  b: [1, 2]\n', 'a:\n  b: x\n'), /zh\.yaml: key "a\.b/);
    assert.throws(() => build('a: [\n', 'a: x\n'), /zh\.yaml: not valid YAML/);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, PROJECT_ROOT, loadConfig, parseConfig, readDotEnv, todayIn } from '../../bot/config.ts';

test('defaults resolve relative to the project root', () => {
  const c = parseConfig({});
  assert.equal(c.CORPUS_DIR, join(PROJECT_ROOT, 'corpus'));
  assert.equal(c.DATA_DIR, join(PROJECT_ROOT, 'data'));
  assert.equal(c.BOT_MODE, 'polling');
  assert.deepEqual(c.ADMIN_IDS, []);
});

test('a bad value names the variable and what is allowed', () => {
  assert.throws(
    () => parseConfig({ BOT_MODE: 'carrier-pigeon' }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /BOT_MODE/);
      assert.match(e.message, /polling|webhook/);
      return true;
    },
  );
  assert.throws(() => parseConfig({ ADMIN_IDS: '12,abc' }), /ADMIN_IDS.*"abc" is not a numeric/s);
  assert.throws(() => parseConfig({ AS_OF: '2024/01/01' }), /AS_OF.*YYYY-MM-DD/s);
});

test('secrets are not echoed in config errors', () => {
  assert.throws(
    () => parseConfig({ TELEGRAM_API_ROOT: 'not a url', TELEGRAM_BOT_TOKEN: '123:SECRET' }),
    (e: unknown) => {
      assert.doesNotMatch((e as Error).message, /SECRET/);
      return true;
    },
  );
});

test('.env is read and the environment overrides it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-env-'));
  const file = join(dir, '.env');
  writeFileSync(file, '# comment\nLOG_LEVEL=warn\nADMIN_IDS="1, 2"\r\nDOC_MAX_AGE_YEARS=5\n');
  assert.deepEqual(readDotEnv(file), { LOG_LEVEL: 'warn', ADMIN_IDS: '1, 2', DOC_MAX_AGE_YEARS: '5' });
  const c = loadConfig({ LOG_LEVEL: 'error' }, file);
  assert.equal(c.LOG_LEVEL, 'error');
  assert.deepEqual(c.ADMIN_IDS, [1, 2]);
  assert.equal(c.DOC_MAX_AGE_YEARS, 5);
  writeFileSync(file, 'this is not a pair\n');
  assert.throws(() => readDotEnv(file), /\.env:1: expected KEY=VALUE/);
});

test('todayIn uses Asia/Shanghai unless AS_OF pins the date', () => {
  assert.equal(todayIn({ AS_OF: '2022-08-01' }), '2022-08-01');
  // 2024-12-31T17:00Z is already 2025-01-01 in Shanghai.
  assert.equal(todayIn({}, new Date('2024-12-31T17:00:00Z')), '2025-01-01');
});

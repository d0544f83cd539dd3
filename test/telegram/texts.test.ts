import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultLocalesDir } from '../../bot/locales/locale.ts';
import { loadTelegramTexts, PRIVATE_COMMANDS, T } from '../../bot/telegram/texts.ts';

test('the Telegram wording comes from bot/locales/telegram.zh.yaml', () => {
  const file = readFileSync(join(defaultLocalesDir(), 'telegram.zh.yaml'), 'utf8');
  assert.ok(file.includes(T.welcome.split('\n')[0]!));
  assert.ok(PRIVATE_COMMANDS.some((c) => c.command === 'start'));
});

test('a missing key fails at load, naming the file and the key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-tg-texts-'));
  try {
    const shipped = readFileSync(join(defaultLocalesDir(), 'telegram.zh.yaml'), 'utf8');
    const file = join(dir, 'telegram.zh.yaml');
    writeFileSync(file, shipped.replace(/^ {2}forgotten:.*\n/m, ''));
    assert.throws(
      () => loadTelegramTexts(file),
      (e: Error) => e.message.includes(file) && e.message.includes('texts.forgotten'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

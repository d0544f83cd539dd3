/**
 * `policybot serve` with no channel configured stops at once with a message naming both settings
 * (the web channel itself is exercised in api.test.ts and browser.test.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../bot/config.ts';

it('serve without TELEGRAM_BOT_TOKEN and WEB_PORT names both and exits 1', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, TELEGRAM_BOT_TOKEN: '', WEB_PORT: '', LOG_LEVEL: 'silent' };
  const run = promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'scripts', 'policybot.mjs'), 'serve'], {
    env,
    cwd: PROJECT_ROOT,
  });
  const err = (await run.then(
    () => assert.fail('serve should fail'),
    (e: unknown) => e,
  )) as { code: number; stderr: string };
  assert.equal(err.code, 1);
  assert.match(err.stderr, /no channel configured: set TELEGRAM_BOT_TOKEN .* and\/or WEB_PORT/);
  assert.doesNotMatch(err.stderr, /\n\s+at /);
});

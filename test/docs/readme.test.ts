import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { configDocs, configTable } from '../../bot/config-doc.ts';
import { ConfigSchema, PROJECT_ROOT } from '../../bot/config.ts';

const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

test('the README configuration table is the one generated from bot/config.ts', () => {
  const start = '<!-- config-table:start -->\n';
  const end = '<!-- config-table:end -->';
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  assert.ok(a >= 0 && b > a, 'README has the config-table markers');
  assert.equal(readme.slice(a + start.length, b), configTable(), 'run `policybot config --markdown` and paste it into README.md');
});

test('every configuration variable has a doc comment', () => {
  const documented = new Set(configDocs(readFileSync(join(PROJECT_ROOT, 'bot/config.ts'), 'utf8')).map((d) => d.key));
  for (const key of Object.keys(ConfigSchema.shape)) assert.ok(documented.has(key), `${key} lacks a /** doc */ comment`);
});

test('the README has exactly the two set-up commands and names every CLI command', () => {
  assert.match(readme, /```sh\nnpm install && npm start\n```/);
  assert.match(readme, /```sh\nnpm test\n```/);
  const commands = readdirSync(join(PROJECT_ROOT, 'scripts/commands'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3));
  for (const c of commands)
    assert.ok(readme.includes(`policybot ${c}`) || readme.includes(`\`${c}\``), `README does not mention policybot ${c}`);
});

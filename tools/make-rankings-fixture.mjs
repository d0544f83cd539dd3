#!/usr/bin/env node
// Writes test/fixtures/rankings/{top200.csv,aliases.csv}: the universities the tests name, with INVENTED
// ranks, so that the university tests run in a clone without the third-party table (../shared).
//
//   RANKINGS_FILE=../shared/data/rankings/top200.csv node tools/make-rankings-fixture.mjs
//
// It scans test/ for the names (Chinese, English, aliases, corpus/universities-colloquial.csv) of the
// universities in RANKINGS_FILE and gives each a made-up QS rank inside the same band as its real best
// rank (1–50, 51–100, 101–200, beyond), so every verdict that depends on a band is unchanged; no rank,
// edition or other column of the real table is copied. Only alias rows whose text a test uses are kept.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = process.env.RANKINGS_FILE;
if (!src) {
  process.stderr.write('make-rankings-fixture: set RANKINGS_FILE to the real top200.csv\n');
  process.exit(2);
}

function csv(text) {
  const rows = [];
  let row = [];
  let f = '';
  let q = false;
  const endField = () => {
    row.push(f);
    f = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') {
        f += '"';
        i++;
      } else if (c === '"') q = false;
      else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') endField();
    else if (c === '\n') {
      endField();
      rows.push(row);
      row = [];
    } else if (c !== '\r') f += c;
  }
  if (f || row.length) {
    endField();
    rows.push(row);
  }
  const [head, ...body] = rows;
  return body.filter((r) => r.some(Boolean)).map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}
const cell = (v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

function textsUnder(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return p.endsWith(join('fixtures', 'rankings')) ? [] : textsUnder(p);
    return /\.(ts|ya?ml|json|txt)$/.test(n) ? [readFileSync(p, 'utf8')] : [];
  });
}
const haystack = textsUnder(join(root, 'test')).join('\n').toLowerCase();
const uses = (name) => !!name && name.length >= 2 && haystack.includes(name.toLowerCase());

const table = csv(readFileSync(src, 'utf8').replace(/^\uFEFF/, ''));
const aliases = csv(readFileSync(join(dirname(src), 'aliases.csv'), 'utf8').replace(/^\uFEFF/, ''));
const colloquial = csv(readFileSync(join(root, 'corpus', 'universities-colloquial.csv'), 'utf8'));

const best = (r) =>
  Math.min(
    ...['qs', 'the', 'usnews', 'arwu'].map((k) => Number(String(r[`${k}_rank`]).replace(/^=/, '').split(/[-–]/)[0])).filter((n) => n > 0),
  );
const BANDS = [
  [1, 50],
  [51, 100],
  [101, 200],
  [201, 400],
];
const taken = new Set();
function invent(name, real) {
  const [lo, hi] = BANDS.find(([, h]) => real <= h) ?? BANDS[3];
  let n = parseInt(createHash('sha256').update(name).digest('hex').slice(0, 8), 16);
  for (;;) {
    const r = lo + (n % (hi - lo + 1));
    if (!taken.has(r)) {
      taken.add(r);
      return r;
    }
    n++;
  }
}

const chosen = table.filter(
  (r) =>
    uses(r.name_en) ||
    uses(r.name_zh) ||
    aliases.some((a) => a.name_en === r.name_en && uses(a.alias)) ||
    colloquial.some((c) => c.name_en === r.name_en && uses(c.alias)),
);
const head = 'name_en,name_zh,country,qs_year,qs_rank,the_year,the_rank,usnews_year,usnews_rank,arwu_year,arwu_rank';
const rows = chosen.map((r) =>
  [r.name_en, r.name_zh, r.country, 'fixture', String(invent(r.name_en, best(r))), '', '', '', '', '', ''].map(cell).join(','),
);
writeFileSync(join(root, 'test/fixtures/rankings/top200.csv'), [head, ...rows].join('\n') + '\n');
const names = new Set(chosen.map((r) => r.name_en));
const keptAliases = aliases.filter((a) => names.has(a.name_en) && uses(a.alias));
writeFileSync(
  join(root, 'test/fixtures/rankings/aliases.csv'),
  ['alias,name_en,name_zh', ...keptAliases.map((a) => [a.alias, a.name_en, a.name_zh].map(cell).join(','))].join('\n') + '\n',
);
process.stdout.write(`${chosen.length} universities, ${keptAliases.length} aliases\n`);

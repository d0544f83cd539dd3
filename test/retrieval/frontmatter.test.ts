import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrontMatterError, isIsoDate, parseFrontMatter } from '../../retrieval/frontmatter.ts';

const HEADER = [
  '---',
  'title: 关于助力复工复产实施人才特殊支持举措的通知',
  'doc_number: 沪人社力〔2022〕103号',
  'issuer: 上海市人力资源和社会保障局',
  'date: 2022-06-01',
  'level: municipal',
  '---',
];
const file = (lines: string[], body = '\n\n一、正文。\n') => lines.join('\n') + '\n' + body;

function expectError(content: string, check: { line: number; field?: string; match: RegExp }) {
  assert.throws(
    () => parseFrontMatter(content, 'documents/x.md'),
    (err: unknown) => {
      assert.ok(err instanceof FrontMatterError);
      assert.equal(err.file, 'documents/x.md');
      assert.equal(err.line, check.line, err.message);
      if (check.field) assert.equal(err.field, check.field);
      assert.match(err.message, check.match);
      assert.ok(err.message.startsWith(`documents/x.md:${check.line}: `), err.message);
      return true;
    },
  );
}

test('parses a valid header and keeps the body byte for byte', () => {
  const body = '\n\n上海市人力资源和社会保障局\n\n一、优化人才引进市场化评价标准。  \n';
  const r = parseFrontMatter(file(HEADER, body), 'x.md');
  assert.deepEqual(r.meta, {
    title: '关于助力复工复产实施人才特殊支持举措的通知',
    docNumber: '沪人社力〔2022〕103号',
    issuer: '上海市人力资源和社会保障局',
    date: '2022-06-01',
    level: 'municipal',
  });
  assert.equal(r.body, body);
  assert.equal(r.bodyStartLine, 8);
  assert.deepEqual(r.warnings, []);
});

test('optional fields, quoted values, empty optional fields', () => {
  const r = parseFrontMatter(
    file([
      '---',
      'title: "长宁区关于加快推进科技创新人才集聚区建设的若干意见"',
      'doc_number:',
      'issuer: 长宁区',
      'date: 2020-04-24',
      'level: district',
      'district: 长宁',
      'source: https://example.org/a',
      'valid_from: 2020-04-24',
      'valid_to: 2025-04-23',
      '---',
    ]),
    'x.md',
  );
  assert.equal(r.meta.docNumber, undefined);
  assert.equal(r.meta.district, '长宁');
  assert.equal(r.meta.source, 'https://example.org/a');
  assert.equal(r.meta.validFrom, '2020-04-24');
  assert.equal(r.meta.validTo, '2025-04-23');
});

test('CRLF line endings and a BOM are accepted', () => {
  const content = '\ufeff' + HEADER.join('\r\n') + '\r\n一、正文。\r\n';
  const r = parseFrontMatter(content, 'x.md');
  assert.equal(r.meta.date, '2022-06-01');
  assert.equal(r.body, '一、正文。\r\n');
  assert.equal(r.bodyStartLine, 8);
});

test('a file without a header is an error at line 1 with a template', () => {
  expectError('一、正文。\n', { line: 1, match: /missing front-matter header[\s\S]*title:/ });
  expectError('', { line: 1, match: /missing front-matter header/ });
});

test('an unclosed header is an error', () => {
  expectError(HEADER.slice(0, -1).join('\n') + '\n一、正文。', { line: 1, match: /never closed/ });
});

test('a bad date names the line, the field and the fix', () => {
  const bad = (v: string) => file(HEADER.map((l) => (l.startsWith('date:') ? `date: ${v}` : l)));
  expectError(bad('2022/6/1'), { line: 5, field: 'date', match: /YYYY-MM-DD.*"2022\/6\/1"/ });
  expectError(bad('2022-13-01'), { line: 5, field: 'date', match: /real date/ });
  expectError(bad('2022-02-30'), { line: 5, field: 'date', match: /real date/ });
  expectError(bad('20220601'), { line: 5, field: 'date', match: /date/ });
});

test('missing required fields and bad enum values are errors', () => {
  expectError(file(HEADER.filter((l) => !l.startsWith('title:'))), {
    line: 1,
    field: 'title',
    match: /missing required field; write the full title/,
  });
  expectError(file(HEADER.filter((l) => !l.startsWith('issuer:'))), { line: 1, field: 'issuer', match: /missing required field/ });
  expectError(file(HEADER.map((l) => (l.startsWith('level:') ? 'level: city' : l))), {
    line: 6,
    field: 'level',
    match: /municipal.*district/,
  });
});

test('valid_to before valid_from is an error on the valid_to line', () => {
  expectError(file([...HEADER.slice(0, -1), 'valid_from: 2022-07-01', 'valid_to: 2022-06-30', '---']), {
    line: 8,
    field: 'valid_to',
    match: /before valid_from/,
  });
});

test('invalid YAML is an error with its line', () => {
  expectError(file(['---', 'title: 标题', 'issuer: [未闭合', 'date: 2022-06-01', '---']), { line: 4, match: /not valid YAML/ });
  expectError(file(['---', '- a list', '---']), { line: 2, match: /"field: value" lines/ });
});

test('unknown fields and a district document without district are warnings', () => {
  const r = parseFrontMatter(
    file([...HEADER.slice(0, -1).map((l) => (l === 'level: municipal' ? 'level: district' : l)), 'tittle: typo', '---']),
    'x.md',
  );
  assert.deepEqual(
    r.warnings.map((w) => w.line),
    [7, 6],
  );
  assert.match(r.warnings[0]!.message, /unknown header field "tittle"/);
  assert.match(r.warnings[1]!.message, /district/);
});

test('isIsoDate accepts only real calendar dates', () => {
  assert.equal(isIsoDate('2024-02-29'), true);
  assert.equal(isIsoDate('2023-02-29'), false);
  assert.equal(isIsoDate('2023-1-01'), false);
});

/**
 * policybot import, stage by stage and end to end: the header read from the text (seeds and
 * notices written for these tests), GBK/UTF-16 text, a page with site chrome, DOCX with automatic
 * numbering, one- and two-column PDFs with running headers and page numbers (generated here), and
 * every bad input of issue #13.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import JSZip from 'jszip';
import { decodeText } from '../../retrieval/import/decode.ts';
import { docToText } from '../../retrieval/import/extract-doc.ts';
import { docxToText, formatCounter } from '../../retrieval/import/extract-docx.ts';
import { htmlToText } from '../../retrieval/import/extract-html.ts';
import { pdfToText } from '../../retrieval/import/extract-pdf.ts';
import { parseCnDate, readHeader, READ_FIELDS } from '../../retrieval/import/header.ts';
import { ImportError, prepareImport } from '../../retrieval/import/index.ts';
import { loadImportLang } from '../../retrieval/import/lang.ts';
import { sniff } from '../../retrieval/import/sniff.ts';
import { readCorpus } from '../../retrieval/corpus.ts';
import { buildDocx } from '../../scripts/fixtures/make-docx.ts';
import { buildPdf, layoutPdf } from '../../scripts/fixtures/make-pdf.ts';
import { FIXTURES, REPO, SEED_IDS, chunkKey, chunksOf, seed, sitePage } from './helpers.ts';
import { scoreHeaders } from '../../scripts/fixtures/header-score.ts';

const lang = loadImportLang(join(REPO, 'corpus'));
const corpus = (await readCorpus(join(REPO, 'corpus'))).documents;
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

test('dates as printed: Arabic and Chinese numerals; impossible dates are not dates', () => {
  assert.equal(parseCnDate('2022年6月1日', lang), '2022-06-01');
  assert.equal(parseCnDate('二〇二三年四月二十六日', lang), '2023-04-26');
  assert.equal(parseCnDate('二〇二〇年十二月三十一日', lang), '2020-12-31');
  assert.equal(parseCnDate('二〇二三年二月三十日', lang), undefined);
  assert.equal(parseCnDate('2023年13月1日', lang), undefined);
});

test('header fields on the seeds and the written notices: ≥ 95 % right, no wrong date, missing never guessed', async () => {
  const score = await scoreHeaders(lang);
  assert.equal(score.documents, 8);
  assert.deepEqual(score.wrong, [], 'no field is read wrong');
  assert.deepEqual(score.wrongDates, [], 'no wrong date');
  assert.deepEqual(score.missing, ['baoshan-hrss-2021-8E112 title'], 'only the seed without a title line misses a field');
  assert.ok(score.right / score.fields >= 0.95, `${score.right}/${score.fields} fields right`);
  // seeds with a validity sentence
  assert.equal(readHeader(seed('changning-2020-talent').body, lang).fields.validFrom?.value, '2020-04-24');
});

test('each field says where it was found and how sure it is', () => {
  const h = readHeader(fixture('notice-municipal-gui.txt'), lang);
  assert.deepEqual(h.fields.docNumber, { value: '沪人社规〔2024〕12号', line: 3, source: 'doc-number line', confidence: 'high' });
  assert.equal(h.fields.title?.line, 5);
  assert.equal(h.fields.date?.source, 'signature');
  assert.equal(h.fields.date?.line, 33);
  assert.deepEqual(h.repeals, [
    { title: '上海市人力资源和社会保障局关于做好就业见习工作的通知', docNumber: '沪人社规〔2019〕5号', line: 27 },
  ]);
  const reply = readHeader(fixture('reply-no-number.txt'), lang);
  assert.deepEqual(reply.missing.map((m) => m.field).sort(), ['docNumber', 'title', 'validFrom', 'validTo'].sort());
});

test('decoding: UTF-8 with BOM, GBK/GB18030, UTF-16 with and without BOM give the same text', () => {
  const text = fixture('measures-district-numerals.txt');
  assert.equal(decodeText(iconv.encode(text, 'gbk')).text, text);
  assert.equal(decodeText(iconv.encode(text, 'gbk')).encoding, 'gb18030');
  assert.equal(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])).text, text);
  assert.equal(decodeText(iconv.encode(text, 'utf-16le', { addBOM: true })).text, text);
  assert.equal(decodeText(iconv.encode(text, 'utf-16be', { addBOM: true })).text, text);
  const ascii = 'Notice 2024\nSection 1. Scope of this notice\n';
  assert.equal(decodeText(iconv.encode(ascii, 'utf-16le')).text, ascii);
});

test('a page with site chrome: only the policy text, <p> as lines, tables as rows; the GBK page too', async () => {
  const body = fixture('notice-municipal-gui.txt');
  const html = sitePage(body).replace(
    '</div>\n<div class="share">',
    '<table><tr><td>学历</td><td>补贴</td></tr><tr><td>本科</td><td>1000元</td></tr></table></div>\n<div class="share">',
  );
  const r = htmlToText(html);
  for (const chrome of ['首页', '当前位置', '分享到', '相关文章', '主办单位', 'ICP', '统计代码'])
    assert.ok(!r.text.includes(chrome), `no "${chrome}" in the text`);
  assert.ok(r.text.startsWith('上海市人力资源和社会保障局\n沪人社规〔2024〕12号\n'), r.text.slice(0, 80));
  assert.ok(r.text.includes('| 学历 | 补贴 |\n| 本科 | 1000元 |'));
  const gbk = iconv.encode(sitePage(body, { charset: 'gb2312' }), 'gbk');
  assert.equal((await sniff(gbk)).kind, 'text'); // told apart after decoding
  const plan = await prepareImport({ file: 'page.html', bytes: gbk }, { lang, corpus });
  assert.equal(plan.kind, 'html');
  assert.equal(plan.id, 'sh-hrss-2024-12');
  assert.equal(plan.header.fields.validTo?.value, '2028-12-31');
});

test('DOCX: automatic numbering is written out (（一）, 二十四, restarts)', async () => {
  assert.equal(formatCounter(24, 'chineseCounting', lang), '二十四');
  assert.equal(formatCounter(10, 'chineseCounting', lang), '十');
  assert.equal(formatCounter(105, 'chineseCounting', lang), '一百〇五');
  assert.equal(formatCounter(3, 'decimalEnclosedCircle', lang), '③');
  const d = await buildDocx(fixture('notice-municipal-gui.txt'), {
    table: [
      ['学历', '补贴'],
      ['本科', '1000元'],
    ],
  });
  assert.equal(d.numbered, 6);
  const zip = await JSZip.loadAsync(d.bytes);
  assert.ok(!(await zip.file('word/document.xml')!.async('string')).includes('（一）'), 'labels live only in numbering.xml');
  const r = await docxToText(d.bytes, lang);
  assert.ok(r.text.includes('\n二、补贴标准\n（一）见习基地'), r.text);
  assert.ok(r.text.includes('\n（二）见习期满'));
  assert.ok(r.text.includes('| 学历 | 补贴 |'));
});

test('PDF: two columns read column by column, running header and page numbers dropped', async () => {
  const body = fixture('notice-municipal-gui.txt');
  const pdf = buildPdf(
    layoutPdf(body + '\n' + body + '\n' + body, {
      columns: 2,
      header: '上海市人力资源和社会保障局行政规范性文件',
      pageNumbers: true,
      size: 11,
    }),
  );
  const r = await pdfToText(pdf);
  assert.equal(r.columns, 2);
  assert.ok(r.pages >= 2, `${r.pages} pages`);
  assert.ok(!r.text.includes('行政规范性文件'), 'running header removed');
  assert.ok(!/^- \d+ -$/m.test(r.text), 'page numbers removed');
  const paras = body.split('\n').filter(Boolean);
  for (const p of paras) assert.ok(r.text.includes(p), `paragraph kept whole: ${p.slice(0, 30)}`);
});

test("imported HTML, DOCX and PDF copies of every seed give the seed's own chunks", async () => {
  for (const id of SEED_IDS) {
    const s = seed(id);
    const want = chunksOf(`documents/${id}.md`, s.content).map(chunkKey);
    const copies: Array<[string, string]> = [
      ['html', htmlToText(sitePage(s.body)).text],
      ['docx', (await docxToText((await buildDocx(s.body)).bytes, lang)).text],
      ['pdf', (await pdfToText(buildPdf(layoutPdf(s.body, { header: '上海市人力资源和社会保障局', pageNumbers: true })))).text],
    ];
    if (id === 'sh-hrss-2022-103' || id === 'yangpu-hrss-2021-18')
      copies.push(['pdf-2col', (await pdfToText(buildPdf(layoutPdf(s.body, { columns: 2, pageNumbers: true, size: 10 })))).text]);
    for (const [kind, text] of copies) {
      const got = chunksOf(`documents/${id}.md`, s.head + text).map(chunkKey);
      assert.deepEqual(got, want, `${id} (${kind})`);
    }
  }
});

test("an old Word .doc copy of a seed is sniffed as doc and gives the seed's own chunks", async () => {
  // Made once with LibreOffice from the seed's body (docs/corpus.md "Fixtures"); 17 KB, committed.
  const bytes = readFileSync(join(FIXTURES, 'seed-yangpu-hrss-2021-18.doc'));
  assert.equal((await sniff(bytes)).kind, 'doc');
  const s = seed('yangpu-hrss-2021-18');
  const want = chunksOf('documents/yangpu-hrss-2021-18.md', s.content).map(chunkKey);
  const got = chunksOf('documents/yangpu-hrss-2021-18.md', s.head + (await docToText(bytes))).map(chunkKey);
  assert.deepEqual(got, want);
});

test('prepareImport: the id from the 文号, supersession of a corpus document, header fields in the file', async () => {
  const old = {
    ...corpus[0]!,
    id: 'sh-hrss-2019-5',
    title: '上海市人力资源和社会保障局关于做好就业见习工作的通知',
    docNumber: '沪人社规〔2019〕5号',
  };
  const plan = await prepareImport(
    { file: 'a.txt', bytes: new TextEncoder().encode(fixture('notice-municipal-gui.txt')) },
    { lang, corpus: [...corpus, old] },
  );
  assert.equal(plan.id, 'sh-hrss-2024-12');
  assert.deepEqual(plan.supersedes, ['sh-hrss-2019-5']);
  assert.equal(plan.document.validFrom, '2024-03-01');
  assert.deepEqual(plan.document.supersedes, ['sh-hrss-2019-5']);
  assert.ok(plan.content.endsWith('---\n' + fixture('notice-municipal-gui.txt')), 'the text follows the header byte for byte');
  const j = await prepareImport({ file: 'b.txt', bytes: iconv.encode(fixture('measures-district-numerals.txt'), 'gbk') }, { lang, corpus });
  assert.equal(j.id, 'jiading-hrss-2023-7');
  assert.equal(j.document.district, '嘉定');
  assert.equal(j.document.validTo, '2024-12-31');
  const noTitle = prepareImport({ file: 'reply.txt', bytes: new TextEncoder().encode(fixture('reply-no-number.txt')) }, { lang, corpus });
  await assert.rejects(
    noTitle,
    (e: ImportError) => e.message.startsWith('reply.txt: cannot read the title') && e.message.includes('--title'),
  );
  const given = await prepareImport(
    { file: 'reply.txt', bytes: new TextEncoder().encode(fixture('reply-no-number.txt')) },
    { lang, corpus, overrides: { title: '关于加强闵行区高技能人才培养的建议的答复' } },
  );
  assert.equal(given.id, 'minhang-hrss-2022-09-15');
  assert.deepEqual(given.overridden, ['title']);
});

test('bad inputs: one line naming the file and the fix', async () => {
  const zip = new JSZip();
  zip.file('readme.txt', 'hello');
  const notDocx = await zip.generateAsync({ type: 'uint8array' });
  const docx = (await buildDocx(fixture('notice-municipal-gui.txt'))).bytes;
  const textPdf = buildPdf(layoutPdf(fixture('notice-municipal-gui.txt')));
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6300010000050001', 'hex');
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['zero.txt', new Uint8Array(0), /empty file \(0 bytes\)/],
    ['blank.txt', new TextEncoder().encode('  \n\n '), /no policy text/],
    [
      'scan.pdf',
      buildPdf([
        { lines: [], scan: true },
        { lines: [], scan: true },
      ]),
      /scanned PDF: no text layer; OCR it first/,
    ],
    ['locked.pdf', buildPdf(layoutPdf(fixture('notice-municipal-gui.txt')), { encrypt: true }), /password-protected PDF/],
    ['broken.pdf', textPdf.slice(0, 300), /corrupt PDF/],
    ['broken.docx', docx.slice(0, docx.length - 200), /corrupt Word file|cannot read/],
    ['archive.zip', notDocx, /ZIP archive that is not a Word document/],
    ['huge.txt', new Uint8Array(50 * 1024 * 1024).fill(0x61), /file too large \(50\.0 MiB/],
    ['photo.png', png, /an image \(png\).*OCR/],
    ['empty-page.html', new TextEncoder().encode(sitePage('')), /no policy text/],
    ['exists.txt', new TextEncoder().encode(seed('sh-hrss-2022-103').body), /id "sh-hrss-2022-103" exists already.*--replace/],
    ['corpus-file.md', new TextEncoder().encode(seed('sh-hrss-2022-103').content), /already a corpus file with a --- header/],
  ];
  for (const [file, bytes, re] of cases) {
    await assert.rejects(prepareImport({ file, bytes }, { lang, corpus }), (e: Error) => {
      assert.ok(e instanceof ImportError, `${file}: ${e.message}`);
      assert.match(e.message, new RegExp(`^${file.replace('.', '\\.')}: `));
      assert.match(e.message, re, file);
      assert.ok(!e.message.includes('\n'), `${file}: one line`);
      return true;
    });
  }
  // --replace lets the same id through
  const again = await prepareImport(
    { file: 'exists.txt', bytes: new TextEncoder().encode(seed('sh-hrss-2022-103').body) },
    { lang, corpus, replace: true },
  );
  assert.equal(again.replaces, true);
});

test('READ_FIELDS lists every field the reader can return', () => {
  const h = readHeader(fixture('notice-municipal-gui.txt'), lang);
  for (const k of Object.keys(h.fields)) assert.ok((READ_FIELDS as readonly string[]).includes(k));
});

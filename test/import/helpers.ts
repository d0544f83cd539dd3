/** Shared pieces of the import tests: the shipped seeds, chunk comparison, a page with site chrome. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocumentFile } from '../../retrieval/corpus.ts';
import { parseFrontMatter } from '../../retrieval/frontmatter.ts';
import type { Chunk } from '../../retrieval/types.ts';

export const REPO = join(import.meta.dirname, '..', '..');
export const FIXTURES = join(REPO, 'test', 'fixtures', 'import');
export const SEED_IDS = ['sh-hrss-2022-103', 'yangpu-hrss-2021-18', 'baoshan-hrss-2021-8E112', 'sh-hrss-2023-113', 'changning-2020-talent'];

/** A shipped seed document: its file content, header block and body. */
export function seed(id: string): { content: string; head: string; body: string } {
  const content = readFileSync(join(REPO, 'corpus', 'documents', `${id}.md`), 'utf8');
  const { body } = parseFrontMatter(content, id);
  return { content, head: content.slice(0, content.length - body.length), body };
}

/** Chunks of a corpus file (as the corpus reader makes them). */
export function chunksOf(file: string, content: string): Chunk[] {
  const r = parseDocumentFile(file, new TextEncoder().encode(content));
  if (r.result.errors.length) throw new Error(r.result.errors.map((e) => e.message).join('; '));
  return r.chunks;
}

/** Chunk identity for comparison: labels, path, heading, and the text with paragraph spacing ignored. */
export function chunkKey(c: Chunk): string {
  return [c.id.slice(c.id.indexOf('#')), c.clause, c.path.join(' / '), c.heading ?? '', c.text.replace(/\n{2,}/g, '\n')].join('\u0001');
}

/** A page as saved from a government site: navigation, breadcrumbs, share buttons, related links, footer; the text in one <div>. */
export function sitePage(body: string, opts: { charset?: string } = {}): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const paras = body
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => `<p style="text-indent:2em">${esc(l)}</p>`)
    .join('\n');
  return `<!DOCTYPE html>
<html><head><meta charset="${opts.charset ?? 'utf-8'}"><title>上海市人力资源和社会保障局</title>
<script>var _hmt = _hmt || []; (function(){ /* 统计代码 */ })();</script><style>.nav{color:red}</style></head>
<body>
<div class="top"><a href="/">首页</a> | <a href="/wza">无障碍</a> | <a href="/en">English</a></div>
<div id="nav" class="nav"><ul><li><a href="/">首页</a></li><li><a href="/xxgk">信息公开</a></li><li><a href="/bsfw">办事服务</a></li><li><a href="/hdjl">互动交流</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk">信息公开</a> &gt; 政策文件</div>
<div class="main"><div class="article" id="ivs_content">
${paras}
</div>
<div class="share">分享到：<a>微信</a> <a>微博</a> <a href="javascript:window.print()">【打印本页】</a> <a>【关闭窗口】</a></div>
<div class="related"><h3>相关文章</h3><ul><li><a href="/a1">关于开展2024年度职称评审工作的通知</a></li><li><a href="/a2">本市人才引进政策问答</a></li></ul></div></div>
<div class="footer"><p>主办单位：上海市人力资源和社会保障局 地址：上海市中山南路1000号</p><p>沪ICP备12345678号 网站标识码3100000000</p></div>
</body></html>`;
}

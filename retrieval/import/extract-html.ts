/**
 * The policy text of a saved web page: the main content without the site chrome (navigation,
 * breadcrumbs, share buttons, footer), `<p>`/`<br>`/block elements as lines, table rows as
 * `| cell | cell |` lines. The main content is chosen by @mozilla/readability (on a linkedom DOM);
 * when Readability finds no article, the block with the most Chinese text is used.
 *
 * @example
 * htmlToText('<div id="nav">首页</div><div class="content"><p>一、……</p></div>').text // → '一、……'
 */
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';

/** Result of `htmlToText`. */
export interface HtmlText {
  text: string;
  /** The page's <title>, when it has one (not used for the header: the header comes from the text). */
  pageTitle?: string;
  /** How the main content was found. */
  method: 'readability' | 'densest-block';
}

const BLOCK = new Set([
  'P',
  'DIV',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'LI',
  'UL',
  'OL',
  'TABLE',
  'TBODY',
  'THEAD',
  'TR',
  'SECTION',
  'ARTICLE',
  'BLOCKQUOTE',
  'PRE',
  'DL',
  'DT',
  'DD',
  'CENTER',
  'HEADER',
  'FOOTER',
  'MAIN',
  'FIGURE',
  'FORM',
  'HR',
  'ADDRESS',
]);
const DROP = 'script, style, noscript, template, iframe, object, svg, canvas, button, input, select, textarea, nav, aside';
const HAN = /\p{Script=Han}/gu;

interface NodeLike {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<NodeLike>;
}

/** Renders a DOM subtree as lines of text: blocks and <br> break lines, table rows become `| a | b |`. */
export function domToLines(root: NodeLike): string[] {
  const lines: string[] = [];
  let cur = '';
  const flush = () => {
    const t = cur.replace(/[ \t\r\n\f]+/g, ' ').trim();
    if (t) lines.push(t);
    cur = '';
  };
  const walk = (n: NodeLike) => {
    if (n.nodeType === 3) {
      cur += n.textContent ?? '';
      return;
    }
    if (n.nodeType !== 1) return;
    const name = n.nodeName.toUpperCase();
    if (name === 'BR') {
      flush();
      return;
    }
    if (name === 'TR') {
      flush();
      const cells: string[] = [];
      for (const c of Array.from(n.childNodes)) {
        if (c.nodeType === 1 && /^(TD|TH)$/i.test(c.nodeName)) cells.push(domToLines(c).join(' '));
      }
      if (cells.some((c) => c)) lines.push(`| ${cells.join(' | ')} |`);
      return;
    }
    const block = BLOCK.has(name);
    if (block) flush();
    for (const c of Array.from(n.childNodes)) walk(c);
    if (block) flush();
  };
  walk(root);
  flush();
  return lines;
}

function hanCount(s: string): number {
  return s.match(HAN)?.length ?? 0;
}

/** The element whose own block children hold the most Chinese text (a fallback when Readability finds nothing). */
function densestBlock(document: Document): Element {
  let best: Element = document.body ?? document.documentElement;
  let bestScore = -1;
  for (const el of Array.from(document.querySelectorAll('div, td, article, section, main'))) {
    let score = 0;
    for (const c of Array.from(el.children)) if (/^(P|BR|SPAN|FONT|H\d|TABLE)$/i.test(c.nodeName)) score += hanCount(c.textContent ?? '');
    for (const c of Array.from(el.childNodes)) if (c.nodeType === 3) score += hanCount(c.textContent ?? '');
    if (score > bestScore) {
      bestScore = score;
      best = el;
    }
  }
  return best;
}

/**
 * Extracts the policy text of an HTML page (the decoded string). Readability's article is used
 * when it keeps at least `minShare` of the Chinese text of the densest block (it can drop short
 * heading lines); otherwise the densest block is rendered.
 */
export function htmlToText(html: string, opts: { minShare?: number } = {}): HtmlText {
  const minShare = opts.minShare ?? 0.9;
  const { document } = parseHTML(html);
  const pageTitle = document.querySelector('title')?.textContent?.trim() || undefined;
  for (const el of Array.from(document.querySelectorAll(DROP))) el.remove();
  const dense = domToLines(densestBlock(document as unknown as Document) as unknown as NodeLike);
  let article: string[] | undefined;
  try {
    const parsed = new Readability(document as unknown as Document, { charThreshold: 100, keepClasses: false }).parse();
    if (parsed?.content) {
      const { document: art } = parseHTML(`<!doctype html><html><body>${parsed.content}</body></html>`);
      article = domToLines(art.body as unknown as NodeLike);
    }
  } catch {
    article = undefined; // Readability cannot handle this page: fall back
  }
  const useArticle = article && hanCount(article.join('')) >= hanCount(dense.join('')) * minShare;
  const lines = useArticle ? article! : dense;
  return { text: lines.join('\n') + '\n', ...(pageTitle ? { pageTitle } : {}), method: useArticle ? 'readability' : 'densest-block' };
}

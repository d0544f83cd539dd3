/**
 * A strict validator of Telegram's HTML parse mode, for the renderer tests: only the tags Telegram
 * supports (b strong i em u ins s strike del span.tg-spoiler tg-spoiler a[href] code pre blockquote
 * [expandable] tg-emoji), properly nested and closed, no attributes other than those, entities only
 * &lt; &gt; &amp; &quot; and numeric ones, no raw '<' or '&', and no blockquote inside a blockquote.
 * Returns the problems (empty = valid) and the visible text.
 */
const TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'code',
  'pre',
  'blockquote',
  'tg-emoji',
]);
const ATTRS: Record<string, RegExp> = {
  a: /^\s+href="[^"<>]*"$/,
  span: /^\s+class="tg-spoiler"$/,
  blockquote: /^(\s+expandable)?$/,
  code: /^(\s+class="language-[\w-]+")?$/,
  'tg-emoji': /^\s+emoji-id="\d+"$/,
};

export function validateTelegramHtml(html: string): { errors: string[]; text: string } {
  const errors: string[] = [];
  const stack: string[] = [];
  let text = '';
  let i = 0;
  while (i < html.length) {
    const ch = html[i]!;
    if (ch === '<') {
      const end = html.indexOf('>', i);
      if (end < 0) {
        errors.push(`unclosed '<' at ${i}`);
        break;
      }
      const tag = html.slice(i + 1, end);
      const m = /^(\/?)([a-z-]+)(.*)$/s.exec(tag);
      if (!m) errors.push(`bad tag <${tag}> at ${i}`);
      else {
        const [, close, name, attrs] = m as unknown as [string, string, string, string];
        if (!TAGS.has(name)) errors.push(`unsupported tag <${name}> at ${i}`);
        if (close) {
          if (attrs.trim()) errors.push(`attributes on closing tag </${name}> at ${i}`);
          const top = stack.pop();
          if (top !== name) errors.push(`</${name}> at ${i} closes <${top ?? 'nothing'}>`);
        } else {
          const allowed = ATTRS[name] ?? /^$/;
          if (!allowed.test(attrs)) errors.push(`bad attributes "${attrs}" on <${name}> at ${i}`);
          if (name === 'blockquote' && stack.includes('blockquote')) errors.push(`nested blockquote at ${i}`);
          stack.push(name);
        }
      }
      i = end + 1;
      continue;
    }
    if (ch === '&') {
      const m = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/i.exec(html.slice(i, i + 12));
      if (!m) errors.push(`raw '&' at ${i}`);
      else {
        text += { lt: '<', gt: '>', amp: '&', quot: '"' }[m[1]!.toLowerCase()] ?? '?';
        i += m[0].length;
        continue;
      }
    }
    if (ch === '>') errors.push(`raw '>' at ${i}`);
    text += ch;
    i += 1;
  }
  if (stack.length) errors.push(`unclosed tags: ${stack.join(', ')}`);
  return { errors, text };
}

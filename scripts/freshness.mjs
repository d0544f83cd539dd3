// Whether dist/ was compiled from the current sources: a stamp of every source file's path, size and mtime.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE_DIRS = ['bot', 'retrieval', 'eligibility', 'text', 'tools', 'scripts'];

/** A short fingerprint of the TypeScript sources (paths, sizes, modification times). */
export function sourceStamp(root) {
  const parts = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        const s = statSync(p);
        parts.push(`${p.slice(root.length)}:${s.size}:${Math.floor(s.mtimeMs)}`);
      }
    }
  };
  for (const d of SOURCE_DIRS) walk(join(root, d));
  parts.sort();
  let h = 0x811c9dc5;
  const text = parts.join('\n');
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return { files: parts.length, hash: h.toString(16) };
}

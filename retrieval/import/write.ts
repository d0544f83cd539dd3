/**
 * The I/O edge of import: writes `<corpus>/documents/<id>.md` through a temp file in the same
 * folder, fsync and rename, so the corpus never holds a partial document (a crash leaves at most a
 * hidden `.<id>.md.<pid>.tmp`, which the corpus reader ignores and the next import removes).
 */
import { open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { documentsDir } from '../corpus.ts';

/** Removes temp files left by an interrupted import. */
export async function removeStaleTemps(corpusDir: string): Promise<number> {
  const dir = documentsDir(corpusDir);
  let n = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith('.') && name.endsWith('.tmp')) {
      await rm(join(dir, name), { force: true });
      n++;
    }
  }
  return n;
}

/** Writes a corpus document (`name`, e.g. `sh-hrss-2024-12.md`) atomically; returns its path. */
export async function writeDocumentAtomic(corpusDir: string, name: string, content: string): Promise<string> {
  const dir = documentsDir(corpusDir);
  const target = join(dir, name);
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, target);
  return target;
}

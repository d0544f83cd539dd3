/**
 * Child process of the inbox crash test: imports the inbox and SIGKILLs itself right after the
 * given step of the given file (argv: inboxDir corpusDir step file). Not a test file itself.
 */
import { importInbox, type InboxStep } from '../../retrieval/import/inbox.ts';
import { loadImportLang } from '../../retrieval/import/lang.ts';

const [inboxDir, corpusDir, step, file] = process.argv.slice(2) as [string, string, InboxStep, string];
await importInbox({
  inboxDir,
  corpusDir,
  lang: loadImportLang(corpusDir),
  onStep: (s, f) => {
    if (s === step && f === file) process.kill(process.pid, 'SIGKILL');
  },
});
process.exit(3); // the kill point was never reached

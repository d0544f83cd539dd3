import { rmSync } from 'node:fs';
import { after, before } from 'node:test';
import type { App } from '../../bot/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import { floorTests } from '../helpers/understanding.ts';

// The later blind sets (21 onwards), in a process of their own beside understanding-set.test.ts (the suite's two
// longest files on two cores). Floors near what is measured; each set was held out until its first run.
let app: App;
before(async () => {
  app = await buildTestApp();
});
after(() => rmSync(app.config.DATA_DIR, { recursive: true, force: true }));

floorTests(
  () => app,
  [
    // Blind set 21, held out at the session start (7840b86) and on 102203e alike (88.9 % verdicts, 87.5 %
    // conversations, 3 confident wrong); vc06, v075 and v024 fixed since.
    ['understanding-check21.yaml', { messages: 0.89, conversations: 0.9, confidentWrong: 0 }],
    // Blind set 22 (12333 hotline style), held out on b16174d and on 9103cad alike (86.0 % verdicts, 87.5 %
    // conversations, 5 confident wrong); fixes from it since.
    ['understanding-check22.yaml', { messages: 0.92, conversations: 0.9, confidentWrong: 0 }],
    // Blind set 23 (HR group chat and web form), held out on 1b7e959 (87.7 % verdicts, 87.5 % conversations,
    // 2 confident wrong; 9103cad alike); fixes from it since.
    ['understanding-check23.yaml', { messages: 0.93, conversations: 0.96, confidentWrong: 0 }],
    // Blind sets 24 (WeChat employees, a third in English) and 25 (mostly conversations), held out on dd507e0
    // (24: 85.7 % verdicts, 85.3 % conversations, 7 confident wrong; 25: 93.1 %, 82.9 %, 5); fixes since.
    ['understanding-check24.yaml', { messages: 0.91, conversations: 0.94, confidentWrong: 0 }],
    ['understanding-check25.yaml', { messages: 0.92, conversations: 0.89, confidentWrong: 0 }],
    // Blind sets 26 (a district service desk) and 27 (multinational HR, half English), held out on 98ab646
    // (26: 93.3 % verdicts, 93.8 % conversations, 4 confident wrong; 27: 79.6 %, 53.1 %, 9); fixes since.
    // Check 27 keeps English questions and conversations the understanding does not read yet.
    ['understanding-check26.yaml', { messages: 0.95, conversations: 0.93, confidentWrong: 1 }],
    ['understanding-check27.yaml', { messages: 0.91, conversations: 0.75, confidentWrong: 2 }],
    // Blind sets 28–33 (tenth round, 2026-12-03), each held out on the committed code before it was tuned on
    // (docs/assistant.md "Blind sets 28–33"): 28 English only (72.4 % verdicts, 61.3 % conversations, 10
    // confident wrong); 29 parents and voice input (75.0 %, 41.9 %, 0); 30 long conversations (100 %, 78.3 %,
    // 4); 31 employers and districts (92.9 %, 76.7 %, 3); 32 an HR group chat (92.2 %, 90.0 %, 2); 33 terse
    // phone messages (86.6 %, 83.3 %, 4). Fixes from all six since; the floors are today's.
    ['understanding-check28.yaml', { messages: 0.86, conversations: 0.83, confidentWrong: 2 }],
    ['understanding-check29.yaml', { messages: 0.87, conversations: 0.83, confidentWrong: 0 }],
    ['understanding-check30.yaml', { messages: 0.9, conversations: 0.91, confidentWrong: 0 }],
    ['understanding-check31.yaml', { messages: 0.84, conversations: 0.83, confidentWrong: 1 }],
    ['understanding-check32.yaml', { messages: 0.88, conversations: 0.93, confidentWrong: 0 }],
    ['understanding-check33.yaml', { messages: 0.86, conversations: 0.83, confidentWrong: 3 }],
    // Blind sets 34–40 (eleventh round, docs/assistant.md): held out before their first run, tuned on since; the
    // floors are today's. Their confident wrong verdicts are listed there.
    ['understanding-check34.yaml', { messages: 0.83, conversations: 0.8, confidentWrong: 2 }],
    ['understanding-check35.yaml', { messages: 0.81, conversations: 0.66, confidentWrong: 3 }],
    ['understanding-check36.yaml', { messages: 0.87, conversations: 0.87, confidentWrong: 0 }],
    ['understanding-check37.yaml', { messages: 0.89, conversations: 0.9, confidentWrong: 1 }],
    ['understanding-check38.yaml', { messages: 0.72, conversations: 0.63, confidentWrong: 2 }],
    ['understanding-check39.yaml', { messages: 0.85, conversations: 0.71, confidentWrong: 2 }],
    ['understanding-check40.yaml', { messages: 0.7, conversations: 0.76, confidentWrong: 7 }],
  ],
);

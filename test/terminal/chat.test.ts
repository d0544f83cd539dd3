import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { before, test } from 'node:test';
import type { App } from '../../bot/app.ts';
import { runTerminalChat } from '../../bot/terminal/chat.ts';
import { buildTestApp } from '../helpers/app.ts';

let app: App;
before(async () => {
  app = await buildTestApp();
});

async function chat(lines: string[]): Promise<{ out: string; answered: number }> {
  const output = new PassThrough();
  let out = '';
  output.on('data', (d) => (out += d.toString()));
  const answered = await runTerminalChat({
    assistant: app.assistant,
    input: Readable.from(lines.map((l) => l + '\n')),
    output,
    asOf: () => '2026-11-22',
    now: () => Date.parse('2026-11-22T02:00:00Z'),
  });
  return { out, answered };
}

test('the terminal chat remembers facts across lines and a number picks a choice', async () => {
  const { out, answered } = await chat(['我是留学回来的，在上海全职工作，想问问能不能落户？', '1']);
  assert.equal(answered, 2);
  assert.match(out, /回复选项序号：1 前50名/);
  assert.match(out, /^符合条件：/m);
});

test('/more shows the notes behind 详情, once', async () => {
  const { out } = await chat(['我是世界排名前50的大学毕业，在上海全职工作，能直接落户吗？', '/more', '/more']);
  const [reply, more, again] = out.split(/\n(?=文件：|没有更多说明了。)/);
  assert.match(reply!, /另有\d+条说明，发送 \/more 查看。/);
  assert.match(more!, /^文件：《上海市人力资源和社会保障局关于助力复工复产实施人才特殊支持举措的通知》/);
  assert.match(more!, /※ 世界排名一般可参考/);
  assert.ok(!reply!.includes('世界排名一般可参考'), 'a hidden note is not in the default view');
  assert.equal(again?.trim(), '没有更多说明了。');
});

test('/forget erases the facts; /quit stops reading', async () => {
  const { out, answered } = await chat([
    '我是留学回来的，在上海全职工作，想问问能不能落户？',
    '/forget',
    '1',
    '/quit',
    '宝山区的人才安居资助最高多少？',
  ]);
  assert.match(out, /已清除/);
  assert.doesNotMatch(out, /^符合条件：/m, 'after /forget a bare "1" is not an answer any more');
  assert.equal(answered, 2);
  assert.doesNotMatch(out, /200万元/, 'nothing is read after /quit');
});

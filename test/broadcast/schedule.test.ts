import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSchedule, validateSchedule } from '../../bot/broadcast/schedule.ts';
import { ConfigError } from '../../bot/config.ts';

test('schedule validation names the variable and shows a valid example', () => {
  assert.doesNotThrow(() => validateSchedule('0 9 * * 1-5', 'Asia/Shanghai'));
  assert.doesNotThrow(() => validateSchedule('*/30 * * * * *', 'UTC'));
  for (const bad of ['0 25 * * *', 'every day', '0 9 * *', '61 * * * *', '']) {
    assert.throws(
      () => validateSchedule(bad, 'Asia/Shanghai'),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /BROADCAST_CRON/);
        assert.match(e.message, /0 9 \* \* 1-5/);
        return true;
      },
      bad,
    );
  }
  assert.throws(() => validateSchedule('0 9 * * 1-5', 'Mars/Olympus'), /BROADCAST_TZ "Mars\/Olympus"/);
  assert.throws(() => startSchedule({ cron: 'nope', timezone: 'UTC', run: async () => {}, manual: true }), /BROADCAST_CRON/);
});

test('a tick during a run in progress is skipped with a log line; failures are logged', async () => {
  const warnings: string[] = [];
  const errors: string[] = [];
  let release!: () => void;
  let runs = 0;
  let fail = false;
  const s = startSchedule({
    cron: '0 9 * * 1-5',
    timezone: 'Asia/Shanghai',
    manual: true,
    log: { info: () => {}, warn: (m) => warnings.push(m), error: (m) => errors.push(m) },
    run: () => {
      runs++;
      if (fail) return Promise.reject(new Error('corpus folder missing'));
      return new Promise<void>((r) => (release = r));
    },
  });
  const first = s.tick();
  assert.equal(await s.tick(), 'skipped');
  assert.equal(runs, 1);
  assert.match(warnings[0]!, /still in progress; skipping/);
  release();
  assert.equal(await first, 'ran');
  fail = true;
  assert.equal(await s.tick(), 'failed');
  assert.match(errors[0]!, /scheduled run failed/);
  await s.stop();
});

test('a started schedule reports its next run in the configured time zone', async () => {
  const s = startSchedule({ cron: '0 9 * * 1-5', timezone: 'Asia/Shanghai', run: async () => {} });
  try {
    const next = s.nextRun();
    assert.ok(next instanceof Date);
    const hm = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', weekday: 'short' }).format(
      next!,
    );
    assert.match(hm, /^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
  } finally {
    await s.stop();
  }
});

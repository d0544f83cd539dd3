/**
 * The web chat in a real browser: headless Chromium (the Debian `chromium` package, driven by
 * playwright-core — no browser download) on a phone-sized viewport, against `policybot serve`'s web
 * channel on 127.0.0.1. Asks the top-50 settlement question, sees the verdict, answers a follow-up by
 * button, gives 👎 with a reason, and finds it in /admin and in `policybot gaps --json`.
 * Skips (with the reason) only when no Chromium binary is installed; .ci/run installs it.
 *
 * Set WRITE_SCREENSHOT=1 to refresh docs/web-phone.png.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { App } from '../../bot/app.ts';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { silentLogger } from '../../bot/logger.ts';
import { openStoreReady, type OpenedStore } from '../../bot/store/index.ts';
import { createWebChannel, startWebServer, type RunningWeb } from '../../bot/web/index.ts';
import { buildTestApp } from '../helpers/app.ts';

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(
  (p): p is string => !!p && existsSync(p),
);
const SKIP = CHROMIUM ? false : 'no Chromium binary (/usr/bin/chromium): apt-get install -y chromium fonts-noto-cjk (.ci/run does this)';
const TOKEN = 'browser-admin-token-0123456789';
const TOP50 = '我是QS前50名校毕业的，在上海全职工作，能落户吗？';
const REASON = '没说清楚要准备哪些材料';

let app: App;
let store: OpenedStore;
let web: RunningWeb;
// playwright types are loaded lazily so that the file imports even without the package
let browser: import('playwright-core').Browser | undefined;

describe('web chat in Chromium', { skip: SKIP }, () => {
  before(async () => {
    app = await buildTestApp({ ADMIN_TOKEN: TOKEN, AS_OF: '2026-11-20' });
    store = await openStoreReady({ dataDir: app.config.DATA_DIR });
    const channel = await createWebChannel({ app: () => app, store, logger: silentLogger });
    web = await startWebServer(channel.app, { port: 0, host: '127.0.0.1' });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });

  after(async () => {
    await browser?.close();
    await web?.stop();
    await store?.close();
    if (app) rmSync(app.config.DATA_DIR, { recursive: true, force: true });
  });

  it('asks, follows up by button, gives 👎 with a reason, and the admin sees it', async () => {
    const context = await browser!.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(web.url + '/');
    await page.getByRole('heading', { level: 1 }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');

    // 1. the top-50 settlement question → the verdict, conditions and the citation card
    await page.getByLabel('您的问题').fill(TOP50);
    const replied = page.waitForResponse((res) => res.url().endsWith('/api/chat'));
    await page.getByRole('button', { name: '发送' }).click();
    const verdict = page.locator('.verdict[data-verdict="eligible"]');
    await verdict.first().waitFor();
    assert.equal((await verdict.first().textContent())?.trim(), '符合');
    // The page renders the structured reply (blocks), not the plain-text answer: its answer line and one
    // row per condition of the blocks.
    const blocks = (await (await replied).json()).blocks;
    assert.equal((await page.locator('.msg.bot .answer-line').last().textContent())?.trim(), blocks.answer.text);
    assert.equal(await page.locator('.msg.bot').last().locator('.cond').count(), blocks.conditions.length);
    const card = page.locator('.citation').first();
    assert.match((await card.textContent())!, /沪人社力〔2022〕103号/);
    assert.match((await card.textContent())!, /2022-06-01/);
    assert.ok((await page.locator('.cond-pass').count()) >= 2);
    const shot = join(app.config.DATA_DIR, 'web-phone.png');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shot });
    assert.deepEqual([...readFileSync(shot).subarray(1, 4)], [0x50, 0x4e, 0x47]); // PNG
    if (process.env.WRITE_SCREENSHOT === '1') copyFileSync(shot, join(PROJECT_ROOT, 'docs', 'web-phone.png'));

    // 2. markup in a question stays text
    await page.getByLabel('您的问题').fill('<img src=x onerror="window.__xss=1"><b>落户</b>');
    await page.keyboard.press('Enter');
    await page.locator('.msg.bot').nth(2).waitFor();
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(await page.locator('.msg.user img, .msg.user b').count(), 0);
    assert.match((await page.locator('.msg.user').last().textContent())!, /<img src=x/);

    // 3. a new conversation whose check asks a follow-up: answer it with a button
    await page.getByRole('button', { name: '重新开始' }).click();
    await page.getByLabel('您的问题').fill('我是留学回国的，在上海全职工作，能落户吗？');
    await page.getByRole('button', { name: '发送' }).click();
    const choice = page.locator('.follow-up').getByRole('button', { name: '前50名' });
    await choice.waitFor();
    await choice.click();
    await page.locator('.msg.bot').nth(2).locator('.verdict[data-verdict="eligible"]').waitFor();

    // 4. 👎 with a reason on that answer
    const last = page.locator('.msg.bot').last();
    await last.getByRole('button', { name: '没帮助' }).click();
    await last.getByLabel(/哪里不对/).fill(REASON);
    await last.getByRole('button', { name: '提交' }).click();
    await last.locator('.thanks').waitFor();

    // 5. the admin view (token typed into the form) lists it
    await page.goto(web.url + '/admin');
    await page.getByLabel(/管理口令/).fill(TOKEN);
    await page.getByRole('button', { name: '查看' }).click();
    await page.locator('#gaps').getByText(REASON).first().waitFor();
    assert.match((await page.locator('#documents').textContent())!, /沪人社力〔2022〕103号/);
    assert.deepEqual(pageErrors, []);
    await context.close();

    // 6. …and so does `policybot gaps`
    const { stdout } = await promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'scripts', 'policybot.mjs'), 'gaps', '--json'], {
      env: { ...process.env, DATA_DIR: app.config.DATA_DIR, DATABASE_URL: '', LOG_LEVEL: 'silent' },
      cwd: PROJECT_ROOT,
    });
    const groups = JSON.parse(stdout) as { reasons: string[]; kinds: Record<string, number>; channels: string[] }[];
    const down = groups.find((g) => g.reasons.includes(REASON));
    assert.ok(down, stdout);
    assert.equal(down.kinds.thumbs_down, 1);
    assert.deepEqual(down.channels, ['web']);
  });
  it('embeds with one script tag on another site: a button that opens the chat', async () => {
    const host = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="zh-CN"><body><h1>某区人社局</h1><script src="${web.url}/embed.js" defer></script></body></html>`);
    });
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    const context = await browser!.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${(host.address() as { port: number }).port}/`);
      await page.getByRole('button', { name: '政策问答' }).click();
      const toggle = page.getByRole('button', { name: '关闭' });
      assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
      const frame = page.frameLocator('iframe[title="上海人才政策助手"]');
      await frame.getByLabel('您的问题').fill('你好');
      await frame.getByRole('button', { name: '发送' }).click();
      await frame.locator('.msg.bot').nth(1).waitFor();
      await toggle.click();
      assert.equal(await page.locator('iframe').isHidden(), true);
    } finally {
      await context.close();
      await new Promise((r) => host.close(r));
    }
  });
});

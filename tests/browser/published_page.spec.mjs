// A published page on a phone (issue 5, N5.2, N7.6): a demo node (`init --demo` publishes its sites at
// seed), the guard (`sitewarden guard`, public port picked by the kernel on 127.0.0.1, stopped by PID)
// serving the live release of 南京工会网, Chromium at 375×812 resolving the site's domain to the
// guard (--host-resolver-rules), so the request carries the site's Host as a visitor's would. After
// scrolling to the bottom the identity footer — the ICP number and the 12351 hotline among it — is
// in the viewport, the emblem heads the page, and nothing is wider than the screen. The screenshot
// is kept as the test's artifact (SITEWARDEN_PUBLISHED_SCREENSHOT).
//
// Usage: node published_page.spec.mjs   (env SITEWARDEN_BIN, CHROMIUM; run by run_published.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BIN = process.env.SITEWARDEN_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOT = process.env.SITEWARDEN_PUBLISHED_SCREENSHOT || path.join(tmpdir(), 'published-page-375.png');
const STEP_MS = 15_000;
const START_MS = 20_000;
const DOMAIN = 'njgh.org.cn';  // 南京工会网's domain in the demo register

let dir, guard, browser, baseUrl, article;

function run(bin, args) {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')}: ${r.status}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

before(async () => {
  if (!BIN || !existsSync(BIN)) throw new Error(`SITEWARDEN_BIN must name the binary (got ${BIN})`);
  dir = mkdtempSync(path.join(tmpdir(), 'sitewarden-published-'));
  const seeded = run(BIN, ['init', '--data-dir', path.join(dir, 'node'), '--demo']);
  assert.match(seeded, /Published 南京工会网/, 'the demo publishes 南京工会网 at seed');
  assert.match(seeded, /Not published 苏州工会网.*publish\.footer_incomplete/, 'the footer gate refuses 苏州工会网');
  const toml = path.join(dir, 'node', 'sitewarden.toml');
  const config = readFileSync(toml, 'utf8');
  // [guard] port 0 and admin_port 0: the kernel picks free ports; the guard prints them.
  const patched = config.replace(/(\[guard\][^[]*?\nport = )\d+/, '$10').replace(/(\[guard\][^[]*?\nadmin_port = )\d+/, '$10');
  assert.notEqual(patched, config, 'the [guard] port lines were found');
  writeFileSync(toml, patched);
  const port = await new Promise((resolve, reject) => {
    let log = '';
    guard = spawn(BIN, ['guard', '--config', toml], { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => reject(new Error(`no "sitewarden guard:" line within ${START_MS} ms:\n${log}`)), START_MS);
    guard.stdout.on('data', (c) => {
      log += c;
      const m = /sitewarden guard: http:\/\/127\.0\.0\.1:(\d+)\//.exec(log);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    guard.stderr.on('data', (c) => { log += c; });
    guard.on('exit', (code) => { clearTimeout(timer); reject(new Error(`guard exited (${code}):\n${log}`)); });
  });
  baseUrl = `http://${DOMAIN}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--host-resolver-rules=MAP ${DOMAIN} 127.0.0.1:${port}`],
  });
  // The newest article, from the site's search index (through the guard).
  const context = await browser.newContext();
  const page = await context.newPage();
  const index = JSON.parse(await (await page.goto(`${baseUrl}/search-index.json`)).text());
  await context.close();
  article = index.items[0]?.u;
  assert.ok(article, 'the release has an article page');
});

after(async () => {
  await browser?.close();
  if (guard && guard.exitCode === null && guard.signalCode === null) {
    const exited = new Promise((r) => guard.once('exit', r));
    process.kill(guard.pid, 'SIGTERM');
    const gone = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
    if (!gone) process.kill(guard.pid, 'SIGKILL');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const which of ['article', 'home']) {
  test(`the ${which} page on a 375×812 phone shows the identity footer and does not overflow`, async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2,
      isMobile: true, hasTouch: true, locale: 'zh-CN' });
    context.setDefaultTimeout(STEP_MS);
    const page = await context.newPage();
    const response = await page.goto(baseUrl + (which === 'home' ? '/' : article));
    assert.equal(response.status(), 200);
    // The emblem heads the page (N5.1).
    const emblem = await page.locator('header img.emblem').boundingBox();
    assert.ok(emblem && emblem.y < 100, 'the emblem is at the head of the page');
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForTimeout(100);
    const footer = page.locator('footer.identity');
    const text = await footer.innerText();
    for (const item of ['南京市总工会', '苏ICP备06023456号-1', '12351', '210001']) {
      assert.ok(text.includes(item), `the footer shows ${item}: ${text}`);
    }
    const inView = await footer.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight + 1 && r.left >= 0 && r.right <= window.innerWidth + 1;
    });
    assert.ok(inView, 'the whole footer is inside the viewport after scrolling to the bottom');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal overflow (scrollWidth exceeds the viewport by ${overflow} px)`);
    if (which === 'article') await page.screenshot({ path: SHOT, fullPage: false });
    await context.close();
  });
}

// A published page on a phone (issue 5, N5.2, N7.6): a demo node (`init --demo` publishes its sites at
// seed), the live release of 南京工会网 written out by publish_export_release (every file verified
// against the signed manifest) and served by a tiny static server on a kernel-picked loopback port,
// opened in Chromium at 375×812. After scrolling to the bottom the identity footer — the ICP number
// and the 12351 hotline among it — is in the viewport, the emblem heads the page, and nothing is wider
// than the screen. The screenshot is kept as the test's artifact (SITEWARDEN_PUBLISHED_SCREENSHOT).
//
// Usage: node published_page.spec.mjs   (env SITEWARDEN_BIN, PUBLISH_EXPORT_BIN, CHROMIUM; run by
// run_published.sh). The guard (helper C) serves releases in production; this test reads the release
// itself so it does not depend on it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BIN = process.env.SITEWARDEN_BIN;
const EXPORT = process.env.PUBLISH_EXPORT_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOT = process.env.SITEWARDEN_PUBLISHED_SCREENSHOT || path.join(tmpdir(), 'published-page-375.png');
const STEP_MS = 15_000;
const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.xml': 'application/xml', '.json': 'application/json', '.png': 'image/png', '.jpg': 'image/jpeg' };

let dir, server, browser, baseUrl, article;

function run(bin, args) {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')}: ${r.status}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

before(async () => {
  for (const [name, bin] of [['SITEWARDEN_BIN', BIN], ['PUBLISH_EXPORT_BIN', EXPORT]]) {
    if (!bin || !existsSync(bin)) throw new Error(`${name} must name the binary (got ${bin})`);
  }
  dir = mkdtempSync(path.join(tmpdir(), 'sitewarden-published-'));
  const seeded = run(BIN, ['init', '--data-dir', path.join(dir, 'node'), '--demo']);
  assert.match(seeded, /Published 南京工会网/, 'the demo publishes 南京工会网 at seed');
  assert.match(seeded, /Not published 苏州工会网.*publish\.footer_incomplete/, 'the footer gate refuses 苏州工会网');
  const exported = JSON.parse(run(EXPORT, [path.join(dir, 'node', 'sitewarden.toml'), '南京工会网', path.join(dir, 'www')]));
  article = exported.article;
  assert.ok(article, 'the release has an article page');
  const root = path.join(dir, 'www');
  server = createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (p.endsWith('/')) p += 'index.html';
    const file = path.join(root, path.normalize(p));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r()));
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

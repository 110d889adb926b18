// Browser walk of the WAF and monitor pages (issues 6 and 7) on a fresh demo node (its demo WAF events
// and monitor findings, marked as demo data): 南京工会网's site administrator opens 监测 and sees the
// province-wide findings the grant covers, the site's monitor page with its dead links (page and anchor
// text), the incident timeline and the link history sparkline, then the site's WAF page with the demo
// events (the XSS attempt shown as text), and adds an exclusion from an event through the confirmation
// page; the exclusion is listed afterwards.
//
// Usage: node monitoring.spec.mjs   (env SITEWARDEN_BIN, CHROMIUM as for console.spec.mjs; run.sh sets
// them). Steps depend on each other, so they run in order on one server and one browser.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, personOn, pathOf, READY } from './person.mjs';

const BIN = process.env.SITEWARDEN_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let session;  // the demo node and the browser (person.mjs)
let page;
let submit, errorText, noticeText, firstLogin, logout;

before(async () => {
  session = await startSession(BIN, 'sitewarden-monitoring-', CHROMIUM);
  page = session.page;
  ({ submit, errorText, noticeText, firstLogin, logout } = personOn(page));
});

after(async () => {
  await session?.stop();
});

let sitePath;  // /sites/{id} of 南京工会网

test('the site administrator sees the findings the grant covers', async () => {
  await firstLogin('nj-admin');
  await Promise.all([page.waitForNavigation(READY), page.click('header nav a[href="/monitor"]')]);
  assert.match(await page.textContent('h1'), /监测发现/);
  const findings = await page.textContent('#monitor-findings');
  assert.match(findings, /njgh\.org\.cn\/old\/notice-1\.html/, 'Nanjing\'s dead-link finding');
  assert.doesNotMatch(findings, /jsgh\.org\.cn:443|example-casino/, 'the province site\'s findings are outside the grant');
  const link = page.locator('#monitor-findings a', { hasText: '南京工会网' }).first();
  await Promise.all([page.waitForNavigation(READY), link.click()]);
  assert.match(pathOf(page), /^\/sites\/\d+\/monitor$/);
  sitePath = pathOf(page).replace(/\/monitor$/, '');
  assert.match(await page.textContent('h1'), /网站监测 · 南京工会网/);
  assert.match(await page.textContent('#monitor-dead-links'), /往期通知（演示数据）1/, 'dead link with its anchor text');
  assert.match(await page.textContent('#monitor-dead-links'), /news\/index\.html/, 'and its page');
  assert.equal(await page.locator('#monitor-link-history svg polyline').count(), 1, 'the sparkline');
  assert.match(await page.textContent('#monitor-incidents'), /故障开始/, 'the incident timeline');
  await page.fill('#monitor-allow-form input[name=host]', 'www.gov.cn');
  await submit('#monitor-allow-form');
  assert.match(await noticeText(), /已加入外链白名单/, `error: ${await errorText()}`);
  assert.match(await page.textContent('#monitor-allowlist'), /www\.gov\.cn/);
});

test('the WAF page shows the events and an exclusion is added from one', async () => {
  await page.goto(`${sitePath}/waf`, READY);
  assert.match(await page.textContent('h1'), /网站防火墙 · 南京工会网/);
  const events = await page.textContent('#waf-events');
  assert.match(events, /203\.0\.113\.45/);
  assert.match(events, /<script>alert\(1\)<\/script>/, 'the matched data is shown as text');
  assert.equal(await page.locator('#waf-events script').count(), 0, 'and never as markup');
  assert.match(await page.textContent('#waf-top-rules'), /942100/);
  const row = page.locator('#waf-events tr', { hasText: '/search' }).first();
  await Promise.all([page.waitForNavigation(READY), row.locator('a', { hasText: '添加排除' }).first().click()]);
  assert.match(await page.textContent('h1'), /添加规则排除/);
  assert.equal(await page.inputValue('#waf-exclusion-confirm input[name=rule]'), '942100');
  assert.equal(await page.inputValue('#waf-exclusion-confirm input[name=path]'), '/search');
  await page.fill('#waf-exclusion-confirm input[name=variable]', 'ARGS:q');
  await submit('#waf-exclusion-confirm form');
  assert.match(await noticeText(), /规则排除已添加/, `error: ${await errorText()}`);
  assert.match(await page.textContent('#waf-exclusions'), /942100[\s\S]*\/search[\s\S]*ARGS:q/);
  assert.match(await page.textContent('#waf-settings'), /本网站使用单独设置/);
  await logout();
});

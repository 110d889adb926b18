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
import { createHmac } from 'node:crypto';
import { chromium } from 'playwright-core';
import { startDemoNode } from './demo_node.mjs';

const BIN = process.env.SITEWARDEN_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DEMO_PASSWORD = 'Su-Gonghui#2026';
const NEW_PASSWORD = 'Lanse-Haian#7391';
const STEP_MS = 15_000;

// --- RFC 6238 TOTP, as the person's authenticator app computes it ---------------------------------

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const ch of text.replace(/[\s=]/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function totp(secret) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

// --- the server and the browser -------------------------------------------------------------------

let node;  // the demo node (demo_node.mjs)
let browser;
let context;
let page;

before(async () => {
  node = await startDemoNode(BIN, 'sitewarden-monitoring-');
  const baseUrl = node.baseUrl;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext({ baseURL: baseUrl, locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
  context.setDefaultTimeout(STEP_MS);
  page = await context.newPage();
});

after(async () => {
  const errors = [];
  for (const step of [() => browser?.close(), () => node?.stop()]) {
    try { await step(); } catch (e) { errors.push(e); }
  }
  if (errors.length) throw errors[0];
});

// --- what a person does ----------------------------------------------------------------------------

const pathOf = (p) => new URL(p.url()).pathname;

// Pages with an article show its body in a sandboxed srcdoc frame; the page is ready when its own
// document is, whatever the frame does.
const READY = { waitUntil: 'domcontentloaded' };

// The article's body frame loads after the page's own document and can move what is below it; a
// person clicks once the page has settled, so the click waits for the load event too.
async function submit(form) {
  await page.waitForLoadState('load');
  await Promise.all([page.waitForNavigation(READY), page.click(`${form} button[type=submit]`)]);
}

async function errorText() {
  const e = await page.$('.error');
  return e ? (await e.textContent()).trim() : '(none)';
}

async function noticeText() {
  const e = await page.$('.notice');
  return e ? (await e.textContent()).trim() : '(none)';
}

// First login of a demo account: password, TOTP enrolment, password change; ends on the home page.
async function firstLogin(username) {
  await page.goto('/login');
  await page.fill('#username', username);
  await page.fill('#password', DEMO_PASSWORD);
  await submit('form[action="/login"]');
  assert.equal(pathOf(page), '/account/totp', `${username}: TOTP enrolment comes after the password`);
  const secret = (await page.textContent('#totp-secret')).trim();
  await page.fill('#code', totp(secret));
  await submit('form[action="/account/totp"]');
  assert.equal(pathOf(page), '/account/password', `${username}: then the password change`);
  await page.fill('#current', DEMO_PASSWORD);
  await page.fill('#new', NEW_PASSWORD);
  await page.fill('#confirm', NEW_PASSWORD);
  await submit('form[action="/account/password"]');
  assert.equal(pathOf(page), '/', `${username}: lands on the home page; error: ${await errorText()}`);
}

async function logout() {
  await submit('header form[action="/logout"]');
  assert.equal(pathOf(page), '/login');
}

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

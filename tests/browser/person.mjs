// What a person does in the console, shared by the browser walks (workflow.spec.mjs, monitoring.spec.mjs):
// a demo node and a Chromium on it (started and stopped by the test), the authenticator app's RFC 6238
// TOTP, and the steps every walk repeats — submit a form, read the error or notice, the first login of
// a demo account (password, TOTP enrolment, password change), log out.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { chromium } from 'playwright-core';
import { startDemoNode } from './demo_node.mjs';

export const DEMO_PASSWORD = 'Su-Gonghui#2026';
export const NEW_PASSWORD = 'Lanse-Haian#7391';
export const STEP_MS = 15_000;

// Pages with an article show its body in a sandboxed srcdoc frame; the page is ready when its own
// document is, whatever the frame does.
export const READY = { waitUntil: 'domcontentloaded' };

export const pathOf = (p) => new URL(p.url()).pathname;

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

export function totp(secret) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

// --- the server and the browser -------------------------------------------------------------------

// A fresh demo node (temp dir `prefix`…) and a headless Chromium with one zh-CN page on it.
// stop() closes the browser and stops the node, both attempted even when one fails.
export async function startSession(bin, prefix, chromiumPath) {
  const node = await startDemoNode(bin, prefix);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ baseURL: node.baseUrl, locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  return {
    node, browser, context, page,
    async stop() {
      const errors = [];
      for (const step of [() => browser.close(), () => node.stop()]) {
        try { await step(); } catch (e) { errors.push(e); }
      }
      if (errors.length) throw errors[0];
    },
  };
}

// --- what a person does ----------------------------------------------------------------------------

export function personOn(page) {
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

  return { submit, errorText, noticeText, firstLogin, logout };
}

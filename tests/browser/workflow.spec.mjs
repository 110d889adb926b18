// Browser walk of the review workflow (issue 4, N3.1/N3.2): three different people in a real
// Chromium on a fresh demo node — an editor of 南京工会网 writes an article in Chinese and submits
// it; a content reviewer (信息审核) opens the queue, sees the scanner's findings highlighted in the
// text and approves with a justification; a secrecy reviewer (保密审查) approves; the article ends
// 已审核. Assertions are on what the pages show.
//
// Usage: node workflow.spec.mjs   (env SITEWARDEN_BIN, CHROMIUM as for console.spec.mjs; run.sh
// sets them). Steps depend on each other, so they run in order on one server and one browser.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startSession, personOn, pathOf, READY } from './person.mjs';

const BIN = process.env.SITEWARDEN_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const TITLE = '关于举办全市职工技能大赛的通知';
// A secret marking the scanner flags as critical: the reviewers must see it and justify approving.
const BODY = '<p>各区总工会：定于十二月举办全市职工技能大赛。</p><p>附件为赛事方案（内部资料，注意保存）。</p>';

let session;  // the demo node and the browser (person.mjs)
let page;
let submit, errorText, noticeText, firstLogin, logout;

before(async () => {
  session = await startSession(BIN, 'sitewarden-workflow-', CHROMIUM);
  page = session.page;
  ({ submit, errorText, noticeText, firstLogin, logout } = personOn(page));
});

after(async () => {
  await session?.stop();
});

let articlePath;

test('an editor writes an article in Chinese and submits it', async () => {
  await firstLogin('nj-editor');
  await Promise.all([page.waitForNavigation(READY), page.click('header nav a[href="/articles"]')]);
  assert.match(await page.textContent('h1'), /稿件 · 南京工会网/);
  assert.match(await page.textContent('main'), /工会要闻/, 'the column tree');
  await page.fill('#a-title', TITLE);
  await page.fill('#a-summary', '全市职工技能大赛报名通知');
  await page.fill('#a-body', BODY);
  await page.fill('#a-byline', '南京工会网记者 吴编辑');
  await page.fill('#a-source', '南京工会网');
  await submit('form[action^="/articles?site="]');
  assert.match(pathOf(page), /^\/articles\/\d+$/, `the new article's page; error: ${await errorText()}`);
  articlePath = pathOf(page);
  assert.equal((await page.textContent('h1')).includes(TITLE), true);
  assert.match(await noticeText(), /稿件已创建/);
  assert.match(await page.textContent('h1 .badge'), /草稿/);

  // A real click on 提交审核. It used to be dropped now and then: the body preview was a sandboxed
  // frame with an opaque origin, which Chromium puts in a process of its own, and the click was routed
  // there (no event reached the page); the frame now stays in the page's process (allow-same-origin,
  // still without scripts).
  await submit(`form[action="${articlePath}/submit"]`);
  assert.match(await noticeText(), /稿件已提交审核/);
  assert.match(await page.textContent('h1 .badge'), /已提交/);
  assert.match(await page.textContent('main'), /内部资料/, 'the editor sees the findings too');
  await logout();
});

test('a content reviewer sees the findings in context and approves with a justification', async () => {
  await firstLogin('nj-reviewer');
  await Promise.all([page.waitForNavigation(READY), page.click('header nav a[href="/review"]')]);
  assert.match(await page.textContent('h1'), /审核队列 · 南京工会网 · 信息审核/);
  const row = page.locator('tr', { hasText: TITLE });
  assert.match(await row.textContent(), /严重|高/, 'the highest severity of the item');
  await Promise.all([page.waitForNavigation(READY), row.locator('a').first().click()]);
  assert.match(pathOf(page), /^\/review\/\d+$/);
  const marks = await page.$$eval('table.findings mark', (ms) => ms.map((m) => m.textContent));
  assert.ok(marks.some((m) => m.includes('内部资料')), `the matched text is highlighted: ${marks}`);
  assert.match(await page.textContent('label[for="r-justification"]'), /必须填写/);

  await page.fill('#r-justification', '"内部资料"为赛事方案的原有标注，方案本身已经市总工会批准公开。');
  await submit(`form[action$="/approve"]`);
  assert.match(await noticeText(), /已审核通过/, `error: ${await errorText()}`);
  assert.match(await page.textContent('h1'), /待保密审查/);
  // The review records show the reviewer's real name (郑审核 is nj-reviewer, the site's named
  // content reviewer in the demo register).
  assert.match(await page.textContent('main'), /郑审核/, 'the reviewer is named in the history');
  await logout();
});

test('a secrecy reviewer approves and the article ends 已审核', async () => {
  await firstLogin('nj-secrecy');
  await page.goto('/review', READY);
  assert.match(await page.textContent('h1'), /保密审查/);
  const row = page.locator('tr', { hasText: TITLE });
  await Promise.all([page.waitForNavigation(READY), row.locator('a').first().click()]);
  await page.fill('#r-justification', '已核实，无涉密内容。');
  await submit(`form[action$="/approve"]`);
  assert.match(await noticeText(), /已审核通过/, `error: ${await errorText()}`);

  await page.goto(articlePath, READY);
  assert.match(await page.textContent('h1 .badge'), /^已审核$/);
  const history = await page.textContent('main');
  for (const who of ['郑审核', '孙保密']) assert.match(history, new RegExp(who), `${who} in the review records`);
  assert.match(history, /登记的审核人员/, 'the records say the named reviewers decided');
  await logout();
});

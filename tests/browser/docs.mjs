// The docs page in a real browser (Debian's Chromium, driven by playwright-core):
// served under a host name that is not localhost, Swagger UI renders from the
// server alone and makes no outside request; logging in with the example body,
// Authorize with the token, and "Try it out" work; the authorization survives
// a reload.
//
//   node docs.mjs PORT        (a demo server listens on 127.0.0.1:PORT)
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const port = process.argv[2];
const host = "gridline.example";
const origin = `http://${host}:${port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // Only our host resolves, to the server; any other would be recorded below.
    `--host-resolver-rules=MAP ${host} 127.0.0.1`,
  ],
});
const context = await browser.newContext();
const outside = [];
context.on("request", (request) => {
  const url = new URL(request.url());
  if (!["data:", "blob:"].includes(url.protocol) && url.origin !== origin) outside.push(request.url());
});
const page = await context.newPage();
const pageErrors = [];
page.on("pageerror", (error) => pageErrors.push(String(error)));

/** Opens an operation, fills its body (else keeps the example), runs it, answers status and body. */
async function tryOut(operationId, tag, { body } = {}) {
  const op = page.locator(`#operations-${tag}-${operationId}`);
  await op.scrollIntoViewIfNeeded();
  if (!(await op.locator(".opblock-body").count())) await op.locator(".opblock-summary").first().click();
  const tryButton = op.locator("button.try-out__btn");
  if ((await tryButton.innerText()).trim() === "Try it out") await tryButton.click();
  if (body !== undefined) await op.locator("textarea.body-param__text").fill(body);
  await op.locator("button.execute").click();
  const status = op.locator(".live-responses-table tbody .response-col_status").first();
  await status.waitFor({ timeout: 15000 });
  const code = Number((await status.innerText()).trim());
  const text = await op.locator(".live-responses-table .response-col_description pre.microlight").first().innerText();
  await op.locator("button.btn-clear").click();
  return { code, text };
}

async function loadDocs() {
  await page.goto(`${origin}/docs/`);
  await page.locator("#operations-auth-log_in").waitFor({ timeout: 20000 });
}

await loadDocs();
assert.equal(await page.locator(".info .title").first().innerText().then((t) => t.startsWith("Gridline")), true);

// The example body as it stands: worker1 with the demo password.
const login = await tryOut("log_in", "auth");
assert.equal(login.code, 200, login.text);
const token = JSON.parse(login.text).access_token;
assert.ok(token, "the answer carries an access token");

// Without authorization the caller is nobody.
const anonymous = await tryOut("get_me", "me");
assert.equal(anonymous.code, 401, anonymous.text);

await page.locator("button.authorize").first().click();
const bearer = page.locator(".modal-ux form").filter({ hasText: "bearer (http, Bearer)" });
await bearer.locator("input").first().fill(token);
await bearer.locator("button.authorize").click();
await bearer.getByText("Authorized").waitFor();
await bearer.locator("button.btn-done").click();

const me = await tryOut("get_me", "me");
assert.equal(me.code, 200, me.text);
assert.equal(JSON.parse(me.text).user.username, "worker1");

// The report example, sent as it is, files a case.
const report = await tryOut("report_case", "cases");
assert.equal(report.code, 201, report.text);
assert.equal(JSON.parse(report.text).status, "reported");

// persistAuthorization: after a reload the token is still used.
await loadDocs();
const again = await tryOut("get_me", "me");
assert.equal(again.code, 200, again.text);

await browser.close();
assert.deepEqual(outside, [], "the page requested nothing outside the server");
assert.deepEqual(pageErrors, [], "the page ran without script errors");
console.log(`docs page: rendered under ${origin}, log in → Authorize → try it out → reload all worked, no outside request`);

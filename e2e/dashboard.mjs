// Browser test of the Kasir dashboard, run by `go test ./cmd/kasir -run
// TestDashboardBrowser`, which starts the gateway, prepares the orders
// between the two phases and checks the outcome. Each phase prints one JSON
// object as its last line of output.
//
//   node e2e/dashboard.mjs operator   sign in as the operator, create a merchant and its user
//   node e2e/dashboard.mjs merchant   as that merchant: find the payout, read why its
//                                     notification failed, resend it, see it succeed;
//                                     refund a payment; download a report; fail to open
//                                     another merchant's order by URL
//   node e2e/dashboard.mjs tour       the operator's pages once there are orders
//
// Settings come from the environment (see browser_test.go); KASIR_SHOTS is a
// directory for screenshots.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const env = process.env;
const base = env.KASIR_URL;
const phase = process.argv[2];

const browser = await chromium.launch({
  executablePath: env.KASIR_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 860 } });
const page = await context.newPage();
page.setDefaultTimeout(15000);
page.on("dialog", (d) => d.accept()); // the confirm() of refund and similar buttons

function log(...args) { console.error(`[${phase}]`, ...args); }

async function shot(name, opts = {}) {
  if (!env.KASIR_SHOTS) return;
  await page.screenshot({ path: path.join(env.KASIR_SHOTS, `${name}.png`), fullPage: true, ...opts });
}

// submit clicks a button that submits a form and waits for the next page.
async function submit(selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(selector)]);
}

async function login(email, password) {
  await page.goto(`${base}/dashboard/`);
  assert.match(page.url(), /\/dashboard\/login/, "an anonymous visit goes to the sign-in page");
  await page.fill("input[name=email]", email);
  await page.fill("input[name=password]", "wrong password here");
  await submit("button[type=submit]");
  assert.match(await page.textContent("main"), /Wrong email or password/);
  await page.fill("input[name=password]", password);
  await submit("button[type=submit]");
  assert.doesNotMatch(page.url(), /\/login/, `signed in as ${email}`);
  log("signed in as", email, "at", page.url());
}

async function operator() {
  await login(env.OPERATOR_EMAIL, env.OPERATOR_PASSWORD);
  assert.match(page.url(), /\/dashboard\/console$/, "operators land on the console");

  await page.goto(`${base}/dashboard/console/merchants`);
  await page.fill("#merchant-name", env.MERCHANT_NAME);
  await page.fill("#merchant-notify", env.MERCHANT_NOTIFY_URL);
  await page.fill("#merchant-key", env.MERCHANT_PEM);
  await submit("#create-merchant button[type=submit]");
  const appId = (await page.textContent("#new-app-id")).trim();
  const merchantId = (await page.textContent("#new-merchant-id")).trim();
  assert.ok(appId && merchantId, "the new merchant's appId and id are shown");
  log("created merchant", merchantId, "app", appId);

  await page.fill("#user-email", env.MERCHANT_EMAIL);
  await page.fill("#user-password", env.MERCHANT_PASSWORD);
  await submit("#create-user button[type=submit]");
  assert.match(await page.textContent("#merchant-users"), new RegExp(env.MERCHANT_EMAIL.replace(".", "\\.")));
  await shot("console-merchant");

  await page.goto(`${base}/dashboard/console/merchants`);
  assert.match(await page.textContent("#merchants"), new RegExp(env.MERCHANT_NAME));
  await shot("console-merchants");
  return { merchantId, appId };
}

async function merchant() {
  await login(env.MERCHANT_EMAIL, env.MERCHANT_PASSWORD);
  assert.match(page.url(), /\/dashboard\/orders$/, "merchant users land on their transactions");
  assert.ok(await page.isVisible(`#orders tr[data-tx="${env.PAYOUT_TX}"]`), "the payout is listed");
  assert.equal(await page.locator(`#orders tr[data-tx="${env.OTHER_TX}"]`).count(), 0, "another merchant's payout is not");
  await shot("orders");

  // Find the payout by its mchOrderId: one match opens its page.
  await page.fill("#filter-q", env.PAYOUT_ORDER);
  await submit("#filter-apply");
  assert.equal(await page.getAttribute("h1#order", "data-tx"), env.PAYOUT_TX);
  const failed = page.locator('#timeline li[data-kind=attempt][data-ok=false]');
  assert.equal(await failed.count(), 1, "one failed notification attempt");
  const why = await failed.first().textContent();
  assert.match(why, /503/, "the attempt shows the HTTP status");
  assert.match(why, /maintenance window/, "and the merchant endpoint's answer");
  await shot("order-notification-failed");

  await submit("#resend");
  assert.match(await page.textContent("main"), /queued/i, "the resend is confirmed");
  let resent = false;
  for (let i = 0; i < 40 && !resent; i++) { // bounded: 40 reloads half a second apart
    await page.waitForTimeout(500);
    await page.reload();
    resent = (await page.locator('#timeline li[data-kind=attempt][data-ok=true]').count()) > 0;
  }
  assert.ok(resent, "the resent notification's attempt succeeded");
  await shot("order-timeline");

  // Refund part of the paid payment.
  await page.goto(`${base}/dashboard/orders/${env.PAYMENT_TX}`);
  await page.fill("#refund-amount", "10.00");
  await page.fill("#refund-reason", "one item out of stock");
  await submit("#refund");
  await page.goto(`${base}/dashboard/orders/${env.PAYMENT_TX}`);
  const refunds = await page.locator("#refunds tr[data-tx]").count();
  assert.equal(refunds, 1, "the refund is listed on the payment");
  await shot("order-refund");

  // Download the day's payout report.
  await page.goto(`${base}/dashboard/reports`);
  await page.fill("#report-date", env.REPORT_DATE);
  await page.selectOption("#report-type", "payout");
  await page.selectOption("#report-country", "PH");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#report-download")]);
  const file = await download.path();
  const report = fs.readFileSync(file, "utf8");
  assert.match(report, new RegExp(env.PAYOUT_ORDER), "the report lists the payout");
  await shot("reports");

  await page.goto(`${base}/dashboard/balances`);
  await shot("balances");
  await page.goto(`${base}/dashboard/developers`);
  await shot("developers");

  // Another merchant's order by URL: not found, and nothing of it shown.
  const resp = await page.goto(`${base}/dashboard/orders/${env.OTHER_TX}`);
  assert.equal(resp.status(), 404, "another merchant's order is not found");
  assert.doesNotMatch(await page.content(), new RegExp(env.OTHER_ORDER), "and its mchOrderId does not appear");

  // Phone-sized screen: the transactions page still works.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/dashboard/orders`);
  assert.ok(await page.isVisible("#orders"), "the transactions table shows on a phone");
  await shot("orders-phone");

  await submit("form.logout button[type=submit]");
  assert.match(page.url(), /\/dashboard\/login/, "signed out");
  return { refunds, report, resent };
}

// tour: the operator's pages once there are orders, for their charts and
// tables (and the screenshots in docs/).
async function tour() {
  await login(env.OPERATOR_EMAIL, env.OPERATOR_PASSWORD);
  await submit("#ledger-check");
  assert.equal(await page.getAttribute("#ledger-status", "data-status"), "balanced", "the ledger check passes");
  const bars = await page.locator("#chart-orders rect.bar").count();
  assert.ok(bars > 0, "the orders chart has bars");
  await shot("console-overview");
  await page.goto(`${base}/dashboard/console/outbox`);
  assert.ok(await page.isVisible(`#endpoints tr[data-url="${env.MERCHANT_NOTIFY_URL}"]`), "the merchant's endpoint is listed");
  await shot("console-outbox");
  await page.goto(`${base}/dashboard/console/channels`);
  await shot("console-channels");
  await page.goto(`${base}/dashboard/orders`);
  const rows = await page.locator("#orders tr[data-tx]").count();
  assert.ok(rows >= 3, "operators see every merchant's orders");
  await shot("orders-operator");
  return { bars, rows };
}

let result;
try {
  if (phase === "operator") result = await operator();
  else if (phase === "tour") result = await tour();
  else if (phase === "merchant") result = await merchant();
  else throw new Error(`unknown phase ${phase}`);
} catch (err) {
  await shot(`failure-${phase}`).catch(() => {});
  log("page at failure:", page.url());
  throw err;
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));

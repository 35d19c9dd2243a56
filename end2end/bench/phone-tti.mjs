// Usage: BASE_URL=… ROSTER_LOG=<server log> node end2end/bench/phone-tti.mjs [runs: 5]
// Time to interactive of /users on a phone (`make bench`, never a test): Chromium with its CPU
// slowed 4× and DevTools' "Fast 3G" network (562.5 ms latency, 1.44 Mbit/s down, 675 kbit/s
// up), a fresh cache each run, signed in as the demo company's owner. A run is the time from
// navigation until the table is interactive: the page hydrated and the first row's checkbox
// ticks when clicked. Prints each run, the median and what the page downloaded.
import { chromium } from "@playwright/test";
import { readFileSync } from "node:fs";

const base = process.env.BASE_URL ?? "http://127.0.0.1:3000";
const runs = Number(process.argv[2] ?? 5);
const log = readFileSync(process.env.ROSTER_LOG ?? "", "utf8");
const email = /email:\s+(\S+)/.exec(log)?.[1];
const password = /password:\s+(\S+)/.exec(log)?.[1];
if (!email || !password) throw new Error("phone-tti: the server log names no demo owner (start it with ROSTER_DEMO=1)");

const FAST_3G = { offline: false, latency: 562.5, downloadThroughput: (1.44e6 / 8) * 0.9, uploadThroughput: (675e3 / 8) * 0.9 };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
});

// One session cookie, reused by every run's fresh context (its own empty cache).
const signIn = await browser.newContext();
const page = await signIn.newPage();
await page.goto(`${base}/login`);
await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
await page.getByLabel("Email").fill(email);
await page.getByLabel("Password").fill(password);
await page.getByRole("button", { name: "Sign in" }).click();
await page.waitForURL(/\/users/);
const cookies = await signIn.cookies();
await signIn.close();

const times = [];
let downloads = null;
for (let run = 1; run <= runs; run++) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await context.addCookies(cookies);
  const tab = await context.newPage();
  const cdp = await context.newCDPSession(tab);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  await cdp.send("Network.emulateNetworkConditions", FAST_3G);
  const files = new Map();
  cdp.on("Network.loadingFinished", ({ requestId, encodedDataLength }) => files.set(requestId, encodedDataLength));

  const started = Date.now();
  await tab.goto(`${base}/users`, { waitUntil: "commit" });
  await tab.locator("body[data-hydrated]").waitFor({ state: "attached", timeout: 120_000 });
  const first = tab.getByRole("checkbox", { name: /^Select (?!all on this page)/ }).first();
  await first.click({ timeout: 120_000 });
  await tab.waitForFunction((box) => box.checked, await first.elementHandle(), { timeout: 120_000 });
  const ms = Date.now() - started;
  times.push(ms);
  downloads ??= { requests: files.size, bytes: [...files.values()].reduce((a, b) => a + b, 0) };
  console.log(`run ${run}: ${(ms / 1000).toFixed(2)} s`);
  await context.close();
}
await browser.close();

times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(
  `/users on a phone (4× CPU slowdown, Fast 3G, fresh cache): median ${(median / 1000).toFixed(2)} s of ${runs} runs ` +
    `(goal ≤ 2.50 s); the first run downloaded ${downloads.requests} responses, ${(downloads.bytes / 1024).toFixed(1)} KB on the wire`,
);

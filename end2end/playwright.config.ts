import { defineConfig } from "@playwright/test";

// The Makefile builds Roster, starts it on a temporary database and sets BASE_URL.
export default defineConfig({
  testDir: "./tests",
  outputDir: "./test-results",
  // Generous: a 2-core CI machine loads the debug WASM in every new browser context, and the
  // longest stories (sign up, arrange, then a second person in their own browser) take 40 s
  // there on a quiet machine. A hang still fails; waits inside a test stay on `expect`'s 10 s.
  timeout: 120_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  // A flaky test is a bug to force and fix, never a retry.
  retries: 0,
  reporter: [["list"]],
  globalSetup: "./global-setup.ts",
  use: {
    baseURL: process.env.BASE_URL ?? "http://127.0.0.1:3000",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "desktop", use: { viewport: { width: 1280, height: 800 } } },
    { name: "phone", use: { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true } },
  ],
});

import { readFileSync } from "node:fs";

// Waits until the server answers (the Makefile starts it just before the tests), then reads
// the demo owner's one-time credentials from its log for the tests that use the demo company.
export default async function globalSetup() {
  const bases = [process.env.BASE_URL ?? "http://127.0.0.1:3000"];
  // live.spec.ts's second instance, under `make test-e2e-postgres`.
  if (process.env.BASE_URL_B) bases.push(process.env.BASE_URL_B);
  const deadline = Date.now() + 120_000;
  for (const base of bases) {
    for (;;) {
      try {
        const response = await fetch(`${base}/login`);
        if (response.ok) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`Roster did not answer at ${base} within 2 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  if (process.env.ROSTER_LOG) {
    const log = readFileSync(process.env.ROSTER_LOG, "utf8");
    const email = /email:\s+(\S+)/.exec(log)?.[1];
    const password = /password:\s+(\S+)/.exec(log)?.[1];
    if (email && password) {
      process.env.DEMO_EMAIL = email;
      process.env.DEMO_PASSWORD = password;
    }
  }
}

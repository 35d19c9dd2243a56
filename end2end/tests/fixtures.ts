import { test as base, expect } from "@playwright/test";

/**
 * Playwright's `test`, failing any test whose page's WASM panicked. A panic in the browser
 * is a bug even when the page looks right: it leaves the WASM's task queue broken (a
 * "RefCell already borrowed" follows), so what the page does next may never happen.
 */
export const test = base.extend<{ noPanics: void }>({
  noPanics: [
    async ({ context }, use) => {
      const panics: string[] = [];
      context.on("console", (message) => {
        if (message.type() === "error" && message.text().includes("panicked at")) {
          panics.push(message.text().split("\n\nStack")[0]);
        }
      });
      await use();
      expect(panics, "the page's WASM panicked").toEqual([]);
    },
    { auto: true },
  ],
});

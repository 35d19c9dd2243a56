import AxeBuilder from "@axe-core/playwright";
import { expect, Page, TestInfo } from "@playwright/test";
import { test } from "./fixtures";
import { hydrated, screenshot, signInAsDemoOwner } from "./helpers";

/** Runs axe's WCAG 2 A and AA rules (colour contrast among them) on what the page shows now. */
async function expectNoViolations(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  const found = results.violations.map((v) => ({
    rule: v.id,
    help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary ?? ""}`),
  }));
  expect(found, `${where}: ${JSON.stringify(found, null, 2)}`).toEqual([]);
}

for (const colorScheme of ["light", "dark"] as const) {
  test.describe(`with the device set to ${colorScheme}`, () => {
    test.use({ colorScheme });

    const shot = (page: Page, info: TestInfo, name: string) => screenshot(page, info, `${name}-${colorScheme}`);

    test(`the sign-in page passes axe in ${colorScheme}`, async ({ page }, info) => {
      await page.goto("/login");
      await hydrated(page);
      await expectNoViolations(page, "/login");
      await shot(page, info, "login");
    });

    test(`the users table, its Invite users dialog and the profile pass axe in ${colorScheme}`, async ({
      page,
    }, info) => {
      await signInAsDemoOwner(page);
      await expect(page.getByRole("table")).toBeVisible();
      await expectNoViolations(page, "/users");
      await shot(page, info, "users");

      await page.getByRole("button", { name: "Invite users" }).click();
      const dialog = page.getByRole("dialog", { name: "Invite users" });
      await expect(dialog).toBeVisible();
      await expectNoViolations(page, "the Invite users dialog");
      await shot(page, info, "invite-dialog");
      await page.keyboard.press("Escape");
      await expect(dialog).toBeHidden();

      for (const section of ["details", "devices"]) {
        await page.goto(`/profile#${section}`);
        await hydrated(page);
        await expect(page.getByRole("heading", { level: 1, name: "Profile" })).toBeAttached();
        await expectNoViolations(page, `/profile#${section}`);
        await shot(page, info, `profile-${section}`);
      }
    });
  });
}

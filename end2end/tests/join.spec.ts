import { readFileSync } from "fs";
import { expect } from "@playwright/test";
import { test } from "./fixtures";
import { emailedLink, hydrated, openNavigation, PASSWORD, screenshot, signIn, signUp, unique, uniqueEmail } from "./helpers";

// Two browsers, Settings, an emailed link and an approval: more steps than most tests.
test.setTimeout(120_000);

test("a visitor asks to join, confirms the email, and signs in once the owner approves", async ({ page, browser }, info) => {
  await signUp(page, unique("Chotchkies"), "Stan Manager", uniqueEmail("stan"));
  await openNavigation(page, info);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await hydrated(page);
  const allow = page.getByLabel("Allow people to ask to join");
  await expect(allow).not.toBeChecked();
  await allow.check();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Settings saved." })).toBeVisible();
  const joinLink = await page.getByLabel("Join link").inputValue();
  expect(joinLink).toMatch(/\/join\/[0-9a-f]+$/);
  await screenshot(page, info, "join-settings");

  // The visitor, in their own browser.
  const context = await browser.newContext();
  const visitor = await context.newPage();
  const name = unique("Joanna");
  const email = uniqueEmail("joanna");
  await visitor.goto(joinLink);
  await hydrated(visitor);
  await expect(visitor.getByRole("heading", { name: /Ask to join Chotchkies/ })).toBeVisible();
  await visitor.getByLabel("Name").fill(name);
  await visitor.getByLabel("Email").fill(email);
  await visitor.getByLabel("Password").fill(PASSWORD);
  await screenshot(visitor, info, "join-form");
  await visitor.getByRole("button", { name: "Ask to join" }).click();
  await expect(visitor.getByRole("status")).toContainText("Check your email to confirm your address");

  await visitor.goto(emailedLink(email, "join/verify"));
  await hydrated(visitor);
  await visitor.getByRole("button", { name: "Confirm my email address" }).click();
  await expect(visitor.getByRole("heading", { name: "Email confirmed" })).toBeVisible();
  await screenshot(visitor, info, "join-confirmed");

  await signIn(visitor, email);
  await expect(visitor.getByRole("alert")).toContainText("waiting for an admin's approval");
  await screenshot(visitor, info, "join-waiting");

  // The owner sees the badge and the request, and approves it.
  await page.goto("/users");
  await hydrated(page);
  await openNavigation(page, info);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /Users/ })).toContainText(
    "1 awaiting approval",
  );
  await screenshot(page, info, "join-badge");
  await page.getByRole("tab", { name: /Awaiting approval/ }).click();
  await expect(page).toHaveURL(/tab=awaiting/);
  await page.getByRole("checkbox", { name: `Select ${name}` }).check();
  // The request as CSV before deciding: "Export selected" on the approval bar.
  const requests = page.getByRole("region", { name: "Selected join requests" });
  const downloading = page.waitForEvent("download");
  await requests.getByRole("button", { name: "Export selected" }).click();
  const exported = readFileSync((await (await downloading).path())!, "utf8");
  expect(exported).toContain(email);
  expect(exported).toContain("Pending approval");
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(page.viewportSize()!.width);
  await screenshot(page, info, "join-requests-bar");
  await requests.getByRole("button", { name: "Approve" }).click();
  const dialog = page.getByRole("dialog", { name: "Approve requests" });
  await expect(dialog.getByLabel("Role")).toHaveValue(/\d+/);
  await screenshot(page, info, "join-approve-dialog");
  await dialog.getByRole("button", { name: "Approve 1 person" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: "Approved 1 person." })).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(name) })).toHaveCount(0);

  await signIn(visitor, email);
  await expect(visitor).toHaveURL(/\/home$/);
  await context.close();
});

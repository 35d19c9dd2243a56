import { expect } from "@playwright/test";
import { test } from "./fixtures";
import { openNavigation, screenshot, signUp, unique, uniqueEmail } from "./helpers";

test("the owner renames the company and sets how long invitations stay valid", async ({ page }, info) => {
  await signUp(page, unique("Prestige Worldwide"), "Dale Doback", uniqueEmail("dale"));
  await openNavigation(page, info);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();
  const renamed = unique("Prestige Worldwide Wide");
  await page.getByLabel("Company name").fill(renamed);
  await page.getByLabel("Invitation links are valid for (days)").fill("14");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Settings saved." })).toBeVisible();
  await expect(page.getByRole("banner")).toContainText(renamed);
  await screenshot(page, info, "settings");

  await page.reload();
  await expect(page.getByLabel("Invitation links are valid for (days)")).toHaveValue("14");

  await page.goto("/users");
  await page.getByRole("button", { name: "Invite users" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite users" });
  await dialog.getByLabel("Email addresses").fill(uniqueEmail("brennan"));
  await dialog.getByRole("button", { name: "Send invitations" }).click();
  await expect(dialog).toBeHidden();
  // As a person would: once the tabs count the invitation, open them, and wait for that view.
  const invited = page.getByRole("tab", { name: /Invited\s*1/ });
  await expect(invited).toBeVisible();
  await invited.click();
  await expect(page).toHaveURL(/tab=invited/);
  await expect(page.getByRole("row", { name: /brennan/ })).toContainText(/in 14 days|in 2 weeks/);
});

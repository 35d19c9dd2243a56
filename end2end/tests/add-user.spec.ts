import { expect } from "@playwright/test";
import { test } from "./fixtures";
import { emailedLink, hydrated, PASSWORD, screenshot, signUp, unique, uniqueEmail } from "./helpers";

test("an admin adds a user, finds them by search, and the user sets a password from the emailed link", async ({
  page,
  browser,
}, info) => {
  await signUp(page, unique("Wonka"), "Willy Wonka", uniqueEmail("willy"));
  const name = unique("Charlie Bucket");
  const email = uniqueEmail("charlie");

  await page.getByRole("button", { name: "Add user" }).click();
  const dialog = page.getByRole("dialog", { name: "Add user" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Email", { exact: true }).fill("not-an-email");
  await dialog.getByLabel("Job title").fill("Golden ticket holder");
  await screenshot(page, info, "add-user");
  // The browser checks the email's shape first; the server checks again.
  await dialog.getByLabel("Email", { exact: true }).fill(email);
  await dialog.getByLabel("Phone").fill("call me");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.getByLabel("Phone")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByLabel("Phone")).toHaveAccessibleDescription(/5 to 20 digits/);
  await dialog.getByLabel("Phone").fill("+44 20 7946 0958");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: "User added" })).toBeVisible();

  await page.getByRole("searchbox", { name: "Search users" }).fill(name.toUpperCase());
  await expect(page).toHaveURL(/q=/);
  await expect(page.getByRole("rowheader")).toHaveText([name]);
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText(email);
  await expect(row).toContainText("Member");
  await expect(row).toContainText("Never");

  // Charlie opens the emailed link in their own browser.
  const charlie = await browser.newContext();
  const tab = await charlie.newPage();
  await tab.goto(emailedLink(email));
  await hydrated(tab);
  await expect(tab.getByRole("heading", { level: 1 })).toContainText("Welcome to");
  await expect(tab.getByText(`you will sign in as ${email}`)).toBeVisible();
  await screenshot(tab, info, "welcome");
  await tab.getByLabel("Choose a password").fill(PASSWORD);
  await tab.getByRole("button", { name: "Continue to Roster" }).click();
  // A Member may not see the users table, so they land on Home.
  await expect(tab).toHaveURL(/\/home$/);
  await expect(tab.getByRole("main")).toContainText(email);
  // The link works once.
  await tab.goto(emailedLink(email));
  await expect(tab.getByRole("alert")).toContainText("expired or was already used");
  await charlie.close();
});

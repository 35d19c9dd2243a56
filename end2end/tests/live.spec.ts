import { expect } from "@playwright/test";
import { test } from "./fixtures";
import { acceptLink, addUser, hydrated, rowAction, screenshot, signUp, unique, uniqueEmail } from "./helpers";

// `make test-e2e-postgres` runs this file against two Roster instances on one PostgreSQL
// database: the second admin then uses the instance at BASE_URL_B, so changes must cross
// instances. Without BASE_URL_B both admins use the one server.
const baseB = process.env.BASE_URL_B ?? process.env.BASE_URL ?? "http://127.0.0.1:3000";

test("a change by one admin shows in another admin's open users table without a reload", async ({
  page,
  browser,
}, info) => {
  test.setTimeout(90_000); // two browsers, three users set up
  await signUp(page, unique("Vance Refrigeration"), "Bob Vance", uniqueEmail("bob"));
  const admin = uniqueEmail("phyllis");
  await addUser(page, unique("Phyllis Vance"), admin, "Admin");
  const stanley = unique("Stanley Hudson");
  await addUser(page, stanley, uniqueEmail("stanley"), "Member");

  // The second admin sets their password in their own browser and watches the users table.
  const other = await acceptLink(browser, admin, /\/users$/);
  const watcher = other.pages()[0];
  await watcher.goto(`${baseB}/users`);
  await hydrated(watcher);
  await expect(watcher.getByRole("status", { name: "Live updates: Live" })).toHaveText("Live");
  const row = watcher.getByRole("row", { name: new RegExp(stanley) });
  await expect(row).toContainText("Active");
  await watcher.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

  // The first admin deactivates Stanley: the watcher's row follows within a few seconds.
  await rowAction(page, stanley, "Deactivate");
  const dialog = page.getByRole("dialog", { name: "Deactivate user" });
  await dialog.getByRole("button", { name: "Deactivate" }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText("Deactivated", { timeout: 5_000 });
  await screenshot(watcher, info, "users-live");

  // A new user appears, and the tab counts follow.
  const creed = unique("Creed Bratton");
  await addUser(page, creed, uniqueEmail("creed"), "Member");
  await expect(watcher.getByRole("row", { name: new RegExp(creed) })).toBeVisible({ timeout: 5_000 });

  expect(await watcher.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  await expect(watcher.getByRole("status", { name: "Live updates: Live" })).toBeVisible();
  await other.close();
});

import { Browser, expect, Page } from "@playwright/test";
import { test } from "./fixtures";
import { acceptLink, addUser, hydrated, screenshot, signUp, unique, uniqueEmail } from "./helpers";

// Every admin page follows the other admins' changes through the live stream, without a
// reload and without disturbing what the viewer is doing.

/** A company with its owner signed in on `page`, and a second admin signed in in a browser
 * context of their own: the second admin's page. */
async function twoAdmins(page: Page, browser: Browser, owner: string): Promise<Page> {
  await signUp(page, unique("Vance Refrigeration"), owner, uniqueEmail("bob"));
  const admin = uniqueEmail("phyllis");
  await addUser(page, unique("Phyllis Vance"), admin, "Admin");
  const other = await acceptLink(browser, admin, /\/users$/);
  const watcher = other.pages()[0];
  return watcher;
}

/** Opens `path` directly and waits until its live stream is open. */
async function openLive(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await hydrated(page);
  await expect(page.getByRole("status", { name: "Live updates: Live" })).toHaveText("Live");
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
}

async function notReloaded(page: Page): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
}

/** Creates a team through "New team" on /teams. */
async function newTeam(page: Page, name: string): Promise<void> {
  await page.getByRole("button", { name: "New team" }).click();
  const dialog = page.getByRole("dialog", { name: "New team" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("button", { name: "Create team" }).click();
  await expect(dialog).toBeHidden();
}

test("a team renamed, a role created and an account added by one admin show on the other's open pages", async ({
  page,
  browser,
}, info) => {
  test.setTimeout(120_000); // two browsers, three pages each
  const watcher = await twoAdmins(page, browser, "Bob Vance");
  const [kept, renamed, newName] = [unique("Warehouse"), unique("Sales"), unique("Accounting")];
  await page.goto("/teams");
  await hydrated(page);
  await newTeam(page, kept);
  await newTeam(page, renamed);

  // Teams: the watcher has a row menu open when the other admin renames another team.
  await openLive(watcher, "/teams");
  await expect(watcher.getByRole("row", { name: new RegExp(renamed) })).toBeVisible();
  await watcher.getByRole("button", { name: `Actions for ${kept}` }).focus();
  await watcher.keyboard.press("Enter");
  const menu = watcher.getByRole("menu");
  await expect(menu.getByRole("menuitem", { name: "Rename" })).toBeFocused();
  await page.getByRole("button", { name: `Actions for ${renamed}` }).click();
  await page.getByRole("menuitem", { name: "Rename" }).click();
  const rename = page.getByRole("dialog", { name: "Rename team" });
  await rename.getByLabel("Name").fill(newName);
  await rename.getByRole("button", { name: "Rename" }).click();
  await expect(rename).toBeHidden();
  await expect(watcher.getByRole("row", { name: new RegExp(newName) })).toBeVisible({ timeout: 5_000 });
  await expect(watcher.getByRole("row", { name: new RegExp(renamed) })).toHaveCount(0);
  // The open menu and its focus outlived the refetch.
  await expect(menu.getByRole("menuitem", { name: "Rename" })).toBeFocused();
  await screenshot(watcher, info, "teams-live");
  await watcher.keyboard.press("Escape");
  await notReloaded(watcher);

  // Roles: a role created appears.
  await openLive(watcher, "/roles");
  const role = unique("Auditor");
  await page.goto("/roles");
  await hydrated(page);
  await page.getByRole("button", { name: "New role" }).click();
  const newRole = page.getByRole("dialog", { name: "New role" });
  await newRole.getByLabel("Name").fill(role);
  await newRole.getByRole("checkbox", { name: "View users" }).check();
  await newRole.getByRole("button", { name: "Create role" }).click();
  await expect(newRole).toBeHidden();
  await expect(watcher.getByRole("row", { name: new RegExp(role) })).toBeVisible({ timeout: 5_000 });
  await screenshot(watcher, info, "roles-live");
  await notReloaded(watcher);

  // Accounts: an account added appears, while the watcher's own dialog stays open.
  await openLive(watcher, "/accounts");
  const account = unique("Europe");
  const company = (await watcher.getByRole("button", { name: /^Add sub-account to / }).first().getAttribute("aria-label"))!
    .replace("Add sub-account to ", "");
  await watcher.getByRole("button", { name: `Add sub-account to ${company}`, exact: true }).click();
  const ownDialog = watcher.getByRole("dialog", { name: "Add sub-account" });
  await ownDialog.getByLabel("Name").fill("Half typed");
  await page.goto("/accounts");
  await hydrated(page);
  await page.getByRole("button", { name: `Add sub-account to ${company}`, exact: true }).click();
  const add = page.getByRole("dialog", { name: "Add sub-account" });
  await add.getByLabel("Name").fill(account);
  await add.getByRole("button", { name: "Add sub-account" }).click();
  await expect(add).toBeHidden();
  await expect(watcher.getByRole("main").getByText(account, { exact: true })).toBeVisible({ timeout: 5_000 });
  await expect(ownDialog.getByLabel("Name")).toHaveValue("Half typed");
  await expect(ownDialog.getByLabel("Name")).toBeFocused();
  await screenshot(watcher, info, "accounts-live");
  await notReloaded(watcher);
  await watcher.context().close();
});

test("a user's page open in its edit form says who changed the user meanwhile, and Reload shows it", async ({
  page,
  browser,
}, info) => {
  test.setTimeout(90_000);
  const watcher = await twoAdmins(page, browser, "Bob Vance");
  const stanley = unique("Stanley Hudson");
  await addUser(page, stanley, uniqueEmail("stanley"), "Member");
  await page.getByRole("link", { name: stanley }).click();
  await expect(page).toHaveURL(/\/users\/\d+$/);
  const userPage = new URL(page.url()).pathname;
  await hydrated(page);

  // The watcher starts editing Stanley's job title.
  await openLive(watcher, userPage);
  const form = watcher.getByRole("region", { name: "Edit details" });
  await form.getByLabel("Job title").fill("Salesman");

  // The owner renames Stanley meanwhile.
  const renamed = unique("Stanley Hudson-Vance");
  await page.getByRole("region", { name: "Edit details" }).getByLabel("Name").fill(renamed);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();

  const notice = form.getByRole("alert").filter({ hasText: "Changed by Bob Vance just now" });
  await expect(notice).toBeVisible({ timeout: 5_000 });
  // What the watcher typed is still there, and the page's details already show the change.
  await expect(form.getByLabel("Job title")).toHaveValue("Salesman");
  await expect(watcher.getByRole("heading", { level: 1 })).toHaveText(renamed);
  await screenshot(watcher, info, "user-changed-by");
  // The owner's own save is no news to them.
  await expect(page.getByText(/Changed by/)).toHaveCount(0);

  await notice.getByRole("button", { name: "Reload" }).click();
  await expect(form.getByLabel("Name")).toHaveValue(renamed);
  await expect(form.getByText(/Changed by/)).toHaveCount(0);
  await notReloaded(watcher);
  await watcher.context().close();
});

test("settings open on one admin's screen say who saved them meanwhile, and Reload shows it", async ({
  page,
  browser,
}, info) => {
  test.setTimeout(90_000);
  const watcher = await twoAdmins(page, browser, "Bob Vance");
  await openLive(page, "/settings");
  await openLive(watcher, "/settings");
  const form = watcher.getByRole("region", { name: "Company" });
  await form.getByLabel("Invitation links are valid for (days)").fill("12");

  const renamed = unique("Vance Cold Storage");
  await page.getByLabel("Company name").fill(renamed);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Settings saved." })).toBeVisible();

  const notice = form.getByRole("alert").filter({ hasText: "Changed by Bob Vance just now" });
  await expect(notice).toBeVisible({ timeout: 5_000 });
  await expect(form.getByLabel("Invitation links are valid for (days)")).toHaveValue("12");
  await screenshot(watcher, info, "settings-changed-by");
  // The owner's own save is no news to them.
  await expect(page.getByText(/Changed by/)).toHaveCount(0);

  await notice.getByRole("button", { name: "Reload" }).click();
  await expect(form.getByLabel("Company name")).toHaveValue(renamed);
  await expect(form.getByText(/Changed by/)).toHaveCount(0);
  await notReloaded(watcher);
  await watcher.context().close();
});

test("a user's page loaded directly hydrates", async ({ page }) => {
  await signUp(page, unique("Dunder Mifflin"), "Michael Scott", uniqueEmail("michael"));
  const dwight = unique("Dwight Schrute");
  await addUser(page, dwight, uniqueEmail("dwight"), "Member");
  await page.getByRole("link", { name: dwight }).click();
  await expect(page).toHaveURL(/\/users\/\d+$/);
  const url = page.url();

  await page.goto(url);
  await hydrated(page);
  // A click reaches Leptos: the Reload-free live stream opens and the form saves in place.
  await expect(page.getByRole("status", { name: "Live updates: Live" })).toHaveText("Live");
  await page.getByRole("region", { name: "Edit details" }).getByLabel("Job title").fill("Assistant to the manager");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
});

import { expect, Page, Route, TestInfo } from "@playwright/test";
import { test } from "./fixtures";
import {
  addUser,
  hydrated,
  isPhone,
  rowAction,
  showFilters,
  signIn,
  signInAsDemoOwner,
  signUp,
  unique,
  uniqueEmail,
} from "./helpers";

// The users table acts on the view in the URL, never on the rows of an older one. These tests
// hold the table's answers until they let them go, so the races happen every time.

/** Holds every answer of the users list until `release` is called. */
async function holdAnswers(page: Page): Promise<() => Promise<void>> {
  const held: Route[] = [];
  let holding = true;
  await page.route("**/api/users/list*", async (route) => {
    if (holding) held.push(route);
    else await route.continue();
  });
  return async () => {
    holding = false;
    for (const route of held.splice(0)) await route.continue();
  };
}

const table = (page: Page) => page.getByRole("table", { name: "Users" });

/** Waits until the table shows the rows of the view in the URL. */
async function settled(page: Page): Promise<void> {
  await expect(table(page)).toHaveAttribute("aria-busy", "false");
}

/** Sorts by email: the column header on a desktop, the "Sort by" list on a phone. */
async function sortByEmail(page: Page, info: TestInfo): Promise<void> {
  if (isPhone(info)) {
    await showFilters(page);
    await page.getByRole("combobox", { name: "Sort by" }).selectOption({ label: "Email, A to Z" });
  } else {
    await page.getByRole("columnheader", { name: "Email" }).getByRole("link").click();
  }
}

test("a sort chosen while the rows per page are loading keeps both", async ({ page }, info) => {
  await signInAsDemoOwner(page);
  const release = await holdAnswers(page);
  await page.getByRole("combobox", { name: "Rows per page" }).selectOption("25");
  await expect(page).toHaveURL(/per=25/);
  await expect(table(page)).toHaveAttribute("aria-busy", "true");
  await sortByEmail(page, info);
  await expect(page).toHaveURL(/sort=email/);
  await release();
  await expect(page).toHaveURL(/per=25/);
  await settled(page);
  await expect(table(page).getByRole("rowheader")).toHaveCount(25);
});

test("rows per page chosen while a tab is loading stay on that tab", async ({ page }) => {
  await signInAsDemoOwner(page);
  const release = await holdAnswers(page);
  await page.getByRole("tab", { name: /^Active/ }).click();
  await expect(page).toHaveURL(/tab=active/);
  await page.getByRole("combobox", { name: "Rows per page" }).selectOption("25");
  await expect(page).toHaveURL(/per=25/);
  await release();
  await expect(page).toHaveURL(/tab=active/);
  await settled(page);
  await expect(page.getByRole("tab", { name: /^Active/ })).toHaveAttribute("aria-selected", "true");
  await expect(table(page).getByRole("rowheader")).toHaveCount(25);
  await expect(table(page).getByText("Deactivated", { exact: true })).toHaveCount(0);
});

test("rows of a view being replaced can't be chosen, and a choice survives another admin's change", async ({ page, browser }) => {
  await page.clock.install();
  const ownerEmail = uniqueEmail("olga");
  await signUp(page, unique("Racing"), "Olga Owner", ownerEmail);
  await addUser(page, "Ana Lee", uniqueEmail("ana"));
  await addUser(page, "Ana Ruiz", uniqueEmail("ana"));
  const olga = table(page).getByRole("checkbox", { name: "Select Olga Owner" });
  await expect(olga).toBeEnabled();

  // The typed search waits 250 ms before it becomes the view: the clock holds it there.
  await page.clock.pauseAt(Date.now() + 1_000);
  const search = page.getByRole("searchbox", { name: "Search users" });
  await search.fill("ana");
  await expect(table(page)).toHaveAttribute("aria-busy", "true");
  await expect(olga).toBeDisabled();
  await expect(search).toBeFocused();
  await page.clock.resume();
  await expect(page).toHaveURL(/q=ana/);
  await settled(page);
  await expect(table(page).getByRole("rowheader")).toHaveText(["Ana Lee", "Ana Ruiz"]);

  const lee = table(page).getByRole("checkbox", { name: "Select Ana Lee" });
  await lee.check();
  const bar = page.getByRole("region", { name: "Selected users" });
  await expect(bar).toContainText("1 selected");

  // The owner, signed in elsewhere, deactivates Ana Ruiz; this table follows without a reload
  // and keeps the choice.
  const other = await browser.newContext();
  const elsewhere = await other.newPage();
  await signIn(elsewhere, ownerEmail);
  await expect(elsewhere).toHaveURL(/\/users$/);
  await hydrated(elsewhere);
  await rowAction(elsewhere, "Ana Ruiz", "Deactivate");
  await elsewhere.getByRole("dialog", { name: "Deactivate user" }).getByRole("button", { name: "Deactivate" }).click();
  await expect(elsewhere.getByRole("status").filter({ hasText: "User deactivated" })).toBeVisible();
  await other.close();

  await expect(table(page).getByRole("row", { name: /Ana Ruiz/ })).toContainText("Deactivated");
  await expect(lee).toBeChecked();
  await expect(bar).toContainText("1 selected");
});

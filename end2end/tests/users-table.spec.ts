import { expect, Page } from "@playwright/test";
import { test } from "./fixtures";
import {
  addUser,
  hydrated,
  isPhone,
  screenshot,
  settled,
  showFilters,
  signInAsDemoOwner,
  signUp,
  unique,
  uniqueEmail,
} from "./helpers";

/** The names in the table's rows, in order. */
async function names(page: Page): Promise<string[]> {
  return page.getByRole("rowheader").allTextContents();
}

/** Sorts by clicking the column header on a wide screen, or with "Sort by" on a phone. */
async function sortBy(page: Page, phone: boolean, choice: string): Promise<void> {
  if (phone) {
    await showFilters(page);
    await page.getByLabel("Sort by").selectOption({ label: choice });
    return;
  }
  const header = page.getByRole("columnheader", { name: choice.split(",")[0] });
  const wanted = choice.endsWith("A to Z") ? "ascending" : "descending";
  await header.getByRole("link").click();
  await expect(header).toHaveAttribute("aria-sort", wanted);
}

test("an admin pages through 120 people with a tab, a sort and a page size, and Back restores each view", async ({
  page,
}, info) => {
  await signInAsDemoOwner(page);
  await expect(page.getByRole("tab", { name: /^All/ })).toHaveAttribute("aria-selected", "true");
  // The demo's 120 people and its owner, and whoever tests running beside this one added to it.
  const all = page.getByRole("tab", { name: /^All/ });
  await expect.poll(async () => Number((await all.textContent())?.replace(/\D/g, ""))).toBeGreaterThanOrEqual(121);
  await screenshot(page, info, "users-demo");

  await page.getByRole("tab", { name: /^Active/ }).click();
  await expect(page).toHaveURL(/tab=active/);
  await page.getByLabel("Rows per page").selectOption("25");
  await expect(page).toHaveURL(/per=25/);
  await sortBy(page, isPhone(info), "Email, A to Z");
  await expect(page).toHaveURL(/sort=email/);
  await expect(page.getByRole("rowheader")).toHaveCount(25);
  const first = await names(page);
  await expect(page.getByRole("cell", { name: "Deactivated" })).toHaveCount(0);

  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(/after=/);
  await expect.poll(() => names(page)).not.toEqual(first);
  const second = await names(page);
  expect(second.some((n) => first.includes(n) && second.filter((m) => m === n).length > 1)).toBe(false);

  await page.getByRole("link", { name: "Previous" }).click();
  await expect.poll(() => names(page)).toEqual(first);

  // Reversing the sort, then Back, brings the ascending view back.
  await sortBy(page, isPhone(info), "Email, Z to A");
  await expect(page).toHaveURL(/dir=desc/);
  await expect.poll(() => names(page)).not.toEqual(first);
  await page.goBack();
  await expect(page).not.toHaveURL(/dir=desc/);
  await expect.poll(() => names(page)).toEqual(first);
  await screenshot(page, info, "users-sorted");
});

test("searching and filtering narrow the table, and a copied link reproduces the view", async ({ page }, info) => {
  await signInAsDemoOwner(page);
  await page.getByRole("searchbox", { name: "Search users" }).fill("OLIVIA");
  await expect(page).toHaveURL(/q=OLIVIA/);
  await expect(page.getByRole("rowheader")).toHaveText(["Olivia Owner"]);

  await page.getByRole("searchbox", { name: "Search users" }).fill("");
  await expect(page).not.toHaveURL(/q=/);
  await showFilters(page);
  await page.getByLabel("Team", { exact: true }).selectOption({ label: "Sales" });
  await expect(page).toHaveURL(/team=\d+/);
  await page.getByLabel("Role", { exact: true }).selectOption({ label: "Team lead" });
  await expect(page).toHaveURL(/role=\d+/);
  const rows = page.getByRole("row").filter({ has: page.getByRole("rowheader") });
  // The old rows stay until the new page arrives: wait until every row fits both filters.
  await expect
    .poll(async () => {
      const texts = await rows.allTextContents();
      return texts.length > 0 && texts.every((t) => t.includes("Sales") && t.includes("Team lead"));
    })
    .toBe(true);
  await screenshot(page, info, "users-filtered");

  // The same address in a fresh page shows the same rows and keeps the filters chosen.
  const url = page.url();
  const expected = await names(page);
  const copy = await page.context().newPage();
  await copy.goto(url);
  await hydrated(copy);
  expect(await names(copy)).toEqual(expected);
  await expect(copy.getByLabel("Team", { exact: true })).toHaveValue(/\d+/);
  await copy.close();
});

test("searching without accents or capitals finds a name written with them", async ({ page }) => {
  await signUp(page, unique("Accents"), "Olga Owner", uniqueEmail("olga"));
  await addUser(page, "Émile Zola", uniqueEmail("emile"));
  await addUser(page, "Zoë Müller", uniqueEmail("zoe"));
  const table = page.getByRole("table", { name: "Users" });
  const search = page.getByRole("searchbox", { name: "Search users" });
  await search.fill("emile");
  await expect(page).toHaveURL(/q=emile/);
  await expect(table).toHaveAttribute("aria-busy", "false");
  await expect(table.getByRole("rowheader")).toHaveText(["Émile Zola"]);
  await search.fill("ZOE MULLER");
  await expect(page).toHaveURL(/q=ZOE/);
  await expect(table).toHaveAttribute("aria-busy", "false");
  await expect(table.getByRole("rowheader")).toHaveText(["Zoë Müller"]);
});

test("a search that matches nobody says so and offers to clear it", async ({ page }) => {
  await signInAsDemoOwner(page);
  await page.getByRole("searchbox", { name: "Search users" }).fill("zzz-nobody");
  await expect(page.getByText("No users match this search and these filters.")).toBeVisible();
  await page.getByRole("link", { name: "Clear search and filters" }).click();
  await expect(page.getByRole("rowheader").first()).toBeVisible();
});

test("on a phone the rows are compact cards with the menu at the top right, and the tabs scroll under a faded edge", async ({
  page,
}, info) => {
  test.skip(!isPhone(info), "phone layout");
  await signInAsDemoOwner(page);
  const tabs = page.getByRole("tablist", { name: "Users by status" });
  const [overflow, mask] = await tabs.evaluate((el) => {
    const style = getComputedStyle(el);
    return [style.overflowX, style.maskImage];
  });
  expect(overflow).toBe("auto");
  expect(mask).toContain("linear-gradient");
  await page.getByRole("searchbox", { name: "Search users" }).fill("olivia");
  const card = page.getByRole("row", { name: /Olivia Owner/ });
  await expect(card).toBeVisible();
  expect(await card.evaluate((el) => getComputedStyle(el).display)).toBe("grid");
  await expect(card).toContainText("Owner");
  await expect(card).toContainText("Active");
  const [box, menu] = [await card.boundingBox(), await card.getByRole("button", { name: "Actions for Olivia Owner" }).boundingBox()];
  expect(menu!.x + menu!.width).toBeLessThanOrEqual(box!.x + box!.width);
  expect(menu!.y - box!.y).toBeLessThan(16);
  await screenshot(page, info, "users-cards");
});

test("a users page turned away busy asks again by itself, and says so only when it stays busy", async ({ page }) => {
  await signInAsDemoOwner(page);
  await hydrated(page);
  // The server's load shedding, as it answers: 503, Retry-After and the error "Busy".
  let calls = 0;
  let busyFor = 1;
  await page.route("**/api/users/list", async (route) => {
    calls += 1;
    if (calls <= busyFor) {
      await route.fulfill({
        status: 503,
        headers: { "retry-after": "1", "content-type": "application/json" },
        body: '"Busy"',
      });
    } else {
      await route.continue();
    }
  });

  await page.getByRole("tab", { name: /^Active/ }).click();
  await expect(page).toHaveURL(/tab=active/);
  await settled(page);
  await expect(page.getByRole("tab", { name: /^Active/ })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("rowheader").first()).toBeVisible();
  await expect(page.getByText("Roster is busy")).toHaveCount(0);
  expect(calls).toBe(2);

  // Still busy after three calls: the page says why.
  calls = 0;
  busyFor = 99;
  await page.getByRole("tab", { name: /^All/ }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Roster is busy right now. Please try again in a moment." })).toBeVisible();
  expect(calls).toBe(3);
});

import { expect } from "@playwright/test";
import { test } from "./fixtures";
import { addPeople, hydrated, settled, screenshot, signUp, unique, uniqueEmail } from "./helpers";

test("a view of 52 people says so, selects all 52 across pages, and changes every one of them", async ({ page }, info) => {
  const company = unique("Vandelay");
  await signUp(page, company, "Art Vandelay", uniqueEmail("art"));
  const prefix = unique("Importer");
  const names = await addPeople(page, prefix, 52);

  // The server renders the counts with the page: no flash, nothing to wait for but the page.
  await page.goto(`/users?q=${encodeURIComponent(prefix)}&per=25`);
  await expect(page.getByText("52 match", { exact: true })).toBeVisible();
  await expect(page.getByRole("tab", { name: /^All/ })).toContainText("52");
  await expect(page.getByRole("tab", { name: /^Active/ })).toContainText("52");
  await expect(page.getByRole("tab", { name: /^Unconfirmed/ })).toContainText("0");
  await hydrated(page);
  await settled(page);
  await expect(page.getByRole("rowheader")).toHaveCount(25);

  await page.getByRole("checkbox", { name: "Select all on this page" }).check();
  const bar = page.getByRole("region", { name: "Selected users" });
  await expect(bar).toContainText("25 selected");
  const selectAll = bar.getByRole("button", { name: "Select all 52 matching" });
  await expect(selectAll).toBeVisible();
  await screenshot(page, info, "selection-page-selected");
  await selectAll.click();
  await expect(bar).toContainText("All 52 matching selected");
  await expect(bar.getByRole("button", { name: "Clear all 52 matching" })).toBeVisible();
  await screenshot(page, info, "selection-all-matching");

  await bar.getByRole("button", { name: "Change role" }).click();
  const dialog = page.getByRole("dialog", { name: "Change role" });
  await dialog.getByLabel("Role", { exact: true }).selectOption({ label: "Admin" });
  await expect(dialog).toContainText(`Change the role of 52 users to Admin on ${company} and all its sub-accounts.`);
  // Making 52 people Admin grants them power: confirmed by typing their number.
  await dialog.getByLabel("To confirm, type the number of people who gain them (52)").fill("52");
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText("52 users changed.")).toBeVisible();

  // Every one of the 52 is an Admin now, on every page: the view of Admins holds all 52.
  const admin = await page.request.post("/api/users/filters");
  const adminId = (await admin.json()).roles.find((r: { name: string }) => r.name === "Admin").id;
  await page.goto(`/users?q=${encodeURIComponent(prefix)}&role=${adminId}&per=25`);
  await expect(page.getByText("52 match", { exact: true })).toBeVisible();
  await hydrated(page);
  await settled(page);
  // Pages 2 and 3 (by name, A to Z), each waited for by its first row.
  for (const [first, rows] of [[25, 25], [50, 2]]) {
    await page.getByRole("link", { name: "Next" }).click();
    await expect(page.getByRole("rowheader", { name: names[first] })).toBeVisible();
    await settled(page);
    await expect(page.getByRole("rowheader")).toHaveCount(rows);
  }
  await expect(page.getByRole("row", { name: new RegExp(names[51]) })).toContainText("Admin");
  await expect(page.getByText("52 match", { exact: true })).toBeVisible();
});

test("rows selected on other pages are said, shown and cleared; an empty view says no one matches", async ({ page }, info) => {
  await signUp(page, unique("Kramerica"), "Cosmo Kramer", uniqueEmail("cosmo"));
  const prefix = unique("Intern");
  const names = await addPeople(page, prefix, 27);
  await page.goto(`/users?q=${encodeURIComponent(prefix)}&per=25`);
  await hydrated(page);
  await settled(page);
  await expect(page.getByText("27 match", { exact: true })).toBeVisible();

  await page.getByRole("checkbox", { name: `Select ${names[0]}` }).check();
  await page.getByRole("checkbox", { name: `Select ${names[1]}` }).check();
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(/after=/);
  await settled(page);
  await page.getByRole("checkbox", { name: `Select ${names[26]}` }).check();
  const bar = page.getByRole("region", { name: "Selected users" });
  await expect(bar).toContainText("3 selected");
  await expect(bar).toContainText("2 selected on other pages");
  await bar.getByRole("button", { name: "show them" }).click();
  const elsewhere = bar.getByRole("list", { name: "Selected on other pages" });
  await expect(elsewhere.getByRole("checkbox")).toHaveCount(2);
  await expect(elsewhere.getByRole("checkbox", { name: names[0] })).toBeChecked();
  await screenshot(page, info, "selection-elsewhere");
  // Unticking one there leaves the other.
  // Unticked, it leaves the list (a click: the box goes with its row).
  await elsewhere.getByRole("checkbox", { name: names[1] }).click();
  await expect(elsewhere.getByRole("checkbox")).toHaveCount(1);
  await expect(bar).toContainText("2 selected");
  await expect(bar).toContainText("1 selected on other pages");
  await bar.getByRole("button", { name: "Clear the 1 selected on other pages" }).click();
  await expect(bar).toContainText("1 selected");
  await expect(bar).not.toContainText("on other pages");
  await expect(page.getByRole("checkbox", { name: `Select ${names[26]}` })).toBeChecked();

  // One person matches, then no one.
  await page.goto(`/users?q=${encodeURIComponent(names[26])}`);
  await expect(page.getByText("1 matches", { exact: true })).toBeVisible();
  await page.goto(`/users?q=${encodeURIComponent(prefix + "-nobody")}`);
  await expect(page.getByText("No users match", { exact: true })).toBeVisible();
  await hydrated(page);
  await settled(page);

  // Screenshots of the counted view in light and dark, with nothing cut off or scrolling sideways.
  await page.goto(`/users?q=${encodeURIComponent(prefix)}&per=25`);
  await hydrated(page);
  await settled(page);
  await page.getByRole("checkbox", { name: "Select all on this page" }).check();
  await expect(bar.getByRole("button", { name: "Select all 27 matching" })).toBeVisible();
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(sideways, "no sideways scroll").toBeLessThanOrEqual(0);
    await screenshot(page, info, `selection-counts-${scheme}`);
  }
});

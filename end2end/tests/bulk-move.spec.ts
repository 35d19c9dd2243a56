import { expect, Page } from "@playwright/test";
import { test } from "./fixtures";
import { addUser, hydrated, rowAction, screenshot, signUp, unique, uniqueEmail } from "./helpers";

const row = (page: Page, name: string) => page.getByRole("row", { name: new RegExp(name) });

/** Selects these people (one by one: a phone has no "Select all on this page") and opens
 * "Change team" on them. */
async function changeTeamOf(page: Page, names: string[]) {
  for (const name of names) await page.getByRole("checkbox", { name: `Select ${name}` }).check();
  const bar = page.getByRole("region", { name: "Selected users" });
  await expect(bar).toContainText(`${names.length} selected`);
  await bar.getByRole("button", { name: "Change team" }).click();
  return page.getByRole("dialog", { name: "Change team" });
}

test("an admin moves the selected people from one team to another in one step, sees who was already there, and undoes it", async ({
  page,
}, info) => {
  await signUp(page, unique("Dunder Mifflin"), "Michael Scott", uniqueEmail("michael"));
  const sales = unique("Sales");
  const marketing = unique("Marketing");
  for (const name of [sales, marketing]) {
    const created = await page.request.post("/api/teams/create", { form: { name } });
    expect(created.ok(), await created.text()).toBe(true);
  }
  // The table's team pickers are the company's teams as the page loaded them.
  await page.reload();
  await hydrated(page);
  const prefix = unique("Rep");
  const names = ["A", "B", "C", "D"].map((letter) => `${prefix} ${letter}`);
  for (const name of names) {
    await addUser(page, name, uniqueEmail(name.toLowerCase().replace(/\s+/g, "-")));
  }
  await page.getByRole("searchbox", { name: "Search users" }).fill(prefix);
  await expect(page).toHaveURL(/q=/);
  await expect(row(page, "Michael Scott")).toHaveCount(0);
  await expect(page.getByRole("rowheader")).toHaveCount(4);

  // Arrange: all four in Sales; C and D also in Marketing already.
  let dialog = await changeTeamOf(page, names);
  await dialog.getByRole("radio", { name: "Add to teams" }).check();
  await dialog.getByRole("checkbox", { name: sales }).check();
  await expect(dialog.getByRole("status")).toContainText("Add 4 users to the chosen teams.");
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(dialog).toBeHidden();
  for (const name of names) await expect(row(page, name)).toContainText(sales);
  dialog = await changeTeamOf(page, names.slice(2));
  await dialog.getByRole("radio", { name: "Add to teams" }).check();
  await dialog.getByRole("checkbox", { name: marketing }).check();
  await expect(dialog.getByRole("status")).toContainText("Add 2 users to the chosen teams.");
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(dialog).toBeHidden();
  await expect(row(page, names[3])).toContainText(marketing);

  // The move: one change, with who is already in Marketing named before confirming.
  dialog = await changeTeamOf(page, names);
  await dialog.getByRole("radio", { name: "Move from one team to another" }).check();
  await expect(dialog.getByRole("group", { name: "Teams" })).toBeHidden();
  await dialog.getByLabel("Move from", { exact: true }).selectOption({ label: sales });
  // The team they leave can't also be the one they join.
  await expect(dialog.getByLabel("Move to", { exact: true }).getByRole("option", { name: sales })).toBeDisabled();
  await dialog.getByLabel("Move to", { exact: true }).selectOption({ label: marketing });
  await expect(dialog.getByRole("status")).toHaveText(
    `Move 4 users from ${sales} to ${marketing}. 2 are already in ${marketing}: ${names[2]} and ${names[3]}.`,
  );
  await screenshot(page, info, "bulk-move-team");
  await page.emulateMedia({ colorScheme: "dark" });
  await screenshot(page, info, "bulk-move-team-dark");
  await page.emulateMedia({ colorScheme: "light" });
  await dialog.getByRole("button", { name: "Move", exact: true }).click();
  await expect(dialog).toBeHidden();

  const toast = page.getByText(`4 users moved from ${sales} to ${marketing}.`);
  await expect(toast).toBeVisible();
  await expect(toast).toContainText(`2 were already in ${marketing}: ${names[2]} and ${names[3]}.`);
  await screenshot(page, info, "bulk-move-toast");
  for (const name of names) {
    await expect(row(page, name)).toContainText(marketing);
    await expect(row(page, name)).not.toContainText(sales);
  }

  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Undone: 4 users restored." })).toBeVisible();
  for (const name of names.slice(0, 2)) {
    await expect(row(page, name)).toContainText(sales);
    await expect(row(page, name)).not.toContainText(marketing);
  }
  for (const name of names.slice(2)) {
    await expect(row(page, name)).toContainText(sales);
    await expect(row(page, name)).toContainText(marketing);
  }

  // One person from their row's menu: the move starts from the one team they are in.
  await rowAction(page, names[0], "Change team");
  await dialog.getByRole("radio", { name: "Move from one team to another" }).check();
  await expect(dialog.getByLabel("Move from", { exact: true })).toHaveValue(/\d+/);
  await dialog.getByLabel("Move to", { exact: true }).selectOption({ label: marketing });
  await expect(dialog.getByRole("status")).toHaveText(`Move ${names[0]} from ${sales} to ${marketing}.`);
  await dialog.getByRole("button", { name: "Move", exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(`1 user moved from ${sales} to ${marketing}.`)).toBeVisible();
  await expect(row(page, names[0])).not.toContainText(sales);
});

import { expect } from "@playwright/test";
import { test } from "./fixtures";
import { acceptLink, addUser, hydrated, rowAction, screenshot, showFilters, signUp, unique, uniqueEmail } from "./helpers";

test("an admin creates a team, renames it, adds and removes members, sees them in the users table and deletes it", async ({
  page,
}, info) => {
  await signUp(page, unique("Vandelay"), "Art Vandelay", uniqueEmail("art"));
  const kramer = unique("Cosmo Kramer");
  const elaine = unique("Elaine Benes");
  await addUser(page, kramer, uniqueEmail("kramer"));
  await addUser(page, elaine, uniqueEmail("elaine"));

  // Create.
  await page.goto("/teams");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1, name: "Teams" })).toBeVisible();
  await expect(page.getByText("No teams yet.")).toBeVisible();
  await page.getByRole("button", { name: "New team" }).click();
  const create = page.getByRole("dialog", { name: "New team" });
  await create.getByLabel("Name").fill("Importers");
  await screenshot(page, info, "teams-new-dialog");
  await create.getByRole("button", { name: "Create team" }).click();
  await expect(create).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: "Team created" })).toBeVisible();
  const row = page.getByRole("row", { name: /Importers/ });
  await expect(row).toContainText("0");

  // A second team with the same name is refused, on the field.
  await page.getByRole("button", { name: "New team" }).click();
  await create.getByLabel("Name").fill("importers");
  await create.getByRole("button", { name: "Create team" }).click();
  await expect(create.getByText("A team with this name already exists.")).toBeVisible();
  await expect(create.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");
  await create.getByRole("button", { name: "Cancel" }).click();

  // Rename from the row menu.
  await rowAction(page, "Importers", "Rename");
  const rename = page.getByRole("dialog", { name: "Rename team" });
  await expect(rename.getByLabel("Name")).toHaveValue("Importers");
  await rename.getByLabel("Name").fill("Importers & Exporters");
  await rename.getByRole("button", { name: "Rename" }).click();
  await expect(rename).toBeHidden();
  const team = "Importers & Exporters";
  await expect(page.getByRole("link", { name: team })).toBeVisible();
  await screenshot(page, info, "teams-list");

  // Add two members at once, found by searching.
  await page.getByRole("link", { name: team }).click();
  await expect(page.getByRole("heading", { level: 1, name: team })).toBeVisible();
  await hydrated(page);
  await expect(page.getByText("No members yet.")).toBeVisible();
  await page.getByRole("button", { name: "Add members" }).click();
  const add = page.getByRole("dialog", { name: "Add members" });
  const search = add.getByRole("searchbox", { name: "Search users" });
  const people = add.getByRole("group", { name: "People" });
  await search.fill(kramer);
  await expect(people.getByRole("checkbox")).toHaveCount(1);
  await people.getByRole("checkbox", { name: kramer }).check();
  // Ticks survive a new search.
  await search.fill(elaine);
  await expect(people.getByRole("checkbox")).toHaveCount(1);
  await people.getByRole("checkbox", { name: elaine }).check();
  await expect(add).toContainText("2 people chosen");
  await screenshot(page, info, "teams-add-members");
  await add.getByRole("button", { name: "Add to team" }).click();
  await expect(add).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: "Added 2 people to the team." })).toBeVisible();
  await expect(page.getByText("2 members")).toBeVisible();
  await expect(page.getByRole("rowheader")).toHaveCount(2);
  await screenshot(page, info, "team-members");

  // The list counts them.
  await page.getByRole("link", { name: "← Teams" }).click();
  await expect(page.getByRole("row", { name: new RegExp(team) })).toContainText("2");
  await page.getByRole("link", { name: team }).click();
  await hydrated(page);

  // Remove one.
  await page.getByRole("button", { name: `Remove ${kramer}` }).click();
  await expect(page.getByRole("status").filter({ hasText: `Removed ${kramer} from the team.` })).toBeVisible();
  await expect(page.getByText("1 member", { exact: true })).toBeVisible();
  await expect(page.getByRole("rowheader")).toHaveCount(1);
  await expect(page.getByRole("rowheader")).toHaveText(elaine);

  // The users table filtered by the team.
  await page.getByRole("link", { name: "See in the users table" }).click();
  await expect(page).toHaveURL(/\/users\?team=\d+$/);
  await expect(page.getByRole("rowheader")).toHaveCount(1);
  await expect(page.getByRole("row", { name: new RegExp(elaine) })).toContainText(team);
  await expect(page.getByRole("button", { name: "Filters (1)" }).or(page.getByRole("combobox", { name: "Team" }))).toBeVisible();
  await showFilters(page);
  await expect(page.getByRole("combobox", { name: "Team" })).toHaveValue(/\d+/);
  await screenshot(page, info, "teams-users-filtered");

  // Delete: the member stays a user.
  await page.goto("/teams");
  await hydrated(page);
  await rowAction(page, team, "Delete");
  const remove = page.getByRole("dialog", { name: "Delete team" });
  await expect(remove).toContainText("Its 1 member stays a user of the company");
  await screenshot(page, info, "teams-delete-dialog");
  await remove.getByRole("button", { name: "Delete team" }).click();
  await expect(remove).toBeHidden();
  await expect(page.getByText("No teams yet.")).toBeVisible();
  await page.goto(`/users?q=${encodeURIComponent(elaine)}`);
  await expect(page.getByRole("rowheader")).toHaveCount(1);
});

test("a member of the company gets no access to teams", async ({ page, browser }) => {
  await signUp(page, unique("Pendant"), "Jerry Seinfeld", uniqueEmail("jerry"));
  const email = uniqueEmail("newman");
  await addUser(page, unique("Newman"), email);
  // The new member signs in through their emailed set-up link.
  const context = await acceptLink(browser, email);
  const tab = context.pages()[0];
  await tab.goto("/teams");
  await expect(tab.getByRole("heading", { level: 1, name: "You don't have access" })).toBeVisible();
  await expect(tab.getByRole("button", { name: "New team" })).toHaveCount(0);
  await context.close();
});

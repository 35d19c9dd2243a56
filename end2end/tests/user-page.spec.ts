import { expect } from "@playwright/test";
import { test } from "./fixtures";
import { addUser, rowAction, screenshot, signInAsDemoOwner, unique, uniqueEmail } from "./helpers";

test("an admin manages a person from their page: teams, the set-up email, role and status, with the same actions as the row menu", async ({
  page,
}, info) => {
  await signInAsDemoOwner(page);
  const name = unique("Kelly Kapoor");
  const email = uniqueEmail("kelly");
  await addUser(page, name, email);
  await page.getByRole("searchbox", { name: "Search users" }).fill(name);
  await expect(page.getByRole("rowheader")).toHaveCount(1);
  await rowAction(page, name, "Edit");
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  const actions = page.getByRole("group", { name: "Actions" });
  for (const action of ["Change role", "Change team", "Deactivate", "Resend set-up email", "Delete"]) {
    await expect(actions.getByRole("button", { name: action })).toBeEnabled();
  }

  // Teams: add one, then remove it.
  const teams = page.getByRole("region", { name: "Teams" });
  await expect(teams).toContainText("Not in any team.");
  await teams.getByLabel("Team to add").selectOption({ label: "Sales" });
  await teams.getByRole("button", { name: "Add to team" }).click();
  await expect(teams.getByRole("button", { name: "Remove from Sales" })).toBeVisible();
  await screenshot(page, info, "user-page");
  await teams.getByRole("button", { name: "Remove from Sales" }).click();
  await expect(teams).toContainText("Not in any team.");

  // They never signed in: their set-up email can be sent again.
  await actions.getByRole("button", { name: "Resend set-up email" }).click();
  await expect(page.getByRole("status").filter({ hasText: `We emailed ${email} a new set-up link.` })).toBeVisible();

  // Change role opens the same dialog as the row menu's, for this one person.
  await actions.getByRole("button", { name: "Change role" }).click();
  const role = page.getByRole("dialog", { name: "Change role" });
  await role.getByLabel("Role", { exact: true }).selectOption({ label: "Team lead" });
  await role.getByRole("button", { name: "Confirm" }).click();
  await expect(role).toBeHidden();
  await expect(page.getByRole("term").filter({ hasText: "Role" }).locator("+ dd")).toHaveText("Team lead");

  // Deactivate, and the page offers Reactivate instead.
  await actions.getByRole("button", { name: "Deactivate" }).click();
  const deactivate = page.getByRole("dialog", { name: "Deactivate user" });
  await deactivate.getByRole("button", { name: "Deactivate" }).click();
  await expect(deactivate).toBeHidden();
  await expect(actions.getByRole("button", { name: "Reactivate" })).toBeVisible();
  await expect(page.getByText("Deactivated", { exact: true })).toBeVisible();

  // Reactivate, then Delete while the page still reloads after the first: the reload must not
  // swallow the second (the person's page held, then lost, a Delete started before it landed).
  // The reload and the delete are held so that the delete is in flight when the reload lands.
  await page.route("**/api/users/get", async (route) => {
    await new Promise((done) => setTimeout(done, 1500));
    await route.continue();
  });
  await page.route("**/api/users/delete", async (route) => {
    await new Promise((done) => setTimeout(done, 2000));
    await route.continue();
  });
  await actions.getByRole("button", { name: "Reactivate" }).click();
  const reactivate = page.getByRole("dialog", { name: "Reactivate user" });
  await reactivate.getByRole("button", { name: "Reactivate" }).click();
  await expect(page.getByRole("status").filter({ hasText: "User reactivated." })).toBeVisible();

  // Delete leaves their page for the users table.
  await actions.getByRole("button", { name: "Delete" }).click();
  const remove = page.getByRole("dialog", { name: "Delete user" });
  await remove.getByLabel(`Type ${email} to confirm`).fill(email);
  await remove.getByRole("button", { name: "Delete user" }).click();
  await expect(page).toHaveURL(/\/users$/);
});

test("the owner's page says the owner rule up front and offers only the owner a transfer", async ({ page }, info) => {
  await signInAsDemoOwner(page);
  await page.goto("/users?q=olivia");
  await rowAction(page, "Olivia Owner", "Edit");
  await expect(page.getByRole("note").filter({ hasText: "You are the owner — transfer ownership first" })).toBeVisible();
  await page.getByRole("button", { name: "Transfer ownership…" }).click();
  const dialog = page.getByRole("dialog", { name: "Transfer ownership" });
  await dialog.getByRole("searchbox", { name: "Search for the new owner" }).fill("grace");
  await expect(dialog.getByRole("radio").first()).toBeVisible();
  await expect(dialog.getByRole("radio", { name: /Olivia Owner/ })).toHaveCount(0);
  await screenshot(page, info, "transfer-dialog");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
});

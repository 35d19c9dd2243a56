import { expect } from "@playwright/test";
import { test } from "./fixtures";
import { acceptLink, addUser, emailedLink, rowAction, screenshot, signUp, unique, uniqueEmail } from "./helpers";

test("an admin edits a user, deactivates them while they are signed in elsewhere, reactivates and deletes them", async ({
  page,
  browser,
}, info) => {
  await signUp(page, unique("Dunder"), "Michael Scott", uniqueEmail("michael"));
  const name = unique("Dwight Schrute");
  const email = uniqueEmail("dwight");
  await addUser(page, name, email);
  const dwight = await acceptLink(browser, email);
  const search = page.getByRole("searchbox", { name: "Search users" });
  await search.fill(name);
  await expect(page).toHaveURL(/q=/);
  await expect(page.getByRole("rowheader")).toHaveCount(1);
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText("Active");

  // Edit the job title on the user's page.
  await rowAction(page, name, "Edit");
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await page.getByLabel("Job title").fill("Assistant to the regional manager");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Job title")).toHaveValue("Assistant to the regional manager");
  await screenshot(page, info, "user-page");

  // Deactivate: their open browser is signed out at its next request.
  await page.goto(`/users?q=${encodeURIComponent(name)}`);
  await rowAction(page, name, "Deactivate");
  const deactivate = page.getByRole("dialog", { name: "Deactivate user" });
  await screenshot(page, info, "deactivate-dialog");
  await deactivate.getByRole("button", { name: "Deactivate" }).click();
  await expect(deactivate).toBeHidden();
  await expect(row).toContainText("Deactivated");
  const dwightTab = dwight.pages()[0];
  await dwightTab.reload();
  await expect(dwightTab).toHaveURL(/\/login/);

  // Reactivate: they get an email with a link back in.
  await rowAction(page, name, "Reactivate");
  await page.getByRole("dialog", { name: "Reactivate user" }).getByRole("button", { name: "Reactivate" }).click();
  await expect(row).toContainText("Active");
  await dwightTab.goto(emailedLink(email));
  await expect(dwightTab.getByRole("heading", { level: 1 })).toContainText("Welcome back");
  await dwight.close();

  // Delete, after typing their email.
  await rowAction(page, name, "Delete");
  const remove = page.getByRole("dialog", { name: "Delete user" });
  const confirm = remove.getByRole("button", { name: "Delete user" });
  await expect(confirm).toBeDisabled();
  await remove.getByLabel(`Type ${email} to confirm`).fill(email);
  await confirm.click();
  await expect(remove).toBeHidden();
  await expect(page.getByText("No users match this search and these filters.")).toBeVisible();
});

test("the owner's row says up front that role, status and deletion wait for a transfer, and ownership is transferred with the owner's password", async ({
  page,
  browser,
}, info) => {
  const owner = unique("Leslie Knope");
  await signUp(page, unique("Pawnee"), owner, uniqueEmail("leslie"));
  const heir = unique("Ben Wyatt");
  const heirEmail = uniqueEmail("ben");
  await addUser(page, heir, heirEmail);
  (await acceptLink(browser, heirEmail)).close();

  await page.getByRole("button", { name: `Actions for ${owner}` }).click();
  for (const item of ["Change role", "Deactivate", "Delete"]) {
    const entry = page.getByRole("menuitem", { name: item, exact: true });
    await expect(entry).toBeDisabled();
    await expect(entry).toHaveAccessibleDescription("You are the owner — transfer ownership first");
  }
  await expect(page.getByRole("menuitem", { name: "Change team" })).toBeEnabled();
  await expect(page.getByRole("menuitem", { name: "Transfer ownership…" })).toBeVisible();
  await screenshot(page, info, "owner-rule");
  // A disabled item does nothing: the menu stays open until Escape.
  await page.getByRole("menuitem", { name: "Deactivate" }).dispatchEvent("click");
  await expect(page.getByRole("dialog", { name: "Deactivate user" })).toBeHidden();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("menu")).toBeHidden();

  // A bulk change still names the owner as left out.
  await page.getByRole("checkbox", { name: `Select ${owner}` }).click();
  await page.getByRole("region", { name: "Selected users" }).getByRole("button", { name: "Change role" }).click();
  const dialog = page.getByRole("dialog", { name: "Change role" });
  await dialog.getByLabel("Role", { exact: true }).selectOption({ label: "Admin" });
  await expect(dialog.getByRole("status")).toContainText(`${owner} is the owner (Transfer ownership`);
  await expect(dialog.getByRole("button", { name: "Confirm" })).toBeDisabled();
  await dialog.getByRole("button", { name: "Cancel" }).click();

  await rowAction(page, heir, "Edit");
  await page.getByRole("button", { name: "Transfer ownership" }).click();
  const transfer = page.getByRole("dialog", { name: "Transfer ownership" });
  await expect(transfer).toContainText(`${heir} becomes the owner of the company.`);
  await transfer.getByLabel("Your password").fill("Tangerine-Glacier-42-Otter");
  await transfer.getByRole("button", { name: "Transfer ownership" }).click();
  // The page reloads with the new roles: the heir is the owner, so no transfer is offered.
  await expect(page.getByRole("term").filter({ hasText: "Role" }).locator("+ dd")).toHaveText("Owner");
  await expect(page.getByRole("button", { name: "Transfer ownership" })).toHaveCount(0);
  await expect(page.getByRole("note").filter({ hasText: "is the owner — transfer ownership first" })).toBeVisible();
  await page.goto("/users");
  await expect(page.getByRole("row", { name: new RegExp(heir) })).toContainText("Owner");
  await expect(page.getByRole("row", { name: new RegExp(owner) })).toContainText("Admin");
});

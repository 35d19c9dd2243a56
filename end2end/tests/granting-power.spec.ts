import { expect } from "@playwright/test";
import { test } from "./fixtures";
import { addPeople, hydrated, rowAction, screenshot, settled, signUp, unique, uniqueEmail } from "./helpers";

test("granting Admin to 6 people names them, says what they gain, and asks for their number", async ({ page }, info) => {
  await signUp(page, unique("Dunder Mifflin"), "Michael Scott", uniqueEmail("michael"));
  const prefix = unique("Clerk");
  const names = await addPeople(page, prefix, 6);
  await page.goto(`/users?q=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  await settled(page);
  for (const name of names) {
    await page.getByRole("checkbox", { name: `Select ${name}` }).check();
  }
  const bar = page.getByRole("region", { name: "Selected users" });
  await expect(bar).toContainText("6 selected");
  await bar.getByRole("button", { name: "Change role" }).click();
  const dialog = page.getByRole("dialog", { name: "Change role" });
  await dialog.getByLabel("Role", { exact: true }).selectOption({ label: "Admin" });

  const gain = dialog.getByRole("group", { name: "New permissions" });
  await expect(gain).toContainText("6 people will gain new permissions: View users, Manage users, Manage invitations, Manage roles");
  await expect(gain).toContainText(`Who: ${names.slice(0, 5).join(", ")} and ${names[5]}.`);
  const confirm = dialog.getByRole("button", { name: "Confirm" });
  await expect(confirm).toBeDisabled();
  const number = gain.getByLabel("To confirm, type the number of people who gain them (6)");
  await number.fill("5");
  await expect(confirm).toBeDisabled();
  await number.fill("6");
  await expect(confirm).toBeEnabled();
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await screenshot(page, info, `granting-power-${scheme}`);
  }
  await page.emulateMedia({ colorScheme: "light" });
  await confirm.click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText("6 users changed.")).toBeVisible();
  await settled(page);
  await expect(page.getByRole("row", { name: new RegExp(names[5]) })).toContainText("Admin");

  // One person made Admin is named, with nothing to type; making them a Member again grants nothing.
  await rowAction(page, names[0], "Change role");
  await dialog.getByLabel("Role", { exact: true }).selectOption({ label: "Member" });
  await expect(dialog.getByRole("status")).toContainText(`Change the role of ${names[0]} to Member`);
  await expect(gain).toBeHidden();
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(dialog).toBeHidden();
  await settled(page);
  await expect(page.getByRole("row", { name: new RegExp(names[0]) })).toContainText("Member");
  await rowAction(page, names[0], "Change role");
  await dialog.getByLabel("Role", { exact: true }).selectOption({ label: "Admin" });
  await expect(gain).toContainText(`${names[0]} will gain new permissions: View users`);
  await expect(gain.getByRole("textbox")).toHaveCount(0);
  await expect(dialog.getByRole("button", { name: "Confirm" })).toBeEnabled();
});

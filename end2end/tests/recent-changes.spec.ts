import { expect } from "@playwright/test";
import { test } from "./fixtures";
import { addPeople, hydrated, rowAction, screenshot, settled, signUp, unique, uniqueEmail } from "./helpers";

test("after a reload, an admin undoes a bulk change and a one-person change from Recent changes, and hears who could not be restored", async ({
  page,
}, info) => {
  await signUp(page, unique("Vance Refrigeration"), "Bob Vance", uniqueEmail("bob"));
  const prefix = unique("Fridge");
  const [ada, ben, cy] = await addPeople(page, prefix, 3);
  await page.goto(`/users?q=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  await settled(page);
  const row = (name: string) => page.getByRole("row", { name: new RegExp(name) });

  // One person from her row, then two at once.
  await rowAction(page, ada, "Deactivate");
  const deactivateOne = page.getByRole("dialog", { name: "Deactivate user" });
  await deactivateOne.getByRole("button", { name: "Deactivate" }).click();
  await expect(deactivateOne).toBeHidden();
  await expect(row(ada)).toContainText("Deactivated");
  await page.getByRole("checkbox", { name: `Select ${ben}` }).check();
  await page.getByRole("checkbox", { name: `Select ${cy}` }).check();
  await page.getByRole("region", { name: "Selected users" }).getByRole("button", { name: "Deactivate" }).click();
  const deactivateTwo = page.getByRole("dialog", { name: "Deactivate users" });
  await expect(deactivateTwo.getByRole("status")).toContainText("Deactivate 2 users");
  await deactivateTwo.getByRole("button", { name: "Deactivate" }).click();
  await expect(deactivateTwo).toBeHidden();
  await expect(page.getByText("2 users changed.")).toBeVisible();
  await settled(page);
  await expect(row(cy)).toContainText("Deactivated");
  // Someone changes Cy again: the undo must leave her as she is now.
  await rowAction(page, cy, "Reactivate");
  const reactivate = page.getByRole("dialog", { name: "Reactivate user" });
  await reactivate.getByRole("button", { name: "Reactivate" }).click();
  await expect(reactivate).toBeHidden();
  await expect(row(cy)).toContainText("Active");

  // The toast is gone with the reload; the changes are not.
  await page.reload();
  await hydrated(page);
  await settled(page);
  await expect(page.getByRole("button", { name: "Undo", exact: true })).toHaveCount(0);
  await page.getByRole("button", { name: "Recent changes" }).click();
  const panel = page.getByRole("dialog", { name: "Recent changes" });
  const changes = panel.getByRole("list", { name: "Changes, newest first" });
  await expect(changes.getByRole("listitem")).toHaveCount(3);
  await expect(changes.getByRole("listitem").nth(0)).toContainText(`Reactivated ${cy}`);
  await expect(changes.getByRole("listitem").nth(1)).toContainText(`Deactivated ${ben} and ${cy}`);
  await expect(changes.getByRole("listitem").nth(2)).toContainText(`Deactivated ${ada}`);
  await expect(changes.getByRole("listitem").nth(2)).toContainText("You · ");
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await screenshot(page, info, `recent-changes-${scheme}`);
  }
  await page.emulateMedia({ colorScheme: "light" });

  await panel.getByRole("button", { name: `Undo: Deactivated ${ben} and ${cy}` }).click();
  await expect(panel.getByRole("status")).toHaveText(
    `Deactivated ${ben} and ${cy}: Undone: 1 user restored. Not restored: ${cy} was changed again since.`,
  );
  const undoneRow = changes.getByRole("listitem").filter({ hasText: `Deactivated ${ben} and ${cy}` });
  await expect(undoneRow).toContainText("Undone: 1 of 2 restored");
  await expect(undoneRow.getByRole("button")).toHaveCount(0);

  await panel.getByRole("button", { name: `Undo: Deactivated ${ada}` }).click();
  await expect(panel.getByRole("status")).toHaveText(`Deactivated ${ada}: Undone: 1 user restored.`);
  await expect(changes.getByRole("listitem").filter({ hasText: `Deactivated ${ada}` })).toContainText("Undone");
  await screenshot(page, info, "recent-changes-undone");
  await panel.getByRole("button", { name: "Close" }).click();
  await expect(panel).toBeHidden();

  // The table follows.
  await settled(page);
  await expect(row(ada)).toContainText("Active");
  await expect(row(ben)).toContainText("Active");
  await expect(row(cy)).toContainText("Active");
});

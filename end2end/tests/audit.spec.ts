import { expect, test } from "@playwright/test";
import { addUser, hydrated, isPhone, openNavigation, rowAction, screenshot, showFilters, signUp, unique, uniqueEmail } from "./helpers";

test("an admin changes a person's role, finds the event on the audit log by person and action, reads its details, and sees it under the person's History", async ({
  page,
}, info) => {
  const owner = unique("Olga Owner");
  await signUp(page, unique("Audit Co"), owner, uniqueEmail("olga"));
  const name = unique("Rita Role");
  await addUser(page, name, uniqueEmail("rita"));
  await page.getByRole("searchbox", { name: "Search users" }).fill(name);
  await expect(page.getByRole("rowheader")).toHaveCount(1);
  await rowAction(page, name, "Change role");
  const dialog = page.getByRole("dialog", { name: "Change role" });
  await dialog.getByLabel("Role", { exact: true }).selectOption({ label: "Admin" });
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(dialog).toBeHidden();

  // The audit log, from the navigation.
  await openNavigation(page, info);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
  await hydrated(page);

  // Filter for the person and the action.
  await page.getByRole("searchbox", { name: "Search events" }).fill(name);
  await expect(page).toHaveURL(/[?&]q=/);
  await showFilters(page);
  await page.getByText("All actions").click();
  await page.getByRole("checkbox", { name: "Changed the role of" }).check();
  await expect(page).toHaveURL(/action=user\.role_changed/);
  // Escape closes the list of actions, which would otherwise lie over the table.
  await page.keyboard.press("Escape");
  await expect(page.getByRole("checkbox", { name: "Changed the role of" })).toBeHidden();
  const rows = page.getByRole("table", { name: "Audit events, newest first" }).getByRole("row");
  // The header and one event.
  await expect(rows).toHaveCount(2);
  const event = rows.nth(1);
  await expect(event).toContainText(owner);
  await expect(event).toContainText("changed the role of");
  await expect(event.getByRole("link", { name, exact: true })).toBeVisible();
  await event.getByText("Details").click();
  await expect(event.getByText('{"role":"Member"}')).toBeVisible();
  await expect(event.getByText('{"role":"Admin"}')).toBeVisible();
  await screenshot(page, info, "audit-log");
  // Nothing wider than the window.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
    page.viewportSize()!.width,
  );

  // "Export CSV" is the download of the view on screen, with the event in it.
  const exportLink = page.getByRole("link", { name: "Export CSV" });
  const href = await exportLink.getAttribute("href");
  expect(href).toMatch(/^\/api\/audit\/export\?format=csv&.*action=user\.role_changed/);
  const answer = await page.request.get(href!);
  expect(answer.headers()["content-disposition"]).toContain("attachment");
  const csv = await answer.text();
  expect(csv.split("\n")[0]).toBe("id,time,actor_kind,actor,action,action_words,target,ip,before,after");
  expect(csv).toContain("user.role_changed");
  expect(csv).toContain(name);

  // The person's page lists it under History, with the way back to the log about them.
  await event.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  const history = page.getByRole("region", { name: "History" });
  await expect(history).toContainText(`${owner} changed the role of ${name}`);
  await history.getByRole("link", { name: "All events about this person in the audit log" }).click();
  await expect(page).toHaveURL(/\/audit\?target=\d+$/);
  await expect(page.getByText("About one person")).toBeVisible();
  await expect(page.getByRole("table", { name: "Audit events, newest first" })).toContainText("changed the role of");
  if (isPhone(info)) {
    await screenshot(page, info, "audit-log-about-one-person");
  }
});

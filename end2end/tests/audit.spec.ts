import AxeBuilder from "@axe-core/playwright";
import { expect, Page } from "@playwright/test";
import { test } from "./fixtures";
import { acceptLink, addUser, hydrated, isPhone, openNavigation, rowAction, screenshot, showFilters, signUp, unique, uniqueEmail } from "./helpers";

test("an admin changes a person's role, finds the event on the audit log by person and action, reads its details, and sees it under the person's History", async ({
  page,
}, info) => {
  const owner = unique("Olga Owner");
  const company = unique("Audit Co");
  await signUp(page, company, owner, uniqueEmail("olga"));
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
  // The role applies on the company's root account, which links to its events.
  await expect(event.getByRole("link", { name: company, exact: true })).toHaveAttribute("title", `Events on ${company}`);
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
  expect(csv.split("\n")[0]).toBe("id,time,actor_kind,actor,action,action_words,target,account,ip,before,after");
  expect(csv).toContain("user.role_changed");
  expect(csv).toContain(name);

  // The person's page lists it under History, with the way back to the log about them.
  await event.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  const history = page.getByRole("region", { name: "History" });
  await expect(history).toContainText(`${owner} changed the role of ${name}`);
  await history.getByRole("link", { name: "All events about this person in the audit log" }).click();
  await expect(page).toHaveURL(/\/audit\?target=\d+$/);
  await expect(page.getByText(`About ${name}`)).toBeVisible();
  await expect(page.getByRole("table", { name: "Audit events, newest first" })).toContainText("changed the role of");
  if (isPhone(info)) {
    await screenshot(page, info, "audit-log-about-one-person");
  }
});

/** WCAG 2 A and AA (contrast among them) on what the page shows now. */
async function expectNoViolations(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  const found = results.violations.map((v) => ({ rule: v.id, nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary ?? ""}`) }));
  expect(found, `${where}: ${JSON.stringify(found, null, 2)}`).toEqual([]);
}

/** The audit table's event rows (without its header row). */
function eventRows(page: Page) {
  return page.getByRole("table", { name: "Audit events, newest first" }).getByRole("row").filter({ has: page.getByRole("rowheader") });
}

test("another admin's change is announced above the audit log without moving its rows, and Show brings it to the top", async ({
  page,
  browser,
}, info) => {
  test.setTimeout(90_000); // two browsers
  const owner = unique("Oona Owner");
  await signUp(page, unique("Live Audit Co"), owner, uniqueEmail("oona"));
  const adminEmail = uniqueEmail("ada");
  await addUser(page, unique("Ada Admin"), adminEmail, "Admin");

  // The admin reads the audit log in her own browser.
  const other = await acceptLink(browser, adminEmail, /\/users$/);
  const reader = other.pages()[0];
  await reader.goto("/audit");
  await hydrated(reader);
  await expect(reader.getByRole("status", { name: "Live updates: Live" })).toHaveText("Live");
  const rows = eventRows(reader);
  const top = rows.first();
  const topText = await top.innerText();
  const count = await rows.count();
  const topBox = await top.boundingBox();

  // The owner adds someone: the reader is told, and nothing under her moves.
  const nina = unique("Nina New");
  await addUser(page, nina, uniqueEmail("nina"));
  const banner = reader.getByRole("status").filter({ hasText: /new event/ });
  await expect(banner).toHaveText(/^1 new event — Show$/);
  const show = banner.getByRole("button", { name: "Show" });
  await expect(show).toBeVisible();
  expect(await top.innerText()).toBe(topText);
  expect(await rows.count()).toBe(count);
  expect(await top.boundingBox()).toEqual(topBox);
  await expect(reader.getByRole("table", { name: "Audit events, newest first" })).not.toContainText(nina);
  expect(await reader.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(reader.viewportSize()!.width);
  await screenshot(reader, info, "audit-new-events");
  await expectNoViolations(reader, "the new events banner");
  await reader.emulateMedia({ colorScheme: "dark" });
  await screenshot(reader, info, "audit-new-events-dark");
  await expectNoViolations(reader, "the new events banner, dark");
  await reader.emulateMedia({ colorScheme: "light" });

  // Show: the new event is at the top, and the banner is gone.
  await show.click();
  await expect(top).toContainText(nina);
  await expect(top).toContainText(owner);
  await expect(rows).toHaveCount(count + 1);
  await expect(reader.getByText(/new event/)).toHaveCount(0);
  await other.close();
});

test("an admin picks the person who acted from suggestions by typing part of their name, and the log shows only their events", async ({
  page,
  browser,
}, info) => {
  test.setTimeout(90_000); // two browsers
  const owner = unique("Otto Owner");
  await signUp(page, unique("Picker Co"), owner, uniqueEmail("otto"));
  const ada = unique("Ada Actor");
  const adaEmail = uniqueEmail("ada");
  await addUser(page, ada, adaEmail, "Admin");
  // Ada adds someone in her own browser: an event by her among the owner's.
  const other = await acceptLink(browser, adaEmail, /\/users$/);
  const zed = unique("Zed Added");
  const adaTab = other.pages()[0];
  await hydrated(adaTab);
  await addUser(adaTab, zed, uniqueEmail("zed"));
  await other.close();

  await page.goto("/audit");
  await hydrated(page);
  await expect(eventRows(page).filter({ hasText: owner }).first()).toBeVisible();
  await showFilters(page);
  const picker = page.getByRole("combobox", { name: "By" });
  // Part of her name: the unique tail, so only she matches.
  const part = ada.slice(ada.lastIndexOf("-") + 1, ada.length - 1);
  await picker.fill(part);
  const options = page.getByRole("listbox", { name: "By: people" }).getByRole("option");
  await expect(options).toHaveCount(1);
  await expect(options.first()).toContainText(ada);
  await expect(picker).toHaveAttribute("aria-expanded", "true");
  await screenshot(page, info, "audit-person-picker");
  await expectNoViolations(page, "the person picker");
  await page.emulateMedia({ colorScheme: "dark" });
  await screenshot(page, info, "audit-person-picker-dark");
  await expectNoViolations(page, "the person picker, dark");
  await page.emulateMedia({ colorScheme: "light" });
  // Escape closes the suggestions; Down opens them again and highlights the first; Enter picks it.
  await picker.press("Escape");
  await expect(picker).toHaveAttribute("aria-expanded", "false");
  await picker.press("ArrowDown");
  await expect(options.first()).toHaveAttribute("aria-selected", "true");
  await picker.press("Enter");
  await expect(page).toHaveURL(/\/audit\?actor=\d+$/);
  await expect(picker).toHaveValue(ada);
  await expect(page.getByText(`By ${ada}`)).toBeVisible();
  const rows = eventRows(page);
  await expect(rows.filter({ hasText: zed })).toHaveCount(1);
  await expect(rows.filter({ hasText: owner })).toHaveCount(0);
  for (const who of await rows.getByRole("rowheader").allInnerTexts()) {
    expect(who).toContain(ada);
  }
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(page.viewportSize()!.width);

  // Removing the filter empties the box.
  await page.getByRole("link", { name: `Remove filter: By ${ada}` }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(picker).toHaveValue("");
});

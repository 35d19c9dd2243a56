import { expect, Page, TestInfo } from "@playwright/test";
import { test } from "./fixtures";
import { acceptLink, addUser, hydrated, rowAction, screenshot, signUp, unique, uniqueEmail } from "./helpers";

/** Whether the page scrolls sideways (it must not). */
async function noSidewaysScroll(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(page.viewportSize()!.width);
}

/** Screenshots of the page in light and dark, each checked for sideways scrolling. */
async function bothSchemes(page: Page, info: TestInfo, name: string): Promise<void> {
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await noSidewaysScroll(page);
    await screenshot(page, info, `${name}-${colorScheme}`);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

/** The user with `email`, as the owner's browser finds them through the users list. */
async function userId(page: Page, email: string): Promise<number> {
  const answer = await page.request.post("/api/users/list", { form: { "query[search]": email } });
  expect(answer.ok(), await answer.text()).toBe(true);
  const rows = (await answer.json()).users as { id: number; email: string }[];
  const row = rows.find((r) => r.email === email);
  expect(row, `${email} in the users list`).toBeTruthy();
  return row!.id;
}

test("a new Member's first screen says who they are: role, teams, what they can do; other pages refuse from the first answer", async ({
  page,
  browser,
}, info) => {
  const company = unique("Acme");
  await signUp(page, company, "Olivia Owner", uniqueEmail("olivia"));
  // Two teams, one of them Mia's.
  const design = unique("Design");
  const other = unique("Other");
  const ids: number[] = [];
  for (const name of [design, other]) {
    const answer = await page.request.post("/api/teams/create", { form: { name } });
    expect(answer.ok(), await answer.text()).toBe(true);
    ids.push(await answer.json());
  }
  const name = unique("Mia Member");
  const email = uniqueEmail("mia");
  await addUser(page, name, email, "Member");
  const added = await page.request.post("/api/teams/add_members", {
    form: { id: String(ids[0]), "users[0]": String(await userId(page, email)) },
  });
  expect(added.ok(), await added.text()).toBe(true);

  // The owner's Change role dialog says on which account the role applies.
  await page.reload();
  await hydrated(page);
  await rowAction(page, name, "Change role");
  const dialog = page.getByRole("dialog", { name: "Change role" });
  await dialog.getByLabel("Role").selectOption({ label: "Admin" });
  await expect(dialog.getByRole("status")).toHaveText(`Change the role of ${name} to Admin on ${company} and all its sub-accounts.`);
  await bothSchemes(page, info, "change-role-where");
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // Mia sets her password from the emailed link and lands on Home.
  const context = await acceptLink(browser, email, /\/home$/);
  const tab = context.pages()[0];
  await hydrated(tab);
  const main = tab.getByRole("main");
  await expect(main.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(main.getByRole("region", { name: "Your role" }).getByRole("listitem")).toHaveText([`Member · ${company}`]);
  await expect(main.getByRole("region", { name: "Your teams" }).getByRole("listitem")).toHaveText([design]);
  await expect(main).not.toContainText(other);
  const can = main.getByRole("region", { name: "What you can do" });
  await expect(can).toContainText("Your role gives you no management permissions");
  await expect(can.getByRole("listitem")).toHaveCount(1);
  await expect(can.getByRole("listitem")).toContainText("see and sign out your signed-in devices");
  const links = main.getByRole("navigation", { name: "Your account" });
  await expect(links.getByRole("link", { name: "Your profile" })).toHaveAttribute("href", "/profile");
  await expect(links.getByRole("link", { name: "Your devices and sessions" })).toHaveAttribute("href", "/profile#devices");
  await bothSchemes(tab, info, "home-member");

  // The logo leads her home from anywhere.
  await tab.goto("/profile");
  await hydrated(tab);
  await tab.getByRole("link", { name: "Roster", exact: true }).click();
  await expect(tab).toHaveURL(/\/home$/);
  await expect(main.getByRole("heading", { level: 1, name })).toBeVisible();

  // A page she may not use: refused in the server's HTML, and nothing of the page is ever
  // drawn in the browser (watched from before the first byte).
  await tab.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    new MutationObserver(() => {
      if (document.querySelector(".live-indicator")) seen.push("live badge");
      for (const h of document.querySelectorAll("h1")) {
        if (h.textContent === "Users") seen.push("Users heading");
      }
    }).observe(document, { childList: true, subtree: true, characterData: true });
  });
  const response = await tab.goto("/users");
  const html = await response!.text();
  expect(html).toContain("You don't have access");
  expect(html).not.toMatch(/<h1[^>]*>Users/);
  expect(html).not.toContain("live-indicator");
  expect(html).not.toContain("Reconnecting");
  await hydrated(tab);
  await expect(main.getByRole("heading", { name: "You don't have access" })).toBeVisible();
  await expect(main.getByRole("heading", { name: "Users" })).toHaveCount(0);
  await expect(tab.getByRole("status", { name: /Live updates/ })).toHaveCount(0);
  expect(await tab.evaluate(() => (window as unknown as { seen: string[] }).seen)).toEqual([]);
  await expect(main.getByRole("link", { name: "Go to Home" })).toHaveAttribute("href", "/home");
  await bothSchemes(tab, info, "no-access-member");
  await context.close();
});

test("the role editor says what each permission and module allows", async ({ page }, info) => {
  await signUp(page, unique("Acme"), "Olivia Owner", uniqueEmail("olivia"));
  await page.goto("/roles");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1, name: "Roles" })).toBeVisible();
  await bothSchemes(page, info, "roles");
  await page.getByRole("button", { name: "New role" }).click();
  const dialog = page.getByRole("dialog", { name: "New role" });
  const permissions = [
    "View users",
    "Manage users",
    "Manage invitations",
    "Manage roles",
    "Manage teams",
    "Manage accounts",
    "View audit log",
    "Manage settings",
  ];
  for (const name of permissions) {
    await expect(dialog.getByRole("checkbox", { name, exact: true })).toHaveAccessibleDescription(/\w+.{20,}/);
  }
  await expect(dialog.getByRole("checkbox", { name: "Manage users", exact: true })).toHaveAccessibleDescription(
    /deactivate, reactivate and delete them/,
  );
  for (const module of ["Pricing", "Payments", "Reports", "Orders"]) {
    await expect(dialog.getByRole("checkbox", { name: module, exact: true })).toHaveAccessibleDescription(`Use the ${module} module`);
  }
  await noSidewaysScroll(page);
  await screenshot(page, info, "roles-new-described");
  await page.emulateMedia({ colorScheme: "dark" });
  await screenshot(page, info, "roles-new-described-dark");
  await dialog.getByRole("checkbox", { name: "Orders", exact: true }).scrollIntoViewIfNeeded();
  await screenshot(page, info, "roles-new-described-modules-dark");
  await page.emulateMedia({ colorScheme: "light" });
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // The owner's Home: everything, each with where it applies.
  await page.goto("/home");
  await hydrated(page);
  const can = page.getByRole("region", { name: "What you can do" });
  await expect(can).toContainText("you hold everything");
  await expect(can.getByRole("listitem")).toHaveCount(8 + 4 + 1);
  await expect(can.getByRole("listitem").filter({ hasText: "Manage users" })).toContainText("On every account");
  await expect(can.getByRole("listitem").filter({ hasText: "Manage roles" })).toContainText("Company-wide");
  await expect(can.getByRole("listitem").filter({ hasText: "Use the Orders module" })).toBeVisible();
  await bothSchemes(page, info, "home-owner");
});

import { Browser, BrowserContext, expect, Page, TestInfo } from "@playwright/test";
import { readFileSync } from "node:fs";

export const PASSWORD = "Tangerine-Glacier-42-Otter";

/** A value no other test (or earlier run) uses. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}

export function uniqueEmail(who: string): string {
  return `${unique(who)}@example.com`;
}

/** Waits until the WASM has hydrated the page, so clicks reach Leptos handlers. */
export async function hydrated(page: Page): Promise<void> {
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
}

/** Saves a full-page screenshot under test-results/screenshots/<project>/<name>.png. */
export async function screenshot(page: Page, info: TestInfo, name: string): Promise<void> {
  await page.screenshot({
    path: `test-results/screenshots/${info.project.name}/${name}.png`,
    fullPage: true,
  });
}

export const isPhone = (info: TestInfo) => info.project.name === "phone";

/** Signs up a new company through the form and lands on its users table. */
export async function signUp(page: Page, company: string, name: string, email: string): Promise<void> {
  await page.goto("/signup");
  await hydrated(page);
  await page.getByLabel("Company name").fill(company);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create company" }).click();
  await expect(page).toHaveURL(/\/users$/);
  await hydrated(page);
  await confirmOwner(page, email);
}

/** The new owner uses the emailed link confirming their address, so the company may send
 * email (the page itself is covered by the profile spec; here the link is posted directly). */
export async function confirmOwner(page: Page, email: string): Promise<void> {
  let link = "";
  await expect
    .poll(() => {
      try {
        link = emailedLink(email, "verify-email");
      } catch {
        link = "";
      }
      return link;
    }, { message: `the confirmation email to ${email} in the server log` })
    .not.toBe("");
  const token = link.split("/").pop()!;
  const answer = await page.request.post("/api/profile/verify_email", { form: { token } });
  expect(answer.ok(), await answer.text()).toBe(true);
}

/** Opens the main navigation: behind "Menu" on a phone, always visible on a desktop. */
export async function openNavigation(page: Page, info: TestInfo): Promise<void> {
  const nav = page.getByRole("navigation", { name: "Main" });
  if (isPhone(info) && !(await nav.isVisible())) {
    await page.getByRole("button", { name: "Menu" }).click();
  }
  await expect(nav).toBeVisible();
}

/** Signs in as the owner of the demo company "Acme" (120 people) that the test server seeds. */
export async function signInAsDemoOwner(page: Page): Promise<void> {
  const email = process.env.DEMO_EMAIL;
  const password = process.env.DEMO_PASSWORD;
  if (!email || !password) throw new Error("the test server was started without the demo company");
  await signIn(page, email, password);
  await expect(page).toHaveURL(/\/users$/);
  await hydrated(page);
}

/** Signs in through the form; the caller waits for where the person lands. */
export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** The `/<path>/<token>` link in the last email queued for `to`, as the server logs emails. */
export function emailedLink(to: string, path: "welcome" | "invite" | "verify-email" | "reset" | "join/verify" = "welcome"): string {
  const log = readFileSync(process.env.ROSTER_LOG ?? "", "utf8");
  const at = Math.max(log.lastIndexOf(`email address: ${to}`), log.lastIndexOf(`sign in again as ${to}`));
  expect(at, `an email to ${to} in the server log`).toBeGreaterThan(-1);
  const link = new RegExp(`https?://\\S+/${path}/[0-9a-f]+`).exec(log.slice(at))?.[0];
  expect(link).toBeTruthy();
  return link!;
}

/** Adds an active user through the "Add user" dialog, with `role` when given (else the
 * dialog's default). */
export async function addUser(page: Page, name: string, email: string, role?: string): Promise<void> {
  await page.getByRole("button", { name: "Add user" }).click();
  const dialog = page.getByRole("dialog", { name: "Add user" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Email", { exact: true }).fill(email);
  if (role) await dialog.getByLabel("Role", { exact: true }).selectOption({ label: role });
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
}

/** The user opens their emailed link in their own browser and chooses a password; they land
 * on the first page their role allows (`landing`). */
export async function acceptLink(browser: Browser, email: string, landing = /\/home$/): Promise<BrowserContext> {
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.goto(emailedLink(email));
  await hydrated(tab);
  await tab.getByLabel("Choose a password").fill(PASSWORD);
  await tab.getByRole("button", { name: "Continue to Roster" }).click();
  await expect(tab).toHaveURL(landing);
  return context;
}

/** Opens the row menu "Actions for <name>" and picks `item`. */
export async function rowAction(page: Page, name: string, item: string): Promise<void> {
  await page.getByRole("button", { name: `Actions for ${name}` }).click();
  await page.getByRole("menuitem", { name: item }).click();
}

/** On a phone, sorting and filters fold under "Filters": opens them when they are folded. */
export async function showFilters(page: Page): Promise<void> {
  const toggle = page.getByRole("button", { name: /^Filters/ });
  if ((await toggle.isVisible()) && (await toggle.getAttribute("aria-expanded")) === "false") {
    await toggle.click();
  }
}

/** Adds `count` active Members named "<prefix> 01" … through the server function "Add user"
 * posts (the dialog itself is covered by add-user.spec.ts; thirty of them would be slow). */
export async function addPeople(page: Page, prefix: string, count: number): Promise<string[]> {
  const filters = await page.request.post("/api/users/filters");
  expect(filters.ok(), await filters.text()).toBe(true);
  const roles: { id: number; name: string }[] = (await filters.json()).roles;
  const member = roles.find((r) => r.name === "Member")!.id;
  const names: string[] = [];
  for (let i = 1; i <= count; i++) {
    const name = `${prefix} ${String(i).padStart(2, "0")}`;
    const answer = await page.request.post("/api/users/create", {
      form: {
        "user[name]": name,
        "user[email]": uniqueEmail(`p${i}`),
        "user[role]": String(member),
        "user[status]": "Active",
      },
    });
    expect(answer.ok(), await answer.text()).toBe(true);
    names.push(name);
  }
  return names;
}

/** Waits until the table shows the view in the URL (not an older one being replaced). */
export async function settled(page: Page): Promise<void> {
  await expect(page.getByRole("table", { name: "Users" })).toHaveAttribute("aria-busy", "false");
}

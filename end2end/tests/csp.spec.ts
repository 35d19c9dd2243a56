import { expect, Page } from "@playwright/test";
import { test } from "./fixtures";
import { hydrated, openNavigation, signUp, unique, uniqueEmail } from "./helpers";

/** Everything the browser reports against the page, across navigations: Content-Security-Policy
 * violations (an init script listens for `securitypolicyviolation`), console errors and
 * uncaught exceptions. */
async function browserComplaints(page: Page): Promise<string[]> {
  const complaints: string[] = [];
  await page.exposeFunction("reportViolation", (violation: string) => complaints.push(`CSP: ${violation}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      (window as unknown as { reportViolation: (v: string) => void }).reportViolation(
        `${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile}:${e.lineNumber}`,
      ),
    );
  });
  page.on("console", (message) => {
    if (message.type() === "error") complaints.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => complaints.push(`page error: ${error.message}`));
  return complaints;
}

/** Loads `path` from the server (not a client-side navigation), checks it came with a nonce
 * policy, and waits for hydration. */
async function load(page: Page, path: string): Promise<void> {
  const response = await page.goto(path);
  expect(response?.headers()["content-security-policy"], path).toMatch(/script-src 'nonce-[\w-]+'/);
  await hydrated(page);
}

/** Creates a team through the "New team" dialog on /teams and answers its page's path. */
async function createTeam(page: Page, name: string): Promise<string> {
  await load(page, "/teams");
  await page.getByRole("button", { name: "New team" }).click();
  const dialog = page.getByRole("dialog", { name: "New team" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("button", { name: "Create team" }).click();
  await expect(dialog).toBeHidden();
  const href = await page.getByRole("link", { name }).getAttribute("href");
  expect(href).toMatch(/^\/teams\/\d+$/);
  return href!;
}

test("every page loads, hydrates and works under the CSP with nothing reported by the browser", async ({
  page,
}, info) => {
  const complaints = await browserComplaints(page);
  await load(page, "/login");
  await load(page, "/signup");
  const owner = unique("Cora Csp");
  await signUp(page, unique("Nonce Inc"), owner, uniqueEmail("cora"));
  const team = await createTeam(page, unique("Auditors"));

  // A user's page is opened from the table, not loaded: loaded directly, it does not hydrate
  // (a hydration mismatch in its devices panel, with or without the CSP).
  await load(page, "/users");
  await page.getByRole("link", { name: owner }).click();
  await expect(page.getByRole("heading", { level: 1, name: owner })).toBeVisible();
  const user = new URL(page.url()).pathname;
  for (const path of ["/teams", team, "/accounts", "/roles", "/settings", "/profile", "/users?tab=invited"]) {
    await load(page, path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  }
  // Client-side: a dialog, server functions and a navigation after hydration.
  await load(page, "/teams");
  await page.getByRole("button", { name: "New team" }).click();
  await page.getByRole("dialog", { name: "New team" }).getByRole("button", { name: "Cancel" }).click();
  await openNavigation(page, info);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(page).toHaveURL(/\/users$/);
  await page.getByRole("link", { name: owner }).click();
  await expect(page).toHaveURL(new RegExp(`${user}$`));
  await expect(page.getByRole("heading", { level: 1, name: owner })).toBeVisible();

  expect(complaints).toEqual([]);
});

test("a team named to close the title and run a script shows its name and runs nothing", async ({ page }) => {
  const complaints = await browserComplaints(page);
  await signUp(page, unique("Escapes Ltd"), "Esme Escape", uniqueEmail("esme"));
  const name = unique("</title><script>window.x=1</script>");
  const team = await createTeam(page, name);

  // From the server, as a visitor following a link would load it.
  const response = await page.goto(team);
  expect(await response!.text()).toContain("<title>&lt;/title&gt;&lt;script&gt;window.x=1");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page).toHaveTitle(`${name} · Roster`);
  expect(await page.evaluate(() => (window as unknown as { x?: number }).x)).toBeUndefined();
  expect(complaints).toEqual([]);
});

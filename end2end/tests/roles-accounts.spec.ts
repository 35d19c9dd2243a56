import { Browser, expect, Page, TestInfo } from "@playwright/test";
import { test } from "./fixtures";
import { acceptLink, hydrated, openNavigation, screenshot, signUp, unique, uniqueEmail } from "./helpers";

/** Adds a sub-account under the account named `parent` on /accounts. */
async function addAccount(page: Page, parent: string, name: string): Promise<void> {
  await page.getByRole("button", { name: `Add sub-account to ${parent}`, exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Add sub-account" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("button", { name: "Add sub-account" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("main").getByText(name, { exact: true })).toBeVisible();
}

/** Adds an active user in `account` (its path, as the dialog names it) with `role`. */
async function addUserIn(page: Page, name: string, email: string, account: string, role: string): Promise<void> {
  await page.getByRole("button", { name: "Add user" }).click();
  const dialog = page.getByRole("dialog", { name: "Add user" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Email", { exact: true }).fill(email);
  await dialog.getByLabel("Account", { exact: true }).selectOption({ label: account });
  await dialog.getByLabel("Role", { exact: true }).selectOption({ label: role });
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
}

/** The links of the main navigation, as the signed-in person sees them. */
async function navigationLinks(page: Page, info: TestInfo): Promise<string[]> {
  await openNavigation(page, info);
  return page.getByRole("navigation", { name: "Main" }).getByRole("link").allInnerTexts();
}

/** The person with `email` sets their password from the emailed link, in their own browser. */
async function signedInAs(browser: Browser, email: string, landing?: RegExp): Promise<Page> {
  const context = await acceptLink(browser, email, landing);
  const [tab] = context.pages();
  await hydrated(tab);
  return tab;
}

test("a Billing manager with Payments only, given on a sub-account, lands on Home and sees no users", async ({
  page,
  browser,
}, info) => {
  const company = unique("Initech");
  await signUp(page, company, "Olivia Owner", uniqueEmail("olivia"));

  await page.goto("/accounts");
  await hydrated(page);
  await addAccount(page, company, "Billing");
  await screenshot(page, info, "accounts");

  await page.goto("/roles");
  await hydrated(page);
  await page.getByRole("button", { name: "New role" }).click();
  const dialog = page.getByRole("dialog", { name: "New role" });
  await dialog.getByLabel("Name").fill("Billing manager");
  await dialog.getByRole("checkbox", { name: "Payments" }).check();
  await screenshot(page, info, "roles-new");
  await dialog.getByRole("button", { name: "Create role" }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole("row", { name: /Billing manager/ });
  await expect(row).toContainText("Payments");
  await expect(row).toContainText("0 users");
  await screenshot(page, info, "roles");

  const bill = uniqueEmail("bill");
  await page.goto("/users");
  await hydrated(page);
  await addUserIn(page, "Bill Payer", bill, company, "Member");
  await page.getByRole("link", { name: "Bill Payer" }).click();
  await hydrated(page);
  const access = page.getByRole("region", { name: "Account and sub-account access" });
  await access.getByRole("button", { name: "Assign with another role to more accounts" }).click();
  const assign = page.getByRole("dialog", { name: "Assign to more accounts" });
  await assign.getByLabel("Role").selectOption({ label: "Billing manager" });
  await assign.getByRole("checkbox", { name: `${company} › Billing` }).check();
  await screenshot(page, info, "user-assign");
  await assign.getByRole("button", { name: "Assign" }).click();
  // Billing manager lets a Member use Payments: it is given only once that is confirmed.
  const gain = page.getByRole("dialog", { name: "Give more access?" });
  await expect(gain).toContainText(`Bill Payer will be able to do more on ${company} › Billing`);
  await expect(gain.getByRole("listitem")).toHaveText(["Use Payments"]);
  await screenshot(page, info, "user-access-gain");
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(page.viewportSize()!.width);
  await gain.getByRole("button", { name: "Give Billing manager" }).click();
  await expect(gain).toBeHidden();
  await expect(assign).toBeHidden();
  await expect(access.getByRole("combobox", { name: `Role in ${company} › Billing` })).toHaveValue(/\d+/);
  // Called off, a row's change leaves the role as it was.
  const onBilling = access.getByRole("combobox", { name: `Role in ${company} › Billing` });
  const before = await onBilling.inputValue();
  await onBilling.selectOption({ label: "Admin" });
  await expect(gain).toContainText("As Admin, Bill Payer will be able to do more");
  await gain.getByRole("button", { name: "Cancel" }).click();
  await expect(gain).toBeHidden();
  await expect(onBilling).toHaveValue(before);
  // Without the company-wide Member assignment, Billing is all Bill can reach.
  await access.getByRole("button", { name: `Remove access to ${company}`, exact: true }).click();
  await expect(access.getByRole("row")).toHaveCount(2);
  await expect(access.getByRole("button", { name: `Remove access to ${company} › Billing` })).toBeDisabled();
  await screenshot(page, info, "user-access");

  const tab = await signedInAs(browser, bill);
  expect(await navigationLinks(tab, info)).toEqual(["Home", "Profile"]);
  await tab.goto("/users");
  await expect(tab.getByRole("heading", { name: "You don't have access" })).toBeVisible();
  await tab.goto("/roles");
  await expect(tab.getByRole("heading", { name: "You don't have access" })).toBeVisible();
  await screenshot(tab, info, "billing-manager-no-access");
  await tab.context().close();
});

test("a scoped admin of a customer account sees only that account's users and accounts", async ({ page, browser }, info) => {
  const company = unique("Reseller");
  await signUp(page, company, "Olivia Owner", uniqueEmail("olivia"));
  await page.goto("/accounts");
  await hydrated(page);
  await addAccount(page, company, "Customers");
  await addAccount(page, "Customers", "Customer A");
  await addAccount(page, "Customers", "Customer B");

  const customerA = `${company} › Customers › Customer A`;
  const customerB = `${company} › Customers › Customer B`;
  const ann = uniqueEmail("ann");
  await page.goto("/users");
  await hydrated(page);
  await addUserIn(page, "Ann Admin", ann, customerA, "Admin");
  await addUserIn(page, "Carl Customer", uniqueEmail("carl"), customerA, "Member");
  await addUserIn(page, "Bea Other", uniqueEmail("bea"), customerB, "Member");
  await expect(page.getByRole("row", { name: /Ann Admin/ })).toContainText("Admin (Customer A)");

  const tab = await signedInAs(browser, ann, /\/users$/);
  // The audit log too: it shows her the events about the people of her account.
  expect(await navigationLinks(tab, info)).toEqual(["Users", "Teams", "Accounts", "Audit log", "Profile"]);
  await tab.goto("/users");
  await hydrated(tab);
  await expect(tab.getByRole("row", { name: /Carl Customer/ })).toBeVisible();
  await expect(tab.getByRole("row", { name: /Ann Admin/ })).toBeVisible();
  await expect(tab.getByRole("rowheader")).toHaveCount(2);
  await expect(tab.getByRole("main")).not.toContainText("Bea Other");
  await expect(tab.getByRole("main")).not.toContainText("Olivia Owner");
  await screenshot(tab, info, "scoped-admin-users");

  await tab.goto("/accounts");
  await hydrated(tab);
  await expect(tab.getByRole("main").getByText("Customer A", { exact: true })).toBeVisible();
  await expect(tab.getByRole("main")).not.toContainText("Customer B");
  await screenshot(tab, info, "scoped-admin-accounts");
  await tab.context().close();
});

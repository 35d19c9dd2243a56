import { Browser, expect, Page, test } from "@playwright/test";
import { emailedLink, hydrated, PASSWORD, screenshot, signIn, signUp, unique, uniqueEmail } from "./helpers";

/** Signs `email` in with `password` in a new browser context and answers its page. */
async function signInElsewhere(browser: Browser, email: string, password = PASSWORD): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, email, password);
  await expect(page).toHaveURL(/\/users$/);
  return page;
}

// Each test signs up, signs in a second browser and hashes passwords: slow on a busy machine.
test.describe.configure({ timeout: 90_000 });

async function openProfile(page: Page): Promise<void> {
  await page.goto("/profile");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1, name: "Profile" })).toBeVisible();
}

test("a user edits their details and sees them after a reload", async ({ page }, info) => {
  await signUp(page, unique("Vandelay"), "Art Vandelay", uniqueEmail("art"));
  await openProfile(page);
  const details = page.getByRole("region", { name: "Details" });
  await details.getByLabel("Name").fill("Arthur Vandelay");
  await details.getByLabel("Phone").fill("+1 212 555 0199");
  await details.getByLabel("Country").selectOption("United States");
  await details.getByLabel("Language").selectOption({ label: "Español" });
  await details.getByLabel("Time zone").selectOption("America/New_York");
  await details.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Details saved." })).toBeVisible();
  await screenshot(page, info, "profile");

  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("banner")).toContainText("Arthur Vandelay");
  await expect(details.getByLabel("Name")).toHaveValue("Arthur Vandelay");
  await expect(details.getByLabel("Phone")).toHaveValue("+1 212 555 0199");
  await expect(details.getByLabel("Country")).toHaveValue("United States");
  await expect(details.getByLabel("Language")).toHaveValue("es");
  await expect(details.getByLabel("Time zone")).toHaveValue("America/New_York");
});

test("changing the password with 'Sign out other devices' signs the other browser out", async ({ page, browser }) => {
  const email = uniqueEmail("kramer");
  await signUp(page, unique("Kramerica"), "Cosmo Kramer", email);
  const other = await signInElsewhere(browser, email);

  await openProfile(page);
  const section = page.getByRole("region", { name: "Password" });
  await section.getByLabel("Current password").fill(PASSWORD);
  await section.getByLabel("New password").fill("Marmalade-Canyon-77-Heron");
  await expect(section.getByLabel("Sign out other devices")).toBeChecked();
  await section.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Password changed. Signed out of 1 other device." })).toBeVisible();

  await other.goto("/profile");
  await expect(other).toHaveURL(/\/login/);
  await page.reload();
  await expect(page).toHaveURL(/\/profile$/);
  await other.context().close();
});

test("a user changes their email and it becomes the login once the link is used", async ({ page, browser }, info) => {
  const old = uniqueEmail("elaine");
  const next = uniqueEmail("elaine-new");
  await signUp(page, unique("Pendant"), "Elaine Benes", old);
  await openProfile(page);
  const section = page.getByRole("region", { name: "Email" });
  await section.getByRole("button", { name: "Change email" }).click();
  await section.getByLabel("New email").fill(next);
  await section.getByLabel("Current password").fill(PASSWORD);
  await section.getByRole("button", { name: "Send verification link" }).click();
  await expect(section.getByRole("status")).toContainText(`Open the link we sent to ${next}`);
  await screenshot(page, info, "profile-email-sent");

  const link = emailedLink(next, "verify-email");
  await page.goto(link);
  await hydrated(page);
  await page.getByRole("button", { name: "Confirm email" }).click();
  await expect(page.getByText(`Done. You now sign in with ${next}.`)).toBeVisible();
  await screenshot(page, info, "verify-email");

  const fresh = await signInElsewhere(browser, next);
  await fresh.context().close();
  // The link works once.
  await page.goto(link);
  await hydrated(page);
  await page.getByRole("button", { name: "Confirm email" }).click();
  await expect(page.getByRole("alert")).toContainText("expired or was already used");
});

test("the devices list marks this device and signs another one out", async ({ page, browser }, info) => {
  const email = uniqueEmail("george");
  await signUp(page, unique("Vandelay Industries"), "George Costanza", email);
  const other = await signInElsewhere(browser, email);

  await openProfile(page);
  const devices = page.getByRole("list", { name: "Signed-in devices" });
  await expect(devices.getByRole("listitem")).toHaveCount(2);
  const mine = devices.getByRole("listitem").filter({ hasText: "This device" });
  await expect(mine).toHaveCount(1);
  await expect(mine).toContainText(/Chrom(e|ium) \d+ on Linux/);
  await expect(mine).toContainText("IP 127.0.0.1");
  await screenshot(page, info, "profile-devices");

  await devices
    .getByRole("listitem")
    .filter({ hasNotText: "This device" })
    .getByRole("button", { name: /^Sign out/ })
    .click();
  await expect(page.getByRole("status").filter({ hasText: "Signed out of that device." })).toBeVisible();
  await expect(devices.getByRole("listitem")).toHaveCount(1);

  await other.goto("/profile");
  await expect(other).toHaveURL(/\/login/);
  await other.context().close();
});

import { expect } from "@playwright/test";
import { test } from "./fixtures";
import { emailedLink, hydrated, screenshot, signUp, unique, uniqueEmail } from "./helpers";

const NEW_PASSWORD = "Marmalade-Harbour-77-Lynx";

// Two browsers and several emailed links: more steps than most tests.
test.setTimeout(90_000);

test("a forgotten password is reset by the emailed link, which works once", async ({ page, browser }, info) => {
  const email = uniqueEmail("bill");
  await signUp(page, unique("Initrode"), "Bill Lumbergh", email);

  // Another browser: the person forgot their password.
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.goto("/login");
  await hydrated(tab);
  await tab.getByRole("link", { name: "Forgot password?" }).click();
  await expect(tab.getByRole("heading", { name: "Reset your password" })).toBeVisible();
  await hydrated(tab);
  await tab.getByLabel("Email").fill(email);
  await tab.getByRole("button", { name: "Send reset link" }).click();
  await expect(tab.getByRole("status")).toContainText("If an account exists for that email, we've sent a link");
  await screenshot(tab, info, "reset-requested");

  const link = emailedLink(email, "reset");
  await tab.goto(link);
  await hydrated(tab);
  await expect(tab.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await tab.getByLabel("New password").fill(NEW_PASSWORD);
  await screenshot(tab, info, "reset-new-password");
  await tab.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(tab).toHaveURL(/\/users$/);
  await expect(tab.getByRole("banner")).toContainText("Initrode");

  // Every other session ended: the first browser is sent to sign in.
  await page.goto("/users");
  await expect(page).toHaveURL(/\/login/);

  // The link worked once.
  await tab.goto(link);
  await expect(tab.getByRole("heading", { name: "This link no longer works" })).toBeVisible();
  await screenshot(tab, info, "reset-link-used");

  // The new password signs in.
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/users$/);
  await context.close();
});

import { expect } from "@playwright/test";
import { test } from "./fixtures";
import { hydrated, isPhone, openNavigation, PASSWORD, screenshot, signUp, unique, uniqueEmail } from "./helpers";

test("a new company's owner signs up, signs out, signs in and sees themselves as Owner", async ({ page }, info) => {
  const email = uniqueEmail("owner");
  const company = unique("Globex");
  await page.goto("/signup");
  await hydrated(page);
  await screenshot(page, info, "signup");

  await signUp(page, company, "Hank Scorpio", email);
  const me = page.getByRole("row", { name: /Hank Scorpio/ });
  await expect(me).toContainText("Owner");
  await expect(me).toContainText(email);
  await expect(me).toContainText("Active");
  await expect(me).toContainText("just now");
  await expect(page.getByRole("banner")).toContainText(company);
  await screenshot(page, info, "users");

  await page.getByRole("button", { name: "Hank Scorpio", exact: true }).click();
  await expect(page.getByRole("menu")).toContainText(email);
  await screenshot(page, info, "user-menu");
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await hydrated(page);
  await screenshot(page, info, "login");

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByRole("row", { name: /Hank Scorpio/ })).toContainText("Owner");
});

test("the navigation lists the pages and, on a phone, opens from the Menu button", async ({ page }, info) => {
  await signUp(page, unique("Initech"), "Bill Lumbergh", uniqueEmail("bill"));
  const nav = page.getByRole("navigation", { name: "Main" });
  if (isPhone(info)) {
    await expect(nav).toBeHidden();
    const menu = page.getByRole("button", { name: "Menu" });
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await menu.click();
    await expect(menu).toHaveAttribute("aria-expanded", "true");
    await screenshot(page, info, "navigation-open");
  } else {
    await expect(page.getByRole("button", { name: "Menu" })).toBeHidden();
  }
  for (const name of ["Users", "Teams", "Roles", "Accounts", "Settings", "Profile"]) {
    await expect(nav.getByRole("link", { name })).toBeVisible();
  }
  for (const [name, path] of [
    ["Teams", "teams"],
    ["Roles", "roles"],
    ["Accounts", "accounts"],
    ["Settings", "settings"],
    ["Profile", "profile"],
  ]) {
    await openNavigation(page, info);
    await nav.getByRole("link", { name }).click();
    await expect(page).toHaveURL(new RegExp(`/${path}$`));
    await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
    await screenshot(page, info, path);
  }
  await expect(page.getByRole("main").getByLabel("Name", { exact: true })).toHaveValue("Bill Lumbergh");
});

test("a wrong password gets one clear message that does not say whether the email exists", async ({ page }, info) => {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(uniqueEmail("nobody"));
  await page.getByLabel("Password").fill("Wrong-Password-123");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("The email or password is incorrect.");
  await screenshot(page, info, "login-error");
});

test("a signed-out visitor is sent to sign in and then back to the page they wanted", async ({ page }) => {
  const email = uniqueEmail("owner");
  await signUp(page, unique("Umbrella"), "Alice Abernathy", email);
  await page.context().clearCookies();

  await page.goto("/settings");
  await expect(page).toHaveURL(/\/login\?next=/);
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();
});

test("sign-up explains what is wrong with each field", async ({ page }, info) => {
  await page.goto("/signup");
  await hydrated(page);
  await page.getByLabel("Company name").fill(unique("Hooli"));
  await page.getByLabel("Your name").fill("Gavin Belson");
  await page.getByLabel("Email").fill(uniqueEmail("gavin"));
  await page.getByLabel("Password").fill("password1");
  await page.getByRole("button", { name: "Create company" }).click();
  const password = page.getByLabel("Password");
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(password).toHaveAccessibleDescription(/too common or easy to guess/);
  await screenshot(page, info, "signup-error");
});

test("the user menu works from the keyboard", async ({ page }, info) => {
  test.skip(isPhone(info), "keyboard navigation is a desktop concern");
  await signUp(page, unique("Vandelay"), "Art Vandelay", uniqueEmail("art"));
  const button = page.getByRole("button", { name: "Art Vandelay", exact: true });
  await button.focus();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: "Profile" })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: "Sign out" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("menu")).toBeHidden();
  await expect(button).toBeFocused();
});

test("an unknown address shows a page-not-found page", async ({ page }, info) => {
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await screenshot(page, info, "not-found");
});

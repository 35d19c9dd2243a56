import { Browser, expect, Page, TestInfo } from "@playwright/test";
import { test } from "./fixtures";
import { emailedLink, hydrated, isPhone, PASSWORD, screenshot, signIn, signUp, unique, uniqueEmail } from "./helpers";

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

/** Opens the profile, at one of its sections when `section` (its URL fragment) is given. */
async function openProfile(page: Page, section = ""): Promise<void> {
  await page.goto(section ? `/profile#${section}` : "/profile");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1, name: "Profile" })).toBeAttached();
}

/** Goes to a section of the profile the way a person does: its tab on a wide screen, the
 * "Section" select on a phone. */
async function goToSection(page: Page, info: TestInfo, name: string): Promise<void> {
  if (isPhone(info)) {
    await page.getByRole("combobox", { name: "Section", exact: true }).selectOption({ label: name });
  } else {
    await page.getByRole("navigation", { name: "Profile sections" }).getByRole("link", { name }).click();
  }
}

test("a user edits their details and sees them after a reload", async ({ page }, info) => {
  await signUp(page, unique("Vandelay"), "Art Vandelay", uniqueEmail("art"));
  await openProfile(page);
  const details = page.getByRole("region", { name: "Details" });
  await details.getByLabel("Name").fill("Arthur Vandelay");
  await details.getByLabel("Phone").fill("+1 212 555 0199");
  await details.getByLabel("Country").selectOption({ label: "United States" });
  // Only what the interface speaks is offered.
  await expect(details.getByLabel("Language").getByRole("option")).toHaveText(["English"]);
  await expect(details.getByLabel("Time zone")).toHaveValue("");
  await details.getByLabel("Time zone").selectOption("America/New_York");
  await details.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Details saved." })).toBeVisible();
  await screenshot(page, info, "profile");

  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("banner")).toContainText("Arthur Vandelay");
  await expect(details.getByLabel("Name")).toHaveValue("Arthur Vandelay");
  await expect(details.getByLabel("Phone")).toHaveValue("+1 212 555 0199");
  // Stored as its ISO code, shown by its name.
  await expect(details.getByLabel("Country")).toHaveValue("US");
  await expect(details.getByLabel("Country").getByRole("option", { name: "United States", selected: true })).toHaveCount(1);
  await expect(details.getByLabel("Language")).toHaveValue("en");
  await expect(details.getByLabel("Time zone")).toHaveValue("America/New_York");
});

test("changing the password with 'Sign out other devices' signs the other browser out", async ({ page, browser }) => {
  const email = uniqueEmail("kramer");
  await signUp(page, unique("Kramerica"), "Cosmo Kramer", email);
  const other = await signInElsewhere(browser, email);

  await openProfile(page, "password");
  const section = page.getByRole("region", { name: "Password" });
  await section.getByLabel("Current password").fill(PASSWORD);
  await section.getByLabel("New password").fill("Marmalade-Canyon-77-Heron");
  await expect(section.getByLabel("Sign out other devices")).toBeChecked();
  await section.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Password changed. Signed out of 1 other device." })).toBeVisible();

  await other.goto("/profile");
  await expect(other).toHaveURL(/\/login/);
  await page.reload();
  await expect(page).toHaveURL(/\/profile#password$/);
  await other.context().close();
});

test("a user changes their email and it becomes the login once the link is used", async ({ page, browser }, info) => {
  const old = uniqueEmail("elaine");
  const next = uniqueEmail("elaine-new");
  await signUp(page, unique("Pendant"), "Elaine Benes", old);
  await openProfile(page, "email");
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

  await openProfile(page, "devices");
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

test("a link to /profile#devices opens with Connected devices in view", async ({ page, browser }, info) => {
  const email = uniqueEmail("jerry");
  await signUp(page, unique("Seinfeld"), "Jerry Seinfeld", email);
  const other = await signInElsewhere(browser, email);

  // A full page load, as from an email: the section shows before and after hydration.
  await page.goto("/profile#devices");
  const devices = page.getByRole("region", { name: "Connected devices" });
  await expect(devices.getByRole("heading", { name: "Connected devices" })).toBeInViewport();
  await hydrated(page);
  await expect(devices.getByRole("list", { name: "Signed-in devices" }).getByRole("listitem")).toHaveCount(2);
  await expect(devices.getByRole("heading", { name: "Connected devices" })).toBeInViewport();
  await expect(page.getByRole("region", { name: "Details" })).toBeHidden();
  if (!isPhone(info)) {
    const tab = page.getByRole("navigation", { name: "Profile sections" }).getByRole("link", { name: "Connected devices" });
    await expect(tab).toHaveAttribute("aria-current", "true");
  } else {
    await expect(page.getByRole("combobox", { name: "Section", exact: true })).toHaveValue("devices");
  }
  await screenshot(page, info, "profile-devices-link");
  await other.context().close();
});

test("the profile's sections are one tap apart, each at its own address", async ({ page }, info) => {
  await signUp(page, unique("Pendant Publishing"), "Elaine Benes", uniqueEmail("elaine"));
  await openProfile(page);
  await expect(page.getByRole("region", { name: "Details" })).toBeVisible();
  if (isPhone(info)) {
    await expect(page.getByRole("navigation", { name: "Profile sections" })).toBeHidden();
  } else {
    await expect(page.getByRole("combobox", { name: "Section", exact: true })).toBeHidden();
  }
  const sections: [string, string, string][] = [
    ["Connected devices", "devices", "Connected devices"],
    ["Notifications", "notifications", "Notifications"],
    ["Password", "password", "Password"],
    ["Email", "email", "Email"],
    ["Details", "details", "Details"],
  ];
  for (const [name, fragment, region] of sections) {
    await goToSection(page, info, name);
    await expect(page).toHaveURL(new RegExp(`/profile#${fragment}$`));
    const shown = page.getByRole("region", { name: region, exact: true });
    await expect(shown.getByRole("heading", { level: 2, name: region })).toBeInViewport();
    // One section at a time.
    for (const [, , other] of sections.filter(([, f]) => f !== fragment)) {
      await expect(page.getByRole("region", { name: other, exact: true })).toBeHidden();
    }
    if (!isPhone(info)) {
      await expect(
        page.getByRole("navigation", { name: "Profile sections" }).getByRole("link", { name }),
      ).toHaveAttribute("aria-current", "true");
    }
  }
  await screenshot(page, info, "profile-sections");
  // Back goes to the section before.
  await page.goBack();
  await expect(page).toHaveURL(/\/profile#email$/);
  await expect(page.getByRole("region", { name: "Email", exact: true })).toBeVisible();
  await expect(page.getByRole("region", { name: "Details", exact: true })).toBeHidden();
});

test("choosing Dark makes the pages dark, after a reload too", async ({ page }, info) => {
  await signUp(page, unique("Kramerica"), "Cosmo Kramer", uniqueEmail("cosmo"));
  await openProfile(page);
  const body = page.locator("body");
  const background = () => body.evaluate((b) => getComputedStyle(b).backgroundColor);
  expect(await background()).toBe("rgb(246, 247, 249)");

  const appearance = page.getByRole("region", { name: "Appearance" });
  await expect(appearance.getByRole("radio", { name: "System" })).toBeChecked();
  await appearance.getByRole("radio", { name: "Dark" }).check();
  await expect(page.getByRole("status").filter({ hasText: "Appearance saved: Dark." })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect.poll(background).toBe("rgb(15, 18, 22)");

  await page.reload();
  expect(await background(), "dark from the first byte").toBe("rgb(15, 18, 22)");
  await hydrated(page);
  await expect(appearance.getByRole("radio", { name: "Dark" })).toBeChecked();
  await page.goto("/users");
  expect(await background()).toBe("rgb(15, 18, 22)");
  await screenshot(page, info, "users-dark-choice");

  // Light wins over a device that asks for dark.
  await page.emulateMedia({ colorScheme: "dark" });
  await openProfile(page);
  await appearance.getByRole("radio", { name: "Light" }).check();
  await expect(page.getByRole("status").filter({ hasText: "Appearance saved: Light." })).toBeVisible();
  await page.reload();
  expect(await background()).toBe("rgb(246, 247, 249)");
});

test.describe("in a browser whose zone is Auckland", () => {
  test.use({ timezoneId: "Pacific/Auckland" });

  test("exact times name the browser's zone, then the zone chosen", async ({ page }) => {
    await signUp(page, unique("Vandelay"), "Art Vandelay", uniqueEmail("art"));
    await openProfile(page, "devices");
    const devices = page.getByRole("list", { name: "Signed-in devices" });
    // Automatic: this browser's zone, once the page runs in it.
    await expect(devices.getByTitle(/^\d{1,2} \w{3} \d{4}, \d{2}:\d{2} Pacific\/Auckland$/).first()).toBeAttached();

    await openProfile(page, "details");
    const details = page.getByRole("region", { name: "Details" });
    await details.getByLabel("Time zone").selectOption("Asia/Tokyo");
    await details.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Details saved." })).toBeVisible();
    await openProfile(page, "devices");
    await expect(devices.getByTitle(/ Asia\/Tokyo$/).first()).toBeAttached();
    // Rendered by the server in the chosen zone, the same after hydration.
    await page.reload();
    await expect(devices.getByTitle(/ Asia\/Tokyo$/).first()).toBeAttached();
    await hydrated(page);
    // Both of this device's times: signed in and last active.
    await expect(devices.getByTitle(/ Asia\/Tokyo$/)).toHaveCount(2);
  });
});

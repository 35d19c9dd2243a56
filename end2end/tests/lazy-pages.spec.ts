import { expect, Page, Route, TestInfo } from "@playwright/test";
import { test } from "./fixtures";
import { hydrated, isPhone, openNavigation, signUp, unique, uniqueEmail } from "./helpers";

// Every page but the frame is in a WASM module fetched the first time one of its pages is shown
// (src/components/lazy.rs). Each page is opened directly and by client navigation, and one
// interaction that only the hydrated page answers proves its code arrived and runs.

const chunks = /\/pkg\/.*\.wasm$/;

/** Fails the test on a panic or any other uncaught error in the page. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && /panicked|unreachable/.test(message.text())) errors.push(message.text());
  });
  return errors;
}

async function nav(page: Page, info: TestInfo, name: string): Promise<void> {
  await openNavigation(page, info);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
}

/** Opens a dialog with its button and closes it with Escape. */
async function openDialog(page: Page, button: string | RegExp, dialog: string | RegExp): Promise<void> {
  await page.getByRole("button", { name: button }).first().click();
  const shown = page.getByRole("dialog", { name: dialog });
  await expect(shown).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(shown).toBeHidden();
}

type Probe = (page: Page, info: TestInfo) => Promise<void>;

/** One interaction per signed-in page, after its heading. */
const probes: Record<string, Probe> = {
  Users: async (page) => {
    await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
    await page.getByRole("searchbox", { name: "Search users" }).fill("nobody-here");
    await expect(page).toHaveURL(/[?&]q=nobody-here/);
  },
  User: async (page) => {
    await expect(page.getByRole("group", { name: "Actions" })).toBeVisible();
    await openDialog(page, "Transfer ownership…", /Transfer ownership/);
  },
  Teams: async (page) => {
    await expect(page.getByRole("heading", { level: 1, name: "Teams" })).toBeVisible();
    await openDialog(page, "New team", "New team");
  },
  Team: async (page) => {
    await expect(page.getByRole("heading", { level: 1, name: "Movers" })).toBeVisible();
    await openDialog(page, "Add members", "Add members");
  },
  Roles: async (page) => {
    await expect(page.getByRole("heading", { level: 1, name: "Roles" })).toBeVisible();
    await openDialog(page, "New role", "New role");
  },
  Accounts: async (page) => {
    await expect(page.getByRole("heading", { level: 1, name: "Accounts" })).toBeVisible();
    await openDialog(page, /^Add sub-account to /, "Add sub-account");
  },
  Settings: async (page) => {
    await expect(page.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Settings saved." })).toBeVisible();
  },
  "Audit log": async (page) => {
    await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    await page.getByRole("searchbox", { name: "Search events" }).fill("nobody-here");
    await expect(page).toHaveURL(/[?&]q=nobody-here/);
  },
  Home: async (page) => {
    await expect(page.getByRole("region", { name: "Your role" })).toContainText("Owner ·");
    await expect(page.getByRole("region", { name: "What you can do" })).toContainText("you hold everything");
  },
  Profile: async (page, info) => {
    await expect(page.getByRole("heading", { level: 1, name: "Profile" })).toBeAttached();
    if (isPhone(info)) {
      await page.getByRole("combobox", { name: "Section", exact: true }).selectOption({ label: "Password" });
    } else {
      await page.getByRole("navigation", { name: "Profile sections" }).getByRole("link", { name: "Password" }).click();
    }
    await expect(page.getByRole("region", { name: "Password", exact: true })).toBeVisible();
    await expect(page.getByRole("region", { name: "Details", exact: true })).toBeHidden();
  },
};

/** A new company with a team "Movers"; returns to its users table. */
async function company(page: Page): Promise<void> {
  await signUp(page, unique("Lazy Movers"), "Lena Lazarus", uniqueEmail("lena"));
  await page.goto("/teams");
  await hydrated(page);
  await page.getByRole("button", { name: "New team" }).click();
  const create = page.getByRole("dialog", { name: "New team" });
  await create.getByLabel("Name").fill("Movers");
  await create.getByRole("button", { name: "Create team" }).click();
  await expect(create).toBeHidden();
}

test("every signed-in page opened directly is interactive", async ({ page }, info) => {
  const errors = watchErrors(page);
  await company(page);
  const teamLink = page.getByRole("link", { name: "Movers" });
  const team = await teamLink.getAttribute("href");
  await page.goto("/users");
  await hydrated(page);
  const user = await page.getByRole("link", { name: "Lena Lazarus" }).getAttribute("href");
  const pages: [string, string][] = [
    ["/users", "Users"],
    [user!, "User"],
    ["/teams", "Teams"],
    [team!, "Team"],
    ["/roles", "Roles"],
    ["/accounts", "Accounts"],
    ["/settings", "Settings"],
    ["/audit", "Audit log"],
    ["/profile", "Profile"],
    ["/home", "Home"],
  ];
  for (const [path, probe] of pages) {
    await page.goto(path);
    await hydrated(page);
    await probes[probe](page, info);
  }
  expect(errors).toEqual([]);
});

test("every signed-in page reached by client navigation is interactive", async ({ page }, info) => {
  const errors = watchErrors(page);
  await company(page);
  await page.goto("/users");
  await hydrated(page);
  // Client navigation from here on: the document is never loaded again.
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  await page.getByRole("link", { name: "Lena Lazarus" }).click();
  await probes.User(page, info);
  for (const name of ["Teams", "Roles", "Accounts", "Settings", "Audit log", "Profile"]) {
    await nav(page, info, name);
    await probes[name](page, info);
    if (name === "Teams") {
      await page.getByRole("link", { name: "Movers" }).click();
      await probes.Team(page, info);
    }
  }
  await nav(page, info, "Users");
  await probes.Users(page, info);
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  expect(errors).toEqual([]);
});

test("the signed-out pages open directly and by client navigation", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto("/login");
  await hydrated(page);
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page).toHaveURL(/\/reset$/);
  await page.getByLabel("Email").fill(uniqueEmail("nobody"));
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByRole("status")).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);

  // The emailed links' pages, each with a link that is not valid: their chunks load and hydrate.
  const token = "0".repeat(64);
  for (const path of ["/signup", `/welcome/${token}`, `/invite/${token}`, `/verify-email/${token}`, `/reset/${token}`, `/join/verify/${token}`, "/join/nowhere"]) {
    await page.goto(path);
    await hydrated(page);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  }
  expect(errors).toEqual([]);
});

test("while the next page's code loads, the page on screen stays and a bar says it is loading", async ({ page }, info) => {
  await company(page);
  await page.goto("/users");
  await hydrated(page);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const hold = async (route: Route) => {
    await held;
    await route.continue();
  };
  await page.route(chunks, hold);
  await nav(page, info, "Roles");
  await expect(page.getByRole("progressbar", { name: "Loading the page" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
  release();
  await probes.Roles(page, info);
  await expect(page.getByRole("progressbar", { name: "Loading the page" })).toHaveCount(0);
  await page.unroute(chunks, hold);
});

test("a page whose code cannot be fetched says so, and Retry loads it", async ({ page }, info) => {
  const errors = watchErrors(page);
  await company(page);
  await page.goto("/users");
  await hydrated(page);
  const block = (route: Route) => route.abort();
  await page.route(chunks, block);
  await nav(page, info, "Accounts");
  const failed = page.getByRole("alert").filter({ hasText: "Couldn't load this page" });
  await expect(failed).toBeVisible();
  // Still alive: another try while blocked fails the same way.
  await failed.getByRole("button", { name: "Retry" }).click();
  await expect(failed).toBeVisible();

  await page.unroute(chunks, block);
  await failed.getByRole("button", { name: "Retry" }).click();
  await probes.Accounts(page, info);
  // The rest of the app still works: another page by navigation.
  await nav(page, info, "Roles");
  await probes.Roles(page, info);
  expect(errors.filter((e) => !/failed to load|Failed to fetch|net::/i.test(e))).toEqual([]);
});

test("a dialog whose code is fetched when it is first wanted opens on the first click", async ({ page }) => {
  await company(page);
  await page.goto("/users");
  await hydrated(page);
  const fetched: string[] = [];
  page.on("request", (request) => {
    if (chunks.test(request.url())) fetched.push(request.url());
  });
  await page.getByRole("button", { name: "Invite users" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite users" });
  await expect(dialog.getByLabel("Email addresses")).toBeVisible();
  expect(fetched.length, "the dialog's chunk is fetched on demand").toBeGreaterThan(0);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  // Opened again: a fresh form, from the chunk already here.
  fetched.length = 0;
  await page.getByRole("button", { name: "Invite users" }).click();
  await expect(dialog.getByLabel("Email addresses")).toHaveValue("");
  expect(fetched).toEqual([]);
});

import { Browser, expect, Page } from "@playwright/test";
import { test } from "./fixtures";
import { emailedLink, hydrated, PASSWORD, rowAction, screenshot, signUp, unique, uniqueEmail } from "./helpers";

/** Types addresses into the "Invite users" dialog and sends them. */
async function invite(page: Page, text: string) {
  await page.getByRole("button", { name: "Invite users" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite users" });
  await dialog.getByLabel("Email addresses").fill(text);
  return dialog;
}

/** Opens an invitation link in a browser of its own. */
async function openLink(browser: Browser, link: string) {
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.goto(link);
  await hydrated(tab);
  return tab;
}

test("an admin invites three addresses, sees why two were set aside, and the third accepts and shows as active", async ({
  page,
  browser,
}, info) => {
  await signUp(page, unique("Vance Refrigeration"), "Bob Vance", uniqueEmail("bob"));
  const good = uniqueEmail("phyllis");
  const dialog = await invite(page, `bad-address, throwaway@mailinator.com ${good}`);
  // Finished entries became chips; the last waits in the box until sent.
  await expect(dialog.getByRole("button", { name: "Remove bad-address" })).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Remove throwaway@mailinator.com" })).toBeVisible();
  await screenshot(page, info, "invite-dialog");
  await dialog.getByRole("button", { name: "Send invitations" }).click();

  // The two set aside stay in the box, each with its reason; the one invited left it.
  const box = dialog.getByRole("list", { name: "Addresses to invite" });
  await expect(box.getByRole("listitem")).toHaveCount(2);
  await expect(box.getByRole("listitem").filter({ hasText: "bad-address" })).toContainText("not a valid email address");
  await expect(box.getByRole("listitem").filter({ hasText: "throwaway@mailinator.com" })).toContainText(
    "a disposable email address",
  );
  await expect(dialog.getByRole("status")).toContainText("Invited 1 person.");
  await screenshot(page, info, "invite-set-aside");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();

  await page.getByRole("tab", { name: /Invited/ }).click();
  const row = page.getByRole("row", { name: new RegExp(good) });
  await expect(row).toContainText("Pending");
  await expect(row).toContainText("Bob Vance");
  await screenshot(page, info, "invited-tab");

  // The invited person accepts in their own browser and lands signed in.
  const tab = await openLink(browser, emailedLink(good, "invite"));
  await expect(tab.getByRole("heading", { name: /^Join Vance Refrigeration/ })).toBeVisible();
  await expect(tab.getByLabel("Email")).toHaveValue(good);
  await screenshot(tab, info, "accept-invitation");
  const name = unique("Phyllis Lapin");
  await tab.getByLabel("Name").fill(name);
  await tab.getByLabel("Password").fill(PASSWORD);
  await tab.getByRole("button", { name: "Accept invitation" }).click();
  await expect(tab).toHaveURL(/\/home$/);
  await tab.context().close();

  await page.getByRole("tab", { name: /All/ }).click();
  await page.getByRole("searchbox", { name: "Search users" }).fill(name);
  await expect(page).toHaveURL(/q=/);
  await expect(page.getByRole("rowheader")).toHaveText([name]);
  await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("Active");
});

test("resending kills the old link and withdrawing kills the new one", async ({ page, browser }, info) => {
  await signUp(page, unique("Sabre"), "Jo Bennett", uniqueEmail("jo"));
  const gabe = uniqueEmail("gabe");
  const dialog = await invite(page, gabe);
  await dialog.getByRole("button", { name: "Send invitations" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: "Invited 1 person." })).toBeVisible();
  const first = emailedLink(gabe, "invite");

  await page.getByRole("tab", { name: /Invited/ }).click();
  const row = page.getByRole("row", { name: new RegExp(gabe) });
  await expect(row).toContainText("Pending");
  await rowAction(page, gabe, "Resend");
  const resend = page.getByRole("dialog", { name: "Send the invitation again" });
  await resend.getByRole("button", { name: "Send" }).click();
  await expect(resend).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: `Sent again: ${gabe}.` })).toBeVisible();
  const second = emailedLink(gabe, "invite");
  expect(second).not.toEqual(first);

  const old = await openLink(browser, first);
  await expect(old.getByRole("heading", { name: "This invitation can't be used" })).toBeVisible();
  await screenshot(old, info, "invitation-dead-link");
  await old.context().close();

  // Withdraw and Delete each say what they do.
  await rowAction(page, gabe, "Delete");
  const remove = page.getByRole("dialog", { name: "Delete invitation" });
  await expect(remove).toContainText(`The invitation of ${gabe} is removed from the list, and its link stops working.`);
  await remove.getByRole("button", { name: "Cancel" }).click();
  await expect(remove).toBeHidden();
  await rowAction(page, gabe, "Withdraw");
  const withdraw = page.getByRole("dialog", { name: "Withdraw invitation" });
  await expect(withdraw).toContainText(
    `The link sent to ${gabe} stops working. The invitation stays in the list with the status Withdrawn, and you can send it again later`,
  );
  await screenshot(page, info, "withdraw-dialog");
  await withdraw.getByRole("button", { name: "Withdraw" }).click();
  await expect(withdraw).toBeHidden();
  // A withdrawn invitation says when, and no longer says when it expires.
  await expect(row).toContainText("Withdrawn just now");
  await expect(row).not.toContainText("Expires");
  const withdrawn = await openLink(browser, second);
  await expect(withdrawn.getByRole("heading", { name: "This invitation can't be used" })).toBeVisible();
  await withdrawn.context().close();
});

test("an admin selects several invitations and withdraws them at once", async ({ page }, info) => {
  await signUp(page, unique("Initrode"), "Bill Lumbergh", uniqueEmail("bill"));
  const people = [uniqueEmail("milton"), uniqueEmail("peter"), uniqueEmail("samir")];
  const dialog = await invite(page, people.join("\n"));
  await dialog.getByRole("button", { name: "Send invitations" }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole("tab", { name: /Invited/ }).click();
  await expect(page.getByRole("rowheader")).toHaveCount(3);

  await page.getByRole("checkbox", { name: `Select ${people[0]}` }).check();
  await page.getByRole("checkbox", { name: `Select ${people[2]}` }).click({ modifiers: ["Shift"] });
  const bar = page.getByRole("region", { name: "Selected invitations" });
  await expect(bar).toContainText("3 selected");
  await screenshot(page, info, "invitations-selected");
  await bar.getByRole("button", { name: "Withdraw" }).click();
  const withdraw = page.getByRole("dialog", { name: "Withdraw invitation" });
  await expect(withdraw).toContainText("the 3 people invited");
  await withdraw.getByRole("button", { name: "Withdraw" }).click();
  await expect(withdraw).toBeHidden();
  for (const email of people) {
    await expect(page.getByRole("row", { name: new RegExp(email) })).toContainText("Withdrawn");
  }
  await expect(bar).toBeHidden();
});

test("an invitation with a role per group and a typed name shows the name and every account with its role", async ({
  page,
}, info) => {
  const company = unique("Acme");
  await signUp(page, company, "Holly Flax", uniqueEmail("holly"));
  const europe = unique("Acme Europe");
  await page.goto("/accounts");
  await hydrated(page);
  await page.getByRole("button", { name: `Add sub-account to ${company}`, exact: true }).click();
  const add = page.getByRole("dialog", { name: "Add sub-account" });
  await add.getByLabel("Name").fill(europe);
  await add.getByRole("button", { name: "Add sub-account" }).click();
  await expect(add).toBeHidden();
  await page.goto("/users");
  await hydrated(page);

  const ana = uniqueEmail("ana");
  const bo = uniqueEmail("bo");
  const dialog = await invite(page, `Ana Ruiz <${ana}>`);
  await dialog.getByRole("button", { name: "Add another group" }).click();
  // Two groups: each control says which group it belongs to.
  await dialog.getByLabel("Account 1, group 1", { exact: true }).selectOption({ label: `${company} › ${europe}` });
  await dialog.getByLabel("Role in account 1, group 1", { exact: true }).selectOption({ label: "Admin" });
  await dialog.getByLabel("Email addresses, group 2", { exact: true }).fill(bo);
  await expect(dialog.getByLabel("Role in account 1, group 2", { exact: true })).toHaveValue(/\d+/);
  await expect(dialog.getByRole("heading", { name: "Group 2" })).toBeVisible();
  await screenshot(page, info, "invite-dialog-groups");
  await page.emulateMedia({ colorScheme: "dark" });
  await screenshot(page, info, "invite-dialog-groups-dark");
  await page.emulateMedia({ colorScheme: "light" });
  await dialog.getByRole("button", { name: "Send invitations" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: "Invited 2 people." })).toBeVisible();

  await page.getByRole("tab", { name: /Invited/ }).click();
  await expect(page).toHaveURL(/tab=invited/);
  const anaRow = page.getByRole("row", { name: new RegExp(ana) });
  await expect(anaRow.getByRole("rowheader")).toContainText("Ana Ruiz");
  await expect(anaRow).toContainText(`Admin · ${europe}`);
  await expect(anaRow).toContainText("Expires in 7 days");
  const boRow = page.getByRole("row", { name: new RegExp(bo) });
  await expect(boRow).toContainText(`Member · ${company}`);
  await expect(boRow).not.toContainText("Admin");
  await screenshot(page, info, "invited-tab-access");
  await page.emulateMedia({ colorScheme: "dark" });
  await screenshot(page, info, "invited-tab-access-dark");
  await page.emulateMedia({ colorScheme: "light" });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, "no sideways scroll").toBeLessThanOrEqual(page.viewportSize()!.width);
});

test("a set-aside typo stays in its box with its reason and is sent once corrected", async ({ page }, info) => {
  await signUp(page, unique("Dunder Mifflin"), "Jan Levinson", uniqueEmail("jan"));
  const good = uniqueEmail("jim");
  const meant = uniqueEmail("dwight");
  const typo = meant.replace("@", ".");
  const dialog = await invite(page, `${good}, ${typo}`);
  await dialog.getByRole("button", { name: "Send invitations" }).click();
  await expect(dialog.getByRole("status")).toContainText("Invited 1 person. 1 address was set aside");
  const box = dialog.getByRole("list", { name: "Addresses to invite" });
  await expect(box.getByRole("listitem")).toHaveCount(1);
  await expect(box.getByRole("listitem")).toContainText("not a valid email address");
  await expect(dialog.getByRole("button", { name: `Remove ${good}` })).toBeHidden();
  await screenshot(page, info, "invite-set-aside-typo");
  await page.emulateMedia({ colorScheme: "dark" });
  await screenshot(page, info, "invite-set-aside-typo-dark");
  await page.emulateMedia({ colorScheme: "light" });

  // Selected, it goes back into the box to be corrected.
  await dialog.getByRole("button", { name: `Edit ${typo}` }).click();
  const field = dialog.getByLabel("Email addresses");
  await expect(field).toHaveValue(typo);
  await expect(field).toBeFocused();
  await field.fill(meant);
  await dialog.getByRole("button", { name: "Send invitations" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: "Invited 1 person." })).toBeVisible();
  await page.getByRole("tab", { name: /Invited/ }).click();
  await expect(page.getByRole("row", { name: new RegExp(meant) })).toContainText("Pending");
  await expect(page.getByRole("row", { name: new RegExp(good) })).toContainText("Pending");
  await expect(page.getByRole("rowheader")).toHaveCount(2);
});

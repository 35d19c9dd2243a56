import { Browser, expect, Page, test } from "@playwright/test";
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

  const setAside = dialog.getByRole("list", { name: "Set aside" });
  await expect(setAside.getByRole("listitem")).toHaveCount(2);
  await expect(setAside).toContainText("bad-address: not a valid email address");
  await expect(setAside).toContainText("throwaway@mailinator.com: a disposable email address");
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

  await rowAction(page, gabe, "Withdraw");
  const withdraw = page.getByRole("dialog", { name: "Withdraw invitation" });
  await withdraw.getByRole("button", { name: "Withdraw" }).click();
  await expect(withdraw).toBeHidden();
  await expect(row).toContainText("Withdrawn");
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

import { expect, Locator, Page } from "@playwright/test";
import { test } from "./fixtures";
import { addUser, isPhone, screenshot, settled, signInAsDemoOwner, signUp, unique, uniqueEmail } from "./helpers";

/** Opens `button`'s menu and checks that all of it is on screen and that the page did not
 * move: nothing scrolled, sideways or down. */
async function opensWhole(page: Page, button: Locator): Promise<Locator> {
  await button.scrollIntoViewIfNeeded();
  const before = await page.evaluate(() => [window.scrollY, document.querySelector(".table-wrap")!.scrollLeft]);
  await button.click();
  const menu = page.getByRole("menu");
  await expect(menu).toBeVisible();
  await expect(menu).toBeInViewport({ ratio: 1 });
  for (const item of await menu.getByRole("menuitem").all()) {
    await expect(item).toBeInViewport({ ratio: 1 });
  }
  const after = await page.evaluate(() => [window.scrollY, document.querySelector(".table-wrap")!.scrollLeft]);
  expect(after).toEqual(before);
  return menu;
}

test("at 1280×800 the users table shows every column and row menu without scrolling sideways, and the last row's menu opens whole, upward, on a page of 100", async ({
  page,
}, info) => {
  test.skip(isPhone(info), "the wide table");
  await signInAsDemoOwner(page);
  await page.goto("/users?per=100");
  await settled(page);
  for (const column of ["Name", "Email", "Role", "Team", "Status", "Last seen", "Created"]) {
    await expect(page.getByRole("columnheader", { name: column })).toBeInViewport();
  }
  const [scroll, client] = await page.evaluate(() => {
    const wrap = document.querySelector(".table-wrap")!;
    return [wrap.scrollWidth, wrap.clientWidth];
  });
  expect(scroll).toBeLessThanOrEqual(client);
  const buttons = page.getByRole("button", { name: /^Actions for / });
  await expect(buttons).toHaveCount(100);
  const last = buttons.last();
  const menu = await opensWhole(page, last);
  // No room below the last row: the menu opens above its button.
  const [menuBox, buttonBox] = [await menu.boundingBox(), await last.boundingBox()];
  expect(menuBox!.y + menuBox!.height).toBeLessThanOrEqual(buttonBox!.y);
  await screenshot(page, info, "last-row-menu");
  await page.keyboard.press("Escape");
  await expect(menu).toBeHidden();
});

test("searched down to one person, their whole menu shows and each item works", async ({ page }, info) => {
  await signUp(page, unique("Dunder Mifflin"), "Michael Scott", uniqueEmail("michael"));
  const name = unique("Dwight Schrute");
  await addUser(page, name, uniqueEmail("dwight"));
  await page.getByRole("searchbox", { name: "Search users" }).fill(name);
  await expect(page).toHaveURL(/q=/);
  await settled(page);
  await expect(page.getByRole("rowheader")).toHaveCount(1);
  const button = page.getByRole("button", { name: `Actions for ${name}` });
  for (const [item, dialog] of [
    ["Change role", "Change role"],
    ["Change team", "Change team"],
    ["Deactivate", "Deactivate user"],
    ["Delete", "Delete user"],
  ]) {
    await opensWhole(page, button);
    if (item === "Change role") await screenshot(page, info, "one-row-menu");
    await page.getByRole("menuitem", { name: item, exact: true }).click();
    const opened = page.getByRole("dialog", { name: dialog });
    await expect(opened).toBeVisible();
    await opened.getByRole("button", { name: "Close" }).click();
    await expect(opened).toBeHidden();
  }
});

test("on a 360×740 phone at least six people show on the first screen as compact cards, and a row menu works", async ({
  page,
}, info) => {
  test.skip(!isPhone(info), "the phone's cards");
  await signInAsDemoOwner(page);
  await settled(page);
  const names = page.getByRole("rowheader");
  await expect(names.first()).toBeVisible();
  let onScreen = 0;
  for (const name of (await names.all()).slice(0, 8)) {
    const box = await name.boundingBox();
    if (box && box.y >= 0 && box.y + box.height <= 740) onScreen += 1;
  }
  expect(onScreen).toBeGreaterThanOrEqual(6);
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  expect(scroll).toBeLessThanOrEqual(client);
  await screenshot(page, info, "phone-cards");

  // The first card's menu opens whole, at the top right of its card.
  const first = (await names.first().textContent())!.trim();
  const menu = await opensWhole(page, page.getByRole("button", { name: `Actions for ${first}` }));
  await screenshot(page, info, "phone-card-menu");
  await menu.getByRole("menuitem", { name: "Change team" }).click();
  const team = page.getByRole("dialog", { name: "Change team" });
  await expect(team).toBeVisible();
  await team.getByRole("button", { name: "Cancel" }).click();
  await expect(team).toBeHidden();
});

test("on a phone a bulk change made from the cards shows on the cards", async ({ page }, info) => {
  test.skip(!isPhone(info), "the phone's cards");
  await signUp(page, unique("Vance Refrigeration"), "Bob Vance", uniqueEmail("bob"));
  const people = [unique("Phyllis Vance"), unique("Stanley Hudson")];
  for (const name of people) await addUser(page, name, uniqueEmail("staff"), "Member");
  for (const name of people) await page.getByRole("checkbox", { name: `Select ${name}` }).click();
  const bar = page.getByRole("region", { name: "Selected users" });
  await expect(bar).toContainText("2 selected");
  await bar.getByRole("button", { name: "Change role" }).click();
  const dialog = page.getByRole("dialog", { name: "Change role" });
  await dialog.getByLabel("Role", { exact: true }).selectOption({ label: "Admin" });
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(dialog).toBeHidden();
  for (const name of people) {
    await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("Admin");
  }
  await screenshot(page, info, "phone-bulk-done");
});

test("on a phone the Invited tab lists invitations as cards whose menu works", async ({ page }, info) => {
  test.skip(!isPhone(info), "the phone's cards");
  await signUp(page, unique("Sabre"), "Jo Bennett", uniqueEmail("jo"));
  const email = uniqueEmail("gabe");
  await page.getByRole("button", { name: "Invite users" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite users" });
  await dialog.getByLabel("Email addresses").fill(email);
  await dialog.getByRole("button", { name: "Send invitations" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: "Invited 1 person." })).toBeVisible();
  await page.getByRole("tab", { name: /Invited/ }).click();
  await expect(page).toHaveURL(/tab=invited/);
  const card = page.getByRole("row", { name: new RegExp(email) });
  await expect(card).toContainText("Pending");
  await expect(card.getByRole("rowheader")).toBeInViewport();
  await opensWhole(page, page.getByRole("button", { name: `Actions for ${email}` }));
  await screenshot(page, info, "phone-invited-card");
  await page.getByRole("menuitem", { name: "Withdraw" }).click();
  await expect(page.getByRole("dialog", { name: /Withdraw/ })).toBeVisible();
});

import AxeBuilder from "@axe-core/playwright";
import { Download, expect, Page } from "@playwright/test";
import { test } from "./fixtures";
import { readFileSync } from "node:fs";
import { addUser, hydrated, screenshot, signUp, unique, uniqueEmail } from "./helpers";

/** The records of a CSV file (RFC 4180: quoted cells may hold commas, quotes and newlines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else if (c !== "\r") {
      cell += c;
    }
  }
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** Clicks `control` and reads the file it downloads. */
async function download(page: Page, click: () => Promise<void>): Promise<{ file: Download; rows: string[][] }> {
  const started = page.waitForEvent("download");
  await click();
  const file = await started;
  const path = await file.path();
  return { file, rows: parseCsv(readFileSync(path!, "utf8")) };
}

test("Export downloads exactly the filtered rows of the users table, and Export selected the chosen ones", async ({ page }, info) => {
  test.setTimeout(120_000);
  await signUp(page, unique("Export Co"), unique("Olga Owner"), uniqueEmail("olga"));
  // Three people share a word no one else has; a fourth does not.
  const word = unique("Kestrel");
  const names = [`Ana ${word}`, `Ben ${word}`, `Cy ${word}`];
  for (const name of names) await addUser(page, name, uniqueEmail("kestrel"));
  const outsider = unique("Dora Elsewhere");
  await addUser(page, outsider, uniqueEmail("dora"));

  // Filter the table: the search, then a sort by email, newest view in the URL.
  await page.getByRole("searchbox", { name: "Search users" }).fill(word);
  await expect(page).toHaveURL(new RegExp(`[?&]q=${word}`));
  const table = page.getByRole("table", { name: "Users" });
  await expect(table.getByRole("rowheader")).toHaveCount(3);
  const shown = await table.getByRole("rowheader").allInnerTexts();

  const exportLink = page.getByRole("link", { name: "Export", exact: true });
  await expect(exportLink).toHaveAttribute("href", new RegExp(`^/api/users/export\\?q=${word}`));
  const { file, rows } = await download(page, () => exportLink.click());
  expect(file.suggestedFilename()).toMatch(/^users-\d{4}-\d{2}-\d{2}\.csv$/);
  expect(rows[0]).toEqual(["Name", "Email", "Phone", "Job title", "Status", "Roles", "Teams", "Created", "Last seen"]);
  // Exactly the rows on screen, in their order: no outsider, no owner.
  expect(rows.slice(1).map((r) => r[0])).toEqual(shown.map((s) => s.trim()));
  expect(rows.slice(1).map((r) => r[0])).toEqual(names);
  expect(rows.flat()).not.toContain(outsider);

  // The toolbar and the selection's bar, light and dark, on this screen: nothing wider.
  await page.getByRole("checkbox", { name: `Select ${names[1]}` }).check();
  const bar = page.getByRole("region", { name: "Selected users" });
  const exportSelected = bar.getByRole("button", { name: "Export selected" });
  await expect(exportSelected).toBeVisible();
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await screenshot(page, info, `users-export-${colorScheme}`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(page.viewportSize()!.width);
    const results = await new AxeBuilder({ page }).include(".toolbar").include(".action-bar").withTags(["wcag2a", "wcag2aa"]).analyze();
    expect(results.violations.map((v) => v.id), colorScheme).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: "light" });

  // "Export selected", by keyboard: only the one chosen.
  await exportSelected.focus();
  const selected = await download(page, () => page.keyboard.press("Enter"));
  expect(selected.rows.length).toBe(2);
  expect(selected.rows[1][0]).toBe(names[1]);
  // The page stayed where it was, its selection with it.
  await expect(page).toHaveURL(new RegExp(`[?&]q=${word}`));
  await expect(bar).toContainText("1 selected");
  await hydrated(page);
});

#!/usr/bin/env node
// Usage: node .ci/wasm-budget.mjs [pkg dir: target/site/pkg] [hash file: target/release/hash.txt]
// Reads a release build's split WASM (cargo leptos build --release --split) and prints what
// each page downloads before it is interactive, brotli-compressed at quality 11 as the server
// serves it (deterministic): the JS glue, the main WASM and the page's chunks with the chunks
// they share (__wasm_split_manifest). Every page's first load is held to its ceiling (today's
// size and a little room, so growth is a decision rather than a drift) and compared with the
// goal of 250 KB, which no page meets yet (README: WASM per page). Fails over a ceiling, or
// when the build has a module this table does not know.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants } from "node:zlib";

const KB = 1024;
const GOAL = 250 * KB;

// Every lazy route of src/app.rs with the WASM module its lazy_page! puts it in and the
// ceiling of its first load in KB, and the module of the dialogs /users loads when one is
// first opened.
const PAGES = [
  ["/users (admin), /users/:id", "people", 625],
  ["/teams, /teams/:id, /roles, /accounts, /settings, /audit", "organisation", 575],
  ["/profile", "profile", 400],
  ["/home", "home", 315],
  ["/login, /signup, /reset, and the pages of emailed links", "visitor", 375],
];
const DIALOGS = [["Invite users, Add user, bulk changes", "user_dialogs"]];

const dir = process.argv[2] ?? "target/site/pkg";
// The build's file names, from its hash file: target/site/pkg keeps older builds' files too.
const hashFile = process.argv[3] ?? "target/release/hash.txt";
const hashes = Object.fromEntries(
  readFileSync(hashFile, "utf8")
    .split("\n")
    .filter((line) => line.includes(":"))
    .map((line) => line.split(":").map((part) => part.trim())),
);
if (!hashes.split || !hashes.manifest) {
  console.error(`wasm-budget: ${hashFile} names no split files: build with --release --split`);
  process.exit(1);
}
const manifest = JSON.parse(readFileSync(join(dir, `__wasm_split_manifest.${hashes.manifest}.json`), "utf8"));
const glue = [`roster.${hashes.js}.js`, `__wasm_split.${hashes.split}.js`];
const main = `roster.${hashes.wasm}.wasm`;

const sizes = new Map();
const size = (file) => {
  if (!sizes.has(file)) {
    const bytes = readFileSync(join(dir, file));
    const br = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    sizes.set(file, { raw: bytes.length, br });
  }
  return sizes.get(file);
};
const chunkFiles = (chunk) => (manifest[chunk] ?? []).map((m) => `${m.replace(/^\.\//, "")}.wasm`);
const kb = (n) => `${(n / KB).toFixed(1)} KB`;

const known = new Set([...PAGES, ...DIALOGS].map(([, chunk]) => chunk));
const unknown = Object.keys(manifest).filter((chunk) => !known.has(chunk));
const missing = [...known].filter((chunk) => !(chunk in manifest));

const shell = [...glue, main].reduce((sum, f) => sum + size(f).br, 0);
const rows = [];
let failed = false;
for (const [route, chunk, ceiling] of PAGES) {
  const files = chunkFiles(chunk);
  const own = files.reduce((sum, f) => sum + size(f).br, 0);
  const total = shell + own;
  const burst = total > ceiling * KB;
  failed ||= burst;
  const mark = burst ? " (over its ceiling)" : total > GOAL ? " (over the goal)" : "";
  rows.push(`| ${route} | ${files.length} | ${kb(own)} | ${kb(total)}${mark} | ${ceiling} KB |`);
}
// Dialogs open on /users, whose chunks are already there.
const onUsers = new Set(chunkFiles("people"));
for (const [dialog, chunk] of DIALOGS) {
  const files = chunkFiles(chunk).filter((f) => !onUsers.has(f));
  const own = files.reduce((sum, f) => sum + size(f).br, 0);
  rows.push(`| ${dialog}: when first opened on /users | ${files.length} | ${kb(own)} | | |`);
}
const all = [...new Set([...glue, main, ...Object.keys(manifest).flatMap(chunkFiles)])];
const sum = all.reduce((acc, f) => ({ raw: acc.raw + size(f).raw, br: acc.br + size(f).br }), { raw: 0, br: 0 });

console.log(`WASM by page (brotli); every page also loads the main WASM and JS glue: ${kb(shell)}`);
console.log("| Page | its WASM files | their size | first load | ceiling |");
console.log("|---|---|---|---|---|");
for (const row of rows) console.log(row);
console.log(`All ${all.length} files (JS and WASM): ${kb(sum.raw)} raw, ${kb(sum.br)} brotli. Goal: first load ≤ ${kb(GOAL)}.`);
if (unknown.length || missing.length) {
  console.error(`wasm-budget: modules not in this table: ${unknown.join(", ") || "-"}; listed but not built: ${missing.join(", ") || "-"}`);
  process.exit(1);
}
if (failed) {
  console.error(`wasm-budget: a page's first load grew over its ceiling (see "over its ceiling" above)`);
  process.exit(1);
}

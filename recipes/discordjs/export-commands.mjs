#!/usr/bin/env node
// Export a discord.js bot's application commands as command-deploy's JSON:
//   node export-commands.mjs <commands-dir> <out.json>
// Every command module under <commands-dir> must export `data` (a builder or a plain command object)
// and may export `developmentOnly: true` (staging only). Both `export default { data, ... }` and
// named exports (`export const data = ...`) work, as do CommonJS and compiled TypeScript modules.
import { readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, out] = process.argv.slice(2);
if (!dir || !out) {
  console.error('usage: node export-commands.mjs <commands-dir> <out.json>');
  process.exit(2);
}

// One bad module fails the whole export: a partial list deployed as a bulk overwrite deletes commands.
function fail(message) {
  console.error(`export-commands: ${message}; nothing written`);
  process.exit(1);
}

// Command modules only: not type declarations, and not the tests that sit beside them.
const isModule = (f) => /\.[cm]?[jt]s$/.test(f) && !/\.d\.[cm]?ts$|\.(test|spec)\.[cm]?[jt]s$|__tests__/.test(f);
let files;
try {
  files = readdirSync(dir, { recursive: true }).map(String).filter(isModule).sort();
} catch (err) {
  fail(`cannot read ${dir}: ${err.message}`);
}
if (files.length === 0) fail(`no command modules (*.js, *.mjs, *.cjs, *.ts) under ${dir}`);

const commands = [];
for (const file of files) {
  const where = relative(process.cwd(), join(dir, file));
  let mod;
  try {
    mod = await import(pathToFileURL(resolve(dir, file)).href);
  } catch (err) {
    fail(`${where} failed to import: ${err?.stack ?? err}`);
  }
  // ESM default export, named exports, CommonJS, or TypeScript compiled to CommonJS (`exports.default`).
  const command = [mod.default, mod.default?.default, mod].find((candidate) => candidate?.data);
  if (!command) fail(`${where} exports no \`data\` (expected \`export default { data: new SlashCommandBuilder()... }\`)`);
  const { data, developmentOnly = false } = command;
  if (typeof developmentOnly !== 'boolean') fail(`${where}: developmentOnly must be true or false`);
  let json;
  try {
    json = typeof data.toJSON === 'function' ? data.toJSON() : data;
  } catch (err) {
    fail(`${where}: data.toJSON() failed: ${err.message}`);
  }
  commands.push({ ...json, ...(developmentOnly ? { developmentOnly: true } : {}) });
}

// Write to a temporary file and rename, so a crash never leaves a truncated commands file behind.
const text = `${JSON.stringify(commands, null, 2)}\n`;
writeFileSync(`${out}.tmp`, text);
renameSync(`${out}.tmp`, out);
console.error(`export-commands: ${commands.length} commands from ${files.length} modules written to ${out}`);

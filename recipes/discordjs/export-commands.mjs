#!/usr/bin/env node
// Export a discord.js bot's application commands as command-deploy's JSON:
//   node export-commands.mjs [--require-tests] <commands-dir> <out.json>
// Every command module under <commands-dir> must export `data` (a builder or a plain command object) and
// `execute` (the original system's rule: a module without a handler is a command nobody can run), and may
// export `developmentOnly: true` (staging only) and `ownerOnly: true` (the bot checks the owner). Both
// `export default { data, execute, ... }` and named exports work, as do CommonJS and compiled TypeScript.
// A module without a sibling test file (ping.ts → ping.test.ts, ping.spec.js, __tests__/ping.test.ts, ...)
// is a warning, or an error with --require-tests (the original: "include a .test.ts file for all commands").
import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const requireTests = args[0] === '--require-tests';
const [dir, out, ...extra] = requireTests ? args.slice(1) : args;
if (!dir || !out || extra.length > 0 || dir.startsWith('--')) {
  console.error('usage: node export-commands.mjs [--require-tests] <commands-dir> <out.json>');
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

// The test files a module may have: beside it or in a __tests__ folder beside it, any JS/TS extension.
const TEST_EXTENSIONS = ['ts', 'js', 'mts', 'mjs', 'cts', 'cjs', 'tsx', 'jsx'];
function hasTest(file) {
  const stem = basename(file).replace(/\.[cm]?[jt]s$/, '');
  const folder = join(dir, dirname(file));
  return ['test', 'spec'].some((kind) =>
    TEST_EXTENSIONS.some(
      (ext) =>
        existsSync(join(folder, `${stem}.${kind}.${ext}`)) ||
        existsSync(join(folder, '__tests__', `${stem}.${kind}.${ext}`)),
    ),
  );
}

const commands = [];
const untested = [];
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
  const { data, developmentOnly = false, ownerOnly = false } = command;
  if (typeof command.execute !== 'function') {
    fail(`${where} exports \`data\` but no \`execute\` function (a command module exports data and execute)`);
  }
  if (typeof developmentOnly !== 'boolean') fail(`${where}: developmentOnly must be true or false`);
  if (typeof ownerOnly !== 'boolean') fail(`${where}: ownerOnly must be true or false`);
  if (!hasTest(file)) untested.push(where);
  let json;
  try {
    json = typeof data.toJSON === 'function' ? data.toJSON() : data;
  } catch (err) {
    fail(`${where}: data.toJSON() failed: ${err.message}`);
  }
  commands.push({
    ...json,
    ...(developmentOnly ? { developmentOnly: true } : {}),
    ...(ownerOnly ? { ownerOnly: true } : {}),
  });
}
for (const where of untested) {
  const stem = basename(where).replace(/\.[cm]?[jt]s$/, '');
  console.error(`export-commands: ${requireTests ? 'error' : 'warning'}: ${where} has no test file (${stem}.test.ts)`);
}
if (requireTests && untested.length > 0) fail(`${untested.length} command module(s) without a test file`);

// Write to a temporary file and rename, so a crash never leaves a truncated commands file behind.
const text = `${JSON.stringify(commands, null, 2)}\n`;
writeFileSync(`${out}.tmp`, text);
renameSync(`${out}.tmp`, out);
console.error(`export-commands: ${commands.length} commands from ${files.length} modules written to ${out}`);

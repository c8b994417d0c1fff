// The on-call commands for blue/green apps: `release` puts a new image on the idle colour and makes
// it live; `rollback` makes the previous colour live again. Both edit the app's `release` block in
// the config file (comments kept), check the whole file still loads, and say what to deploy next.
//
//   npm run release -- <env> <app> <image> [--config <file>]
//   npm run rollback -- <env> <app> [--config <file>]

import { readFileSync, writeFileSync } from 'node:fs';

import { YAMLMap, isMap, isScalar, parseDocument, stringify } from 'yaml';

import { APP_DEFINITIONS } from '../apps';
import { BlueGreenRelease } from '../lib/app-definition';
import { configFileFrom, loadPlatformText } from '../lib/config';
import { releaseTo, rollback } from '../lib/release';

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  const positional = rest.filter((arg, index) => !arg.startsWith('--') && rest[index - 1] !== '--config');
  const file = configFileFrom(rest, process.env);
  const [environment, app, image] = positional;

  if ((command !== 'release' && command !== 'rollback') || !environment || !app || (command === 'release' && !image)) {
    console.error('usage: release <env> <app> <image> [--config <file>] | rollback <env> <app> [--config <file>]');
    return 2;
  }

  const text = readFileSync(file, 'utf8');
  const document = parseDocument(text);
  const path = ['environments', environment, 'apps', app, 'release'];
  const block = document.getIn(path, true);
  if (!isMap(block)) {
    console.error(`error: ${file}: ${path.join('.')}: found nothing; expected a blue/green release block on app ${app} of ${environment}`);
    return 1;
  }

  const current = block.toJSON() as BlueGreenRelease;
  let next: BlueGreenRelease;
  try {
    next = command === 'release' ? releaseTo(current, image) : rollback(current);
  } catch (error) {
    console.error(`error: ${file}: ${path.join('.')}: ${(error as Error).message}`);
    return 1;
  }

  const changes: Record<string, string> = {};
  for (const key of ['blue', 'green', 'live'] as const) {
    if (next[key] !== undefined && next[key] !== current[key]) changes[key] = next[key]!;
  }

  // Only the changed values are written into the file's own text, so the person on call commits a diff of
  // those lines; re-printing the whole document would re-flow every line. A layout the splice cannot handle
  // (a flow-style block) falls back to the re-printed document. Spliced first: setIn replaces the nodes.
  const spliced = spliceValues(text, block, changes);
  for (const [key, value] of Object.entries(changes)) document.setIn([...path, key], value);
  const updated = spliced !== undefined && sameRelease(spliced, path, next) ? spliced : document.toString();
  try {
    loadPlatformText(updated, file, APP_DEFINITIONS);
  } catch (error) {
    console.error(`error: the edited config would not load, nothing written: ${(error as Error).message}`);
    return 1;
  }
  writeFileSync(file, updated);

  const what = command === 'release' ? `${next[next.live]} on ${next.live}` : `back to ${next.live} (${next[next.live]})`;
  console.log(`${app} in ${environment}: live ${current.live} -> ${next.live}, ${what}; ${current.live} keeps running for its rollback window.`);
  console.log(`Next: npx cdktf deploy ${environment}-platform   (starts ${next.live}, waits for it to be healthy, then switches traffic)`);
  return 0;
}

/** `text` with each key's value of the block map `block` replaced, or appended as a line when absent. */
function spliceValues(text: string, block: YAMLMap, changes: Record<string, string>): string | undefined {
  if (block.flow) return undefined;
  const edits: { start: number; end: number; insert: string }[] = [];
  const pairs = block.items.filter((pair) => isScalar(pair.key) && pair.key.range && isScalar(pair.value) && pair.value.range);
  const last = pairs.at(-1);
  if (!last || pairs.length !== block.items.length) return undefined;

  for (const [key, value] of Object.entries(changes)) {
    const literal = stringify(value).trimEnd();
    const pair = pairs.find((candidate) => (candidate.key as { value: unknown }).value === key);
    if (pair) {
      const [start, end] = (pair.value as { range: [number, number, number] }).range;
      edits.push({ start, end, insert: literal });
      continue;
    }
    const [keyStart] = (last.key as { range: [number, number, number] }).range;
    const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1;
    const [, valueEnd] = (last.value as { range: [number, number, number] }).range;
    const lineEnd = text.indexOf('\n', valueEnd) === -1 ? text.length : text.indexOf('\n', valueEnd);
    edits.push({ start: lineEnd, end: lineEnd, insert: `\n${' '.repeat(keyStart - lineStart)}${key}: ${literal}` });
  }

  let result = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) result = result.slice(0, edit.start) + edit.insert + result.slice(edit.end);
  return result;
}

function sameRelease(text: string, path: string[], expected: BlueGreenRelease): boolean {
  const block = parseDocument(text).getIn(path, true);
  return isMap(block) && JSON.stringify(block.toJSON()) === JSON.stringify({ ...block.toJSON(), ...expected });
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  // A bad option or an unreadable file: one line, as the synth reports it, not a stack trace.
  console.error(`error: ${(error as Error).message}`);
  process.exitCode = 2;
}

// The on-call commands for blue/green apps: `release` puts a new image on the idle colour and makes
// it live; `rollback` makes the previous colour live again. Both edit the app's `release` block in
// the config file (comments kept), check the whole file still loads, and say what to deploy next.
//
//   npm run release -- <env> <app> <image> [--config <file>]
//   npm run rollback -- <env> <app> [--config <file>]

import { readFileSync, writeFileSync } from 'node:fs';

import { isMap, parseDocument } from 'yaml';

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

  for (const colour of ['blue', 'green'] as const) {
    if (next[colour] !== current[colour]) document.setIn([...path, colour], next[colour]);
  }
  document.setIn([...path, 'live'], next.live);

  const updated = document.toString();
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

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  // A bad option or an unreadable file: one line, as the synth reports it, not a stack trace.
  console.error(`error: ${(error as Error).message}`);
  process.exitCode = 2;
}

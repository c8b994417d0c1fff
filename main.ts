// The app: reads platform.yaml (or $MAMBO_CONFIG, or --config <file>) and builds the stacks of every
// environment. A config error prints one line and exits non-zero before anything is written.

import { App } from 'cdktf';

import { buildPlatform } from './constructs/platform-app-builder';
import { configFileFrom, loadPlatformFile } from './lib/config';
import { ConfigError } from './lib/config-error';

function main(): void {
  const file = configFileFrom(process.argv, process.env);

  try {
    const spec = loadPlatformFile(file);
    for (const warning of spec.warnings) console.warn(`warning: ${warning}`);

    const app = new App();
    const stacks = buildPlatform(app, spec);
    app.synth();
    console.log(`Synthesized ${stacks.length} stacks from ${file}: ${stacks.map((stack) => stack.node.id).join(', ')}`);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

main();

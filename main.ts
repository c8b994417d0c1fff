// The app: reads platform.yaml (or $MAMBO_CONFIG, or --config <file>) and builds the stacks of every
// environment. Synthesis goes to a scratch directory copied over cdktf.out only when everything
// succeeded, so a bad config leaves one error line, a non-zero exit and the old output untouched
// (and Terraform's own files in the stack directories, such as lock files, are kept).

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { App } from 'cdktf';

import { APP_DEFINITIONS } from './apps';
import { buildPlatform } from './constructs/platform-app-builder';
import { buildReportModel } from './constructs/platform-report';
import { PlatformStack } from './constructs/platform-stack';
import { describeBudget } from './lib/capacity';
import { configFileFrom, loadPlatformFile } from './lib/config';
import { ConfigError } from './lib/config-error';
import { renderPlatformReport, summarizeReport } from './lib/report';
import { renderUptimeProberFiles } from './lib/uptime';

function main(): void {
  const outdir = path.resolve(process.env.CDKTF_OUTDIR ?? 'cdktf.out');
  let scratch: string | undefined;

  try {
    const file = configFileFrom(process.argv, process.env);
    const spec = loadPlatformFile(file, APP_DEFINITIONS);
    for (const warning of spec.warnings) console.warn(`warning: ${warning}`);

    scratch = mkdtempSync(path.join(path.dirname(outdir), '.cdktf.out-'));
    const app = new App({ outdir: scratch });
    const stacks = buildPlatform(app, spec);
    app.synth();
    for (const warning of synthWarnings(scratch)) console.warn(`warning: ${warning}`);

    // The report sits beside the stacks it describes, written before anything reaches cdktf.out.
    const stackJson = (id: string) => JSON.parse(readFileSync(path.join(scratch!, 'stacks', id, 'cdk.tf.json'), 'utf8'));
    const report = buildReportModel(spec, stacks, path.relative(process.cwd(), file) || file, stackJson);
    writeFileSync(path.join(scratch, 'PLATFORM.md'), renderPlatformReport(report));

    // The uptime prober runs on another machine: its files go beside the stacks, one directory per environment.
    const probed = spec.environments.filter((environment) => environment.services.uptime !== undefined);
    for (const environment of probed) {
      const directory = path.join(scratch, 'uptime', environment.name);
      mkdirSync(directory, { recursive: true });
      const files = renderUptimeProberFiles({ ...environment.services.uptime!, environment: environment.name });
      for (const [name, content] of Object.entries(files)) writeFileSync(path.join(directory, name), content);
    }
    rmSync(path.join(outdir, 'uptime'), { recursive: true, force: true });

    cpSync(scratch, outdir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
    console.log(`Synthesized ${stacks.length} stack(s) from ${file} into ${outdir}: ${stacks.map((stack) => stack.node.id).join(', ')}`);
    for (const stack of stacks) {
      if (stack instanceof PlatformStack) {
        for (const host of Object.values(stack.hosts)) console.log(`Memory budget, ${stack.node.id}: ${describeBudget(host.memoryBudget())}`);
      }
    }
    for (const line of summarizeReport(report, path.join(outdir, 'PLATFORM.md'))) console.log(line);
    for (const environment of probed) {
      const targets = environment.services.uptime!.targets.length;
      console.log(`Uptime prober for ${environment.name}: ${targets} URLs in ${path.join(outdir, 'uptime', environment.name)} (install on a machine outside the host; see its README.md)`);
    }
  } catch (error) {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    // Config errors and construct errors both name what is wrong and where; a stack trace adds nothing.
    if (error instanceof ConfigError || error instanceof Error) {
      // cdktf ends a failed validation with advice for whoever builds the App (skipValidation): here that is us.
      console.error(`error: ${error.message.replace(/\n+If you wish to ignore these validations, pass 'skipValidation: true'.*$/s, '')}`);
      process.exit(1);
    }
    throw error;
  }
}

/** Warnings constructs attached at synth (e.g. a volume no backup covers), as `cdktf synth` would print them. */
function synthWarnings(outdir: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
    stacks: Record<string, { annotations?: { constructPath: string; level: string; message: string }[] }>;
  };
  return Object.values(manifest.stacks).flatMap((stack) => (stack.annotations ?? [])
    .filter((annotation) => annotation.level === 'warn')
    .map((annotation) => `[${annotation.constructPath}] ${annotation.message}`));
}

main();

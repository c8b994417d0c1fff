// npm run bench: how long `npm run synth` takes and how much memory it peaks at, for the default
// platform.yaml and for generated configs with 1, 10, 50 and 200 apps, against an empty cdktf stack
// synthesized the same way on the same machine. Each run is a fresh child process, as `npm run synth` is.
//
//   npm run bench                 # 5 runs of each, medians
//   npm run bench -- --runs 3 --apps 1,10,50,200
//
// Not a test: the figures depend on the machine. The README keeps the last ones.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { parseDocument } from 'yaml';

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_CONFIG = path.join(ROOT, 'platform.yaml');

interface Sample {
  readonly wallMs: number;
  readonly maxRssMiB: number;
}

interface Case {
  readonly name: string;
  readonly apps?: number;
  readonly samples: Sample[];
}

/** Written into the work directory: reports the child's peak resident set when it exits. */
const RSS_PRELOAD = `
process.on('exit', () => {
  require('node:fs').writeFileSync(process.env.MAMBO_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
`;

function emptyStackApp(): string {
  const cdktf = JSON.stringify(path.join(ROOT, 'node_modules', 'cdktf'));
  return [
    `import { App, TerraformStack } from ${cdktf};`,
    'const app = new App({ outdir: process.env.CDKTF_OUTDIR });',
    "new TerraformStack(app, 'empty');",
    'app.synth();',
  ].join('\n');
}

/**
 * The default production environment with `apps` generated apps on a host big enough for them (cax41),
 * and a Docker address pool wide enough for their networks: twice the /24s needed, so slots picked from
 * app names rarely collide.
 */
export function generatedConfig(apps: number): string {
  const document = parseDocument(readFileSync(DEFAULT_CONFIG, 'utf8'));
  const environments = document.get('environments') as any;
  for (const name of environments.items.map((item: any) => String(item.key.value ?? item.key))) {
    if (name !== 'production') environments.delete(name);
  }
  const production = ['environments', 'production'];
  document.setIn([...production, 'hosts', 'main', 'serverType'], 'cax41');

  const networksNeeded = apps + 8;
  const poolPrefix = Math.min(20, 24 - Math.ceil(Math.log2(2 * networksNeeded)));
  document.setIn([...production, 'networks'], { pool: `172.16.0.0/${poolPrefix}`, subnetPrefix: 24 });

  const generated: Record<string, unknown> = {};
  for (let index = 1; index <= apps; index++) {
    generated[`app-${index}`] = {
      image: `ghcr.io/mambo-bench/app-${index}:1.0.${index}`,
      port: 8080,
      hostnames: [`app-${index}`],
      memoryMiB: 32,
      cpus: 0.25,
      env: { APP_INDEX: String(index) },
      healthcheck: { command: ['CMD', 'wget', '-q', '--spider', 'http://127.0.0.1:8080/health'] },
      volumes: { data: '/data' },
    };
  }
  document.setIn([...production, 'apps'], generated);
  return document.toString();
}

function runOnce(workDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Sample {
  const rssFile = path.join(workDir, 'rss');
  const outdir = path.join(workDir, 'cdktf.out');
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['-r', path.join(workDir, 'rss.js'), '-r', 'ts-node/register/transpile-only', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', CDKTF_OUTDIR: outdir, MAMBO_BENCH_RSS_FILE: rssFile, ...env },
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed (${result.status}):\n${result.stderr || result.stdout}`);
  const maxRssKiB = Number(readFileSync(rssFile, 'utf8'));
  rmSync(outdir, { recursive: true, force: true });
  return { wallMs, maxRssMiB: maxRssKiB / 1024 };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const numerator = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const denominator = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return denominator === 0 ? 0 : numerator / denominator;
}

function parseArgs(argv: readonly string[]): { runs: number; apps: number[] } {
  let runs = 5;
  let apps = [1, 10, 50, 200];
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === '--runs') runs = Number(argv[++index]);
    else if (argv[index] === '--apps') apps = argv[++index].split(',').map(Number);
    else throw new Error(`unknown option ${argv[index]}; expected --runs <n> or --apps <n,n,…>`);
  }
  if (!Number.isInteger(runs) || runs < 1 || apps.some((count) => !Number.isInteger(count) || count < 1)) {
    throw new Error('expected --runs a positive integer and --apps positive integers');
  }
  return { runs, apps };
}

function main(): void {
  const { runs, apps } = parseArgs(process.argv.slice(2));
  const workDir = mkdtempSync(path.join(tmpdir(), 'mambo-bench-'));
  writeFileSync(path.join(workDir, 'rss.js'), RSS_PRELOAD);
  writeFileSync(path.join(workDir, 'empty.ts'), emptyStackApp());

  const cases: Case[] = [
    { name: 'empty cdktf stack', samples: [] },
    { name: 'default platform.yaml', samples: [] },
    ...apps.map((count) => ({ name: `${count} app${count === 1 ? '' : 's'}`, apps: count, samples: [] as Sample[] })),
  ];
  const main = path.join(ROOT, 'main.ts');
  for (const [index, benchCase] of cases.entries()) {
    let args: string[];
    if (index === 0) {
      args = [path.join(workDir, 'empty.ts')];
    } else if (benchCase.apps === undefined) {
      args = [main, '--config', DEFAULT_CONFIG];
    } else {
      const file = path.join(workDir, `apps-${benchCase.apps}.yaml`);
      writeFileSync(file, generatedConfig(benchCase.apps));
      args = [main, '--config', file];
    }
    process.stderr.write(`${benchCase.name}: `);
    for (let run = 0; run < runs; run++) {
      benchCase.samples.push(runOnce(workDir, args));
      process.stderr.write('.');
    }
    process.stderr.write('\n');
  }
  rmSync(workDir, { recursive: true, force: true });

  const empty = median(cases[0].samples.map((sample) => sample.wallMs));
  const rows = cases.map((benchCase) => {
    const wall = median(benchCase.samples.map((sample) => sample.wallMs));
    const rss = median(benchCase.samples.map((sample) => sample.maxRssMiB));
    return [benchCase.name, `${(wall / 1000).toFixed(2)} s`, `${rss.toFixed(0)} MiB`, `${(wall / empty).toFixed(1)}×`];
  });
  const perApp = cases.filter((benchCase) => benchCase.apps !== undefined);
  const timeSlope = slope(perApp.map((benchCase) => [benchCase.apps!, median(benchCase.samples.map((sample) => sample.wallMs))]));
  const rssSlope = slope(perApp.map((benchCase) => [benchCase.apps!, median(benchCase.samples.map((sample) => sample.maxRssMiB))]));

  const header = ['config', 'synth (median)', 'peak RSS (median)', 'vs empty stack'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  console.log(`Synth benchmark: ${runs} runs each, node ${process.version}, ${process.platform}/${process.arch}\n`);
  console.log(line(header));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.log(line(row));
  console.log(`\nGrowth per app (least squares over ${perApp.map((benchCase) => benchCase.apps).join(', ')} apps): ` +
    `${timeSlope.toFixed(1)} ms and ${(rssSlope * 1024).toFixed(0)} KiB of peak RSS per app.`);
}

if (require.main === module) main();

// Generates the hcloud provider bindings in .gen/providers/hcloud from the committed schema, and
// with --refresh rewrites that schema from the real provider (needs Terraform and the registry).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const HCLOUD_PROVIDER_VERSION = '1.68.0';
export const HCLOUD_PROVIDER_SOURCE = 'hetznercloud/hcloud';
export const HCLOUD_FQPN = `registry.terraform.io/${HCLOUD_PROVIDER_SOURCE}`;

const root = path.resolve(__dirname, '..');
export const HCLOUD_SCHEMA_PATH = path.join(root, 'schema', `hcloud-${HCLOUD_PROVIDER_VERSION}.json`);
const genDir = path.join(root, '.gen');
const stampPath = path.join(genDir, 'providers', 'hcloud', '.schema-stamp');

/** The resources and data sources the library uses; --refresh keeps only these. */
export const INCLUDED_RESOURCES = [
  'hcloud_firewall',
  'hcloud_firewall_attachment',
  'hcloud_network',
  'hcloud_network_subnet',
  'hcloud_placement_group',
  'hcloud_primary_ip',
  'hcloud_rdns',
  'hcloud_server',
  'hcloud_server_network',
  'hcloud_ssh_key',
  'hcloud_volume',
  'hcloud_volume_attachment',
  'hcloud_zone',
  'hcloud_zone_rrset',
];
export const INCLUDED_DATA_SOURCES = ['hcloud_image', 'hcloud_location', 'hcloud_server_type', 'hcloud_ssh_key', 'hcloud_zone'];

// Bump when this script changes how it generates, so existing .gen directories are rebuilt.
const GENERATION_REVISION = '1';

/** Reads the committed provider schema document. */
export function readHcloudSchema(schemaPath = HCLOUD_SCHEMA_PATH): Record<string, any> {
  return JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
}

/**
 * Writes the bindings under `<outdir>/providers/hcloud`.
 *
 * `generateProviderBindingsFromSchema` derives the provider constraint from the schema key alone,
 * so the provider class would carry `source: registry.terraform.io/hetznercloud/hcloud`. We call the
 * generator it wraps with the same constraint `cdktf get` would build from cdktf.json, so the
 * synthesized required_providers reads `{ source: "hetznercloud/hcloud", version: "1.68.0" }`.
 */
export async function generateHcloudBindings(outdir: string, schemaPath = HCLOUD_SCHEMA_PATH): Promise<void> {
  // Loaded lazily: @cdktf/commons runs `terraform` on load, which the up-to-date path skips.
  const { CodeMaker, TerraformProviderGenerator, TerraformProviderConstraint } = require('@cdktf/provider-generator');
  const { ConstructsMakerProviderTarget, LANGUAGES } = require('@cdktf/commons');

  const schema = readHcloudSchema(schemaPath);
  const code = new CodeMaker();
  const generator = new TerraformProviderGenerator(code, schema);
  const constraint = new TerraformProviderConstraint({
    name: 'hcloud',
    source: HCLOUD_PROVIDER_SOURCE,
    version: HCLOUD_PROVIDER_VERSION,
  });
  generator.generate(new ConstructsMakerProviderTarget(constraint, LANGUAGES[0]));
  await code.save(outdir);
}

function stampFor(schemaText: string): string {
  const generatorVersion = require('@cdktf/provider-generator/package.json').version as string;
  return createHash('sha256')
    .update(schemaText)
    .update(`\0provider-generator ${generatorVersion}\0revision ${GENERATION_REVISION}`)
    .digest('hex');
}

/** Generates .gen/providers/hcloud unless its stamp already matches the schema; returns whether it ran. */
export async function ensureHcloudBindings(force = false): Promise<boolean> {
  const stamp = stampFor(fs.readFileSync(HCLOUD_SCHEMA_PATH, 'utf8'));
  const current = fs.existsSync(stampPath) ? fs.readFileSync(stampPath, 'utf8').trim() : '';
  if (!force && current === stamp && fs.existsSync(path.join(genDir, 'providers', 'hcloud', 'index.ts'))) {
    return false;
  }

  // Generate beside the target and swap it in, so a reader never sees a half-written tree.
  fs.mkdirSync(genDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(genDir, '.staging-hcloud-'));
  try {
    await generateHcloudBindings(staging);
    fs.writeFileSync(path.join(staging, 'providers', 'hcloud', '.schema-stamp'), `${stamp}\n`);

    const target = path.join(genDir, 'providers', 'hcloud');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const retired = `${target}.old-${process.pid}`;
    if (fs.existsSync(target)) fs.renameSync(target, retired);
    try {
      fs.renameSync(path.join(staging, 'providers', 'hcloud'), target);
    } catch (error) {
      // Another `npm run gen` swapped its tree in first; keep it if it is built from the same schema.
      const theirs = fs.existsSync(stampPath) ? fs.readFileSync(stampPath, 'utf8').trim() : '';
      if (theirs !== stamp) throw error;
    }
    fs.rmSync(retired, { recursive: true, force: true });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return true;
}

// ---- --refresh ---------------------------------------------------------------------------------

function terraform(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('terraform', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw new Error(`cannot run terraform (${result.error.message}); --refresh needs Terraform on PATH`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function pick(all: Record<string, unknown>, names: string[], kind: string): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of names) {
    if (!(name in all)) throw new Error(`hcloud ${HCLOUD_PROVIDER_VERSION} has no ${kind} ${name}; update INCLUDED lists`);
    picked[name] = all[name];
  }
  return picked;
}

/**
 * Terraform prints `deprecated: true` but drops the deprecation message. Removed attributes carry a
 * description saying they must not be set; keep those descriptions across a refresh.
 */
function carryDeprecationNotes(fresh: any, previous: any): void {
  const walk = (next: any, prev: any): void => {
    if (!next || !prev) return;
    for (const [name, attr] of Object.entries<any>(next.attributes ?? {})) {
      const old = prev.attributes?.[name];
      if (attr.deprecated && old?.deprecated && old.description && old.description !== attr.description) {
        attr.description = old.description;
        attr.description_kind = old.description_kind;
      }
      if (attr.nested_type && old?.nested_type) walk(attr.nested_type, old.nested_type);
    }
    for (const [name, blockType] of Object.entries<any>(next.block_types ?? {})) {
      walk(blockType.block, prev.block_types?.[name]?.block);
    }
  };
  for (const kind of ['resource_schemas', 'data_source_schemas']) {
    for (const [type, schema] of Object.entries<any>(fresh[kind])) walk(schema.block, previous?.[kind]?.[type]?.block);
  }
}

/** Rewrites the committed schema from `terraform providers schema -json` of the real provider. */
export function refreshHcloudSchema(): void {
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcloud-schema-'));
  try {
    fs.writeFileSync(
      path.join(workdir, 'main.tf'),
      [
        'terraform {',
        '  required_providers {',
        `    hcloud = { source = "${HCLOUD_PROVIDER_SOURCE}", version = "${HCLOUD_PROVIDER_VERSION}" }`,
        '  }',
        '}',
        '',
      ].join('\n'),
    );

    const init = terraform(['init', '-input=false', '-no-color', '-backend=false'], workdir);
    if (init.status !== 0) {
      throw new Error(
        `terraform init could not install ${HCLOUD_PROVIDER_SOURCE} ${HCLOUD_PROVIDER_VERSION}; --refresh needs ` +
          `network access to registry.terraform.io. The committed schema is unchanged.\n${init.stderr.trim()}`,
      );
    }

    const printed = terraform(['providers', 'schema', '-json'], workdir);
    if (printed.status !== 0) throw new Error(`terraform providers schema -json failed:\n${printed.stderr.trim()}`);

    const all = JSON.parse(printed.stdout);
    const provider = all.provider_schemas?.[HCLOUD_FQPN];
    if (!provider) throw new Error(`terraform printed no schema for ${HCLOUD_FQPN}`);

    const fresh = {
      provider: provider.provider,
      resource_schemas: pick(provider.resource_schemas ?? {}, INCLUDED_RESOURCES, 'resource'),
      data_source_schemas: pick(provider.data_source_schemas ?? {}, INCLUDED_DATA_SOURCES, 'data source'),
    };
    const previous = fs.existsSync(HCLOUD_SCHEMA_PATH) ? readHcloudSchema().provider_schemas?.[HCLOUD_FQPN] : undefined;
    carryDeprecationNotes(fresh, previous);

    const document = {
      format_version: all.format_version,
      provider_schemas: { [HCLOUD_FQPN]: fresh },
      provider_versions: { [HCLOUD_FQPN]: HCLOUD_PROVIDER_VERSION },
    };
    fs.writeFileSync(HCLOUD_SCHEMA_PATH, `${JSON.stringify(document, null, 2)}\n`);
  } finally {
    fs.rmSync(workdir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const refresh = argv.includes('--refresh');
  const force = argv.includes('--force');
  const relative = path.relative(root, HCLOUD_SCHEMA_PATH);

  if (refresh) {
    refreshHcloudSchema();
    console.log(`refreshed ${relative} from ${HCLOUD_PROVIDER_SOURCE} ${HCLOUD_PROVIDER_VERSION}; review the diff and commit it`);
  }

  const started = Date.now();
  const generated = await ensureHcloudBindings(force || refresh);
  if (generated) {
    console.log(`generated hcloud ${HCLOUD_PROVIDER_VERSION} bindings in .gen/providers/hcloud from ${relative} (${Date.now() - started} ms)`);
  } else {
    console.log(`hcloud bindings in .gen/providers/hcloud are up to date with ${relative}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(`generate-hcloud-bindings: ${error.message}`);
    process.exit(1);
  });
}

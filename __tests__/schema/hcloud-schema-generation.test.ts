// The committed schema is a valid `terraform providers schema -json` document and the binding
// generator accepts it: generation into a temporary directory succeeds and pins the provider.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  generateHcloudBindings,
  HCLOUD_FQPN,
  HCLOUD_SCHEMA_PATH,
  readHcloudSchema,
} from '../../scripts/generate-hcloud-bindings';
import { SchemaAttribute, SchemaBlock } from '../support/hcloud-schema';

const PRIMITIVES = new Set(['string', 'number', 'bool', 'dynamic']);

function typeProblems(type: unknown, where: string): string[] {
  if (typeof type === 'string') return PRIMITIVES.has(type) ? [] : [`${where}: unknown primitive type ${type}`];
  if (!Array.isArray(type) || type.length !== 2) return [`${where}: malformed type ${JSON.stringify(type)}`];
  const [kind, element] = type;
  if (kind === 'list' || kind === 'set' || kind === 'map') return typeProblems(element, `${where}<${kind}>`);
  if (kind === 'object') {
    return Object.entries(element as Record<string, unknown>).flatMap(([name, t]) => typeProblems(t, `${where}.${name}`));
  }
  return [`${where}: unknown collection kind ${kind}`];
}

function attributeProblems(attribute: SchemaAttribute, where: string): string[] {
  const problems: string[] = [];
  if ((attribute.type === undefined) === (attribute.nested_type === undefined)) {
    problems.push(`${where}: needs exactly one of type and nested_type`);
  }
  if (attribute.type !== undefined) problems.push(...typeProblems(attribute.type, where));
  if (attribute.nested_type) {
    if (!['single', 'list', 'set', 'map'].includes(attribute.nested_type.nesting_mode)) {
      problems.push(`${where}: bad nesting_mode ${attribute.nested_type.nesting_mode}`);
    }
    for (const [name, nested] of Object.entries(attribute.nested_type.attributes)) {
      problems.push(...attributeProblems(nested, `${where}.${name}`));
    }
  }
  if (!attribute.required && !attribute.optional && !attribute.computed) {
    problems.push(`${where}: is neither required, optional nor computed`);
  }
  if (attribute.required && (attribute.optional || attribute.computed)) {
    problems.push(`${where}: required excludes optional and computed`);
  }
  if (!['plain', 'markdown'].includes(attribute.description_kind ?? '')) problems.push(`${where}: bad description_kind`);
  return problems;
}

function blockProblems(block: SchemaBlock, where: string): string[] {
  const problems: string[] = [];
  if (!['plain', 'markdown'].includes(block.description_kind ?? '')) problems.push(`${where}: bad description_kind`);
  for (const [name, attribute] of Object.entries(block.attributes ?? {})) {
    problems.push(...attributeProblems(attribute, `${where}.${name}`));
    if (block.block_types?.[name]) problems.push(`${where}.${name}: both an attribute and a block`);
  }
  for (const [name, blockType] of Object.entries(block.block_types ?? {})) {
    if (!['single', 'group', 'list', 'set', 'map'].includes(blockType.nesting_mode)) {
      problems.push(`${where}.${name}: bad nesting_mode ${blockType.nesting_mode}`);
    }
    const counted = blockType.nesting_mode === 'list' || blockType.nesting_mode === 'set';
    if (!counted && (blockType.min_items !== undefined || blockType.max_items !== undefined)) {
      problems.push(`${where}.${name}: min_items/max_items only apply to list and set blocks`);
    }
    problems.push(...blockProblems(blockType.block, `${where}.${name}`));
  }
  return problems;
}

describe('schema/hcloud-1.68.0.json', () => {
  const document = readHcloudSchema();
  const provider = document.provider_schemas[HCLOUD_FQPN];

  it('is a provider schema document for hetznercloud/hcloud 1.68.0', () => {
    expect(document.format_version).toBe('1.0');
    expect(Object.keys(document.provider_schemas)).toEqual([HCLOUD_FQPN]);
    expect(document.provider_versions).toEqual({ [HCLOUD_FQPN]: '1.68.0' });
    expect(Object.keys(provider).sort()).toEqual(['data_source_schemas', 'provider', 'resource_schemas']);
  });

  it('has a well-formed block for the provider and every resource and data source', () => {
    const problems = [
      ...blockProblems(provider.provider.block, 'provider'),
      ...Object.entries<any>(provider.resource_schemas).flatMap(([type, schema]) => blockProblems(schema.block, type)),
      ...Object.entries<any>(provider.data_source_schemas).flatMap(([type, schema]) =>
        blockProblems(schema.block, `data.${type}`),
      ),
    ];
    expect(problems).toEqual([]);
    for (const schema of [provider.provider, ...Object.values<any>(provider.resource_schemas)]) {
      expect(typeof schema.version).toBe('number');
    }
  });

  describe('generated into a temporary directory', () => {
    let outdir: string;

    beforeAll(async () => {
      outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcloud-bindings-'));
      await generateHcloudBindings(outdir, HCLOUD_SCHEMA_PATH);
    });

    afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

    it('writes one folder per resource and data source, and the provider', () => {
      const folders = fs.readdirSync(path.join(outdir, 'providers', 'hcloud')).filter((name) => !name.endsWith('.ts'));
      expect(folders.sort()).toEqual(
        [
          ...Object.keys(provider.resource_schemas).map((type) => type.replace(/^hcloud_/, '')),
          ...Object.keys(provider.data_source_schemas).map((type) => `data-${type}`),
          'provider',
        ]
          .map((name) => name.replace(/_/g, '-'))
          .sort(),
      );
    });

    it('pins the provider class to source hetznercloud/hcloud at exactly 1.68.0', () => {
      const providerFile = fs.readFileSync(path.join(outdir, 'providers', 'hcloud', 'provider', 'index.ts'), 'utf8');
      expect(providerFile).toContain('export class HcloudProvider extends cdktf.TerraformProvider');
      expect(providerFile).toContain("terraformProviderSource: 'hetznercloud/hcloud'");
      expect(providerFile).toContain("providerVersion: '1.68.0'");
    });

    it('names the resource classes the constructs import', () => {
      const classOf = (folder: string): string[] =>
        [...fs.readFileSync(path.join(outdir, 'providers', 'hcloud', folder, 'index.ts'), 'utf8').matchAll(/^export class (\w+) extends cdktf\.Terraform(?:Resource|DataSource)\b/gm)].map(
          (match) => match[1],
        );
      expect(classOf('server')).toEqual(['Server']);
      expect(classOf('ssh-key')).toEqual(['SshKey']);
      expect(classOf('firewall')).toEqual(['Firewall']);
      expect(classOf('zone-rrset')).toEqual(['ZoneRrset']);
      // The generator names classes uniquely across the provider: hcloud_server's `network` block
      // took `ServerNetwork`, so the hcloud_server_network resource becomes `ServerNetworkA`.
      expect(classOf('server-network')).toEqual(['ServerNetworkA']);
      expect(classOf('data-hcloud-image')).toEqual(['DataHcloudImage']);
    });
  });
});

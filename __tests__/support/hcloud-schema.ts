// Checks synthesized stacks against the committed hcloud provider schema, so constructs cannot
// set deprecated or removed attributes, or attributes the provider does not have.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const HCLOUD_SCHEMA_FILE = path.resolve(__dirname, '..', '..', 'schema', 'hcloud-1.68.0.json');
const FQPN = 'registry.terraform.io/hetznercloud/hcloud';

type AttributeType = string | [string, unknown];

export interface SchemaAttribute {
  type?: AttributeType;
  nested_type?: { attributes: Record<string, SchemaAttribute>; nesting_mode: 'single' | 'list' | 'set' | 'map' };
  description?: string;
  description_kind?: 'plain' | 'markdown';
  deprecated?: boolean;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  sensitive?: boolean;
}

export interface SchemaBlock {
  attributes?: Record<string, SchemaAttribute>;
  block_types?: Record<string, SchemaBlockType>;
  description?: string;
  description_kind?: 'plain' | 'markdown';
  deprecated?: boolean;
}

export interface SchemaBlockType {
  nesting_mode: 'single' | 'group' | 'list' | 'set' | 'map';
  block: SchemaBlock;
  min_items?: number;
  max_items?: number;
}

export interface HcloudProviderSchema {
  provider: { version: number; block: SchemaBlock };
  resource_schemas: Record<string, { version: number; block: SchemaBlock }>;
  data_source_schemas: Record<string, { version: number; block: SchemaBlock }>;
}

let cached: HcloudProviderSchema | undefined;

/** The hcloud provider's entry of the committed schema document. */
export function hcloudSchema(): HcloudProviderSchema {
  if (!cached) {
    const document = JSON.parse(fs.readFileSync(HCLOUD_SCHEMA_FILE, 'utf8'));
    cached = document.provider_schemas[FQPN] as HcloudProviderSchema;
  }
  return cached;
}

function schemaBlock(type: string, kind: 'resource' | 'data'): SchemaBlock {
  const schemas = kind === 'resource' ? hcloudSchema().resource_schemas : hcloudSchema().data_source_schemas;
  const schema = schemas[type];
  if (!schema) throw new Error(`hcloud schema has no ${kind === 'resource' ? 'resource' : 'data source'} ${type}`);
  return schema.block;
}

/**
 * Paths of the deprecated attributes and blocks of a resource (or data source), nested ones as
 * `block.attribute`, sorted. `deprecatedAttributes('hcloud_server')` includes `datacenter`.
 */
export function deprecatedAttributes(resourceType: string, kind: 'resource' | 'data' = 'resource'): string[] {
  const found: string[] = [];
  const walkAttributes = (attributes: Record<string, SchemaAttribute> | undefined, prefix: string): void => {
    for (const [name, attribute] of Object.entries(attributes ?? {})) {
      if (attribute.deprecated) found.push(prefix + name);
      if (attribute.nested_type) walkAttributes(attribute.nested_type.attributes, `${prefix}${name}.`);
    }
  };
  const walkBlock = (block: SchemaBlock, prefix: string): void => {
    walkAttributes(block.attributes, prefix);
    for (const [name, blockType] of Object.entries(block.block_types ?? {})) {
      if (blockType.block.deprecated) found.push(prefix + name);
      walkBlock(blockType.block, `${prefix}${name}.`);
    }
  };
  walkBlock(schemaBlock(resourceType, kind), '');
  return found.sort();
}

// Keys Terraform or cdktf put on every resource or data source, whatever its schema.
const META_ARGUMENTS = new Set(['//', 'count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection']);

const isToken = (value: unknown): boolean => typeof value === 'string';

function checkBlock(block: SchemaBlock, config: Record<string, unknown>, where: string, problems: string[], top: boolean): void {
  const attributes = block.attributes ?? {};
  const blockTypes = block.block_types ?? {};

  for (const [key, value] of Object.entries(config)) {
    if (top && META_ARGUMENTS.has(key)) continue;

    if (key === 'dynamic' && !attributes.dynamic && value && typeof value === 'object') {
      for (const [name, dynamicBlock] of Object.entries(value as Record<string, any>)) {
        const blockType = blockTypes[name];
        if (!blockType) {
          problems.push(`${where}: dynamic block "${name}" is not a block of this type in hcloud 1.68.0`);
        } else if (dynamicBlock && typeof dynamicBlock.content === 'object') {
          checkBlock(blockType.block, dynamicBlock.content, `${where}.dynamic.${name}`, problems, false);
        }
      }
      continue;
    }

    const attribute = attributes[key];
    if (attribute) {
      // Terraform treats null as "not set".
      if (value !== null && value !== undefined) checkAttribute(attribute, value, `${where}.${key}`, problems);
      continue;
    }

    const blockType = blockTypes[key];
    if (blockType) {
      if (blockType.block.deprecated) problems.push(`${where}.${key}: block is deprecated in hcloud 1.68.0`);
      const items = Array.isArray(value) ? value : [value];
      items.forEach((item, index) => {
        if (item && typeof item === 'object') {
          const at = Array.isArray(value) ? `${where}.${key}[${index}]` : `${where}.${key}`;
          checkBlock(blockType.block, item as Record<string, unknown>, at, problems, false);
        }
      });
      continue;
    }

    problems.push(`${where}.${key}: attribute "${key}" does not exist in the hcloud 1.68.0 schema`);
  }

  for (const [name, attribute] of Object.entries(attributes)) {
    if (attribute.required && (config[name] === undefined || config[name] === null)) problems.push(`${where}: required attribute "${name}" is not set`);
  }
}

function checkAttribute(attribute: SchemaAttribute, value: unknown, where: string, problems: string[]): void {
  if (attribute.deprecated) {
    const note = attribute.description ? `: ${attribute.description}` : '';
    problems.push(`${where}: attribute is deprecated in hcloud 1.68.0 and must not be set${note}`);
  }
  if (attribute.computed && !attribute.optional && !attribute.required) {
    problems.push(`${where}: attribute is computed by the provider and cannot be set`);
  }

  const nested = attribute.nested_type;
  if (!nested || isToken(value)) return;
  const objects =
    nested.nesting_mode === 'single' ? [value] : nested.nesting_mode === 'map' ? Object.values(value as object) : (value as unknown[]);
  if (!Array.isArray(objects)) return;
  objects.forEach((object, index) => {
    if (object && typeof object === 'object') {
      const at = nested.nesting_mode === 'single' ? where : `${where}[${index}]`;
      checkBlock({ attributes: nested.attributes }, object as Record<string, unknown>, at, problems, false);
    }
  });
}

/**
 * Walks every hcloud resource, data source and provider block of a synthesized stack (the string
 * `Testing.synth` returns, or a cdk.tf.json) and throws one error listing each problem by resource
 * address and attribute path: a deprecated or removed attribute that is set, an attribute or block
 * the schema does not have, a computed-only attribute that is set, or a required one that is missing.
 */
export function assertNoDeprecatedHcloudAttributes(synthesizedJson: string): void {
  const stack = JSON.parse(synthesizedJson) as Record<string, any>;
  const schema = hcloudSchema();
  const problems: string[] = [];

  for (const [section, kind] of [['resource', 'resource'], ['data', 'data']] as const) {
    for (const [type, instances] of Object.entries<Record<string, any>>(stack[section] ?? {})) {
      if (!type.startsWith('hcloud_')) continue;
      const prefix = section === 'data' ? `data.${type}` : type;
      const schemas = kind === 'resource' ? schema.resource_schemas : schema.data_source_schemas;
      if (!schemas[type]) {
        problems.push(`${prefix}: not in the committed hcloud 1.68.0 schema (schema/hcloud-1.68.0.json)`);
        continue;
      }
      for (const [name, config] of Object.entries(instances)) {
        checkBlock(schemas[type].block, config, `${prefix}.${name}`, problems, true);
      }
    }
  }

  const providers = stack.provider?.hcloud;
  for (const [index, config] of (Array.isArray(providers) ? providers : providers ? [providers] : []).entries()) {
    const { alias: _alias, ...rest } = config as Record<string, unknown>;
    checkBlock(schema.provider.block, rest, `provider.hcloud[${index}]`, problems, false);
  }

  if (problems.length > 0) {
    throw new Error(`hcloud configuration does not match the provider schema:\n  ${problems.join('\n  ')}`);
  }
}

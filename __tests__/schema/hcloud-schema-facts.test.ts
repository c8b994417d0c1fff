// Pins the attributes the platform relies on against terraform-provider-hcloud v1.68.0: each fact
// names the source file (in hetznercloud/terraform-provider-hcloud at tag v1.68.0) it was read from.
import { hcloudSchema, SchemaAttribute, SchemaBlock, SchemaBlockType } from '../support/hcloud-schema';
import { INCLUDED_DATA_SOURCES, INCLUDED_RESOURCES } from '../../scripts/generate-hcloud-bindings';

type Kind = 'resource' | 'data' | 'provider';

interface AttributeFact {
  type?: unknown;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  sensitive?: boolean;
  deprecated?: boolean;
  /** a nested attribute (plugin framework) with this nesting mode */
  nested?: 'single' | 'list' | 'set' | 'map';
  /** words the description must contain */
  describes?: string;
}

interface BlockFact {
  block: 'single' | 'list' | 'set' | 'map';
  minItems?: number;
  maxItems?: number;
}

type Fact = [kind: Kind, type: string, path: string, expected: AttributeFact | BlockFact, source: string];

const SERVER = 'internal/server/resource.go';
const SERVER_NETWORK = 'internal/server/resource_network.go';
const FIREWALL = 'internal/firewall/resource.go';
const FIREWALL_ATTACHMENT = 'internal/firewall/attachment_resource.go';
const NETWORK = 'internal/network/resource.go';
const SUBNET = 'internal/network/resource_subnet.go';
const PRIMARY_IP = 'internal/primaryip/resource.go';
const RDNS = 'internal/rdns/resource.go';
const SSH_KEY = 'internal/sshkey/resource.go';
const LABELS = 'internal/util/resourceutil/labels.go';
const VOLUME = 'internal/volume/resource.go';
const VOLUME_ATTACHMENT = 'internal/volume/resource_attachment.go';
const PLACEMENT_GROUP = 'internal/placementgroup/resource.go';
const ZONE = 'internal/zone/resource.go';
const RRSET = 'internal/zonerrset/resource.go';
const PROVIDER = 'hcloud/plugin_provider.go';

const required = { required: true, optional: undefined, computed: undefined };
const optional = { required: undefined, optional: true, computed: undefined };
const optionalComputed = { required: undefined, optional: true, computed: true };
const computedOnly = { required: undefined, optional: undefined, computed: true };

const facts: Fact[] = [
  // hcloud_server (SDKv2)
  ['resource', 'hcloud_server', 'name', { type: 'string', ...required }, SERVER],
  ['resource', 'hcloud_server', 'server_type', { type: 'string', ...required }, SERVER],
  ['resource', 'hcloud_server', 'image', { type: 'string', ...optionalComputed }, SERVER],
  ['resource', 'hcloud_server', 'location', { type: 'string', ...optionalComputed }, SERVER],
  ['resource', 'hcloud_server', 'datacenter', { type: 'string', ...optionalComputed, deprecated: true, describes: 'must not be set' }, SERVER],
  ['resource', 'hcloud_server', 'allow_deprecated_images', { type: 'bool', ...optional, deprecated: true }, SERVER],
  ['resource', 'hcloud_server', 'backup_window', { type: 'string', ...computedOnly, deprecated: true }, SERVER],
  ['resource', 'hcloud_server', 'user_data', { type: 'string', ...optional }, SERVER],
  ['resource', 'hcloud_server', 'ssh_keys', { type: ['list', 'string'], ...optional }, SERVER],
  ['resource', 'hcloud_server', 'keep_disk', { type: 'bool', ...optional }, SERVER],
  ['resource', 'hcloud_server', 'backups', { type: 'bool', ...optional }, SERVER],
  ['resource', 'hcloud_server', 'delete_protection', { type: 'bool', ...optional }, SERVER],
  ['resource', 'hcloud_server', 'rebuild_protection', { type: 'bool', ...optional }, SERVER],
  ['resource', 'hcloud_server', 'shutdown_before_deletion', { type: 'bool', ...optional }, SERVER],
  ['resource', 'hcloud_server', 'firewall_ids', { type: ['set', 'number'], ...optionalComputed }, SERVER],
  ['resource', 'hcloud_server', 'ignore_remote_firewall_ids', { type: 'bool', ...optional }, SERVER],
  ['resource', 'hcloud_server', 'placement_group_id', { type: 'number', ...optional }, SERVER],
  ['resource', 'hcloud_server', 'labels', { type: ['map', 'string'], ...optional }, SERVER],
  ['resource', 'hcloud_server', 'iso', { type: 'string', ...optional }, SERVER],
  ['resource', 'hcloud_server', 'rescue', { type: 'string', ...optional }, SERVER],
  ['resource', 'hcloud_server', 'ipv4_address', { type: 'string', ...computedOnly }, SERVER],
  ['resource', 'hcloud_server', 'ipv6_address', { type: 'string', ...computedOnly }, SERVER],
  ['resource', 'hcloud_server', 'ipv6_network', { type: 'string', ...computedOnly }, SERVER],
  ['resource', 'hcloud_server', 'status', { type: 'string', ...computedOnly }, SERVER],
  ['resource', 'hcloud_server', 'primary_disk_size', { type: 'number', ...computedOnly }, SERVER],
  // the SDK adds an optional+computed "id" to every resource
  ['resource', 'hcloud_server', 'id', { type: 'string', ...optionalComputed }, SERVER],
  ['resource', 'hcloud_server', 'public_net', { block: 'set' }, SERVER],
  ['resource', 'hcloud_server', 'public_net.ipv4_enabled', { type: 'bool', ...optional }, SERVER],
  ['resource', 'hcloud_server', 'public_net.ipv6_enabled', { type: 'bool', ...optional }, SERVER],
  ['resource', 'hcloud_server', 'public_net.ipv4', { type: 'number', ...optionalComputed }, SERVER],
  ['resource', 'hcloud_server', 'public_net.ipv6', { type: 'number', ...optionalComputed }, SERVER],
  ['resource', 'hcloud_server', 'network', { block: 'set' }, SERVER],
  ['resource', 'hcloud_server', 'network.network_id', { type: 'number', ...optionalComputed }, SERVER],
  ['resource', 'hcloud_server', 'network.subnet_id', { type: 'string', ...optionalComputed }, SERVER],
  ['resource', 'hcloud_server', 'network.ip', { type: 'string', ...optionalComputed }, SERVER],
  ['resource', 'hcloud_server', 'network.alias_ips', { type: ['set', 'string'], ...optionalComputed }, SERVER],
  ['resource', 'hcloud_server', 'network.mac_address', { type: 'string', ...computedOnly }, SERVER],
  // Timeouts{Create: 90m} becomes a single "timeouts" block with only "create"
  ['resource', 'hcloud_server', 'timeouts', { block: 'single' }, SERVER],
  ['resource', 'hcloud_server', 'timeouts.create', { type: 'string', ...optional }, SERVER],

  // hcloud_ssh_key (plugin framework)
  ['resource', 'hcloud_ssh_key', 'id', { type: 'string', ...computedOnly }, SSH_KEY],
  ['resource', 'hcloud_ssh_key', 'name', { type: 'string', ...required }, SSH_KEY],
  ['resource', 'hcloud_ssh_key', 'public_key', { type: 'string', ...required }, SSH_KEY],
  ['resource', 'hcloud_ssh_key', 'fingerprint', { type: 'string', ...computedOnly }, SSH_KEY],
  // framework labels are optional+computed (they default to {})
  ['resource', 'hcloud_ssh_key', 'labels', { type: ['map', 'string'], ...optionalComputed }, LABELS],

  // hcloud_firewall (SDKv2)
  ['resource', 'hcloud_firewall', 'name', { type: 'string', ...required }, FIREWALL],
  ['resource', 'hcloud_firewall', 'labels', { type: ['map', 'string'], ...optionalComputed }, FIREWALL],
  ['resource', 'hcloud_firewall', 'rule', { block: 'set' }, FIREWALL],
  ['resource', 'hcloud_firewall', 'rule.direction', { type: 'string', ...required }, FIREWALL],
  ['resource', 'hcloud_firewall', 'rule.protocol', { type: 'string', ...required }, FIREWALL],
  ['resource', 'hcloud_firewall', 'rule.port', { type: 'string', ...optional }, FIREWALL],
  ['resource', 'hcloud_firewall', 'rule.source_ips', { type: ['set', 'string'], ...optional }, FIREWALL],
  ['resource', 'hcloud_firewall', 'rule.destination_ips', { type: ['set', 'string'], ...optional }, FIREWALL],
  ['resource', 'hcloud_firewall', 'rule.description', { type: 'string', ...optional }, FIREWALL],
  ['resource', 'hcloud_firewall', 'apply_to', { block: 'set' }, FIREWALL],
  ['resource', 'hcloud_firewall', 'apply_to.server', { type: 'number', ...optionalComputed }, FIREWALL],
  ['resource', 'hcloud_firewall', 'apply_to.label_selector', { type: 'string', ...optionalComputed }, FIREWALL],

  // hcloud_firewall_attachment (SDKv2)
  ['resource', 'hcloud_firewall_attachment', 'firewall_id', { type: 'number', ...required }, FIREWALL_ATTACHMENT],
  ['resource', 'hcloud_firewall_attachment', 'server_ids', { type: ['set', 'number'], ...optional }, FIREWALL_ATTACHMENT],
  ['resource', 'hcloud_firewall_attachment', 'label_selectors', { type: ['set', 'string'], ...optional }, FIREWALL_ATTACHMENT],

  // hcloud_network, hcloud_network_subnet (SDKv2)
  ['resource', 'hcloud_network', 'name', { type: 'string', ...required }, NETWORK],
  ['resource', 'hcloud_network', 'ip_range', { type: 'string', ...required }, NETWORK],
  ['resource', 'hcloud_network', 'labels', { type: ['map', 'string'], ...optional }, NETWORK],
  ['resource', 'hcloud_network', 'delete_protection', { type: 'bool', ...optional }, NETWORK],
  ['resource', 'hcloud_network', 'expose_routes_to_vswitch', { type: 'bool', ...optional, describes: 'vSwitch' }, NETWORK],
  ['resource', 'hcloud_network_subnet', 'network_id', { type: 'number', ...required }, SUBNET],
  ['resource', 'hcloud_network_subnet', 'type', { type: 'string', ...required }, SUBNET],
  ['resource', 'hcloud_network_subnet', 'network_zone', { type: 'string', ...required }, SUBNET],
  ['resource', 'hcloud_network_subnet', 'ip_range', { type: 'string', ...required }, SUBNET],
  ['resource', 'hcloud_network_subnet', 'gateway', { type: 'string', ...computedOnly }, SUBNET],
  ['resource', 'hcloud_network_subnet', 'vswitch_id', { type: 'number', ...optional }, SUBNET],

  // hcloud_server_network (plugin framework)
  ['resource', 'hcloud_server_network', 'server_id', { type: 'number', ...required }, SERVER_NETWORK],
  ['resource', 'hcloud_server_network', 'network_id', { type: 'number', ...optionalComputed }, SERVER_NETWORK],
  ['resource', 'hcloud_server_network', 'subnet_id', { type: 'string', ...optional }, SERVER_NETWORK],
  ['resource', 'hcloud_server_network', 'ip', { type: 'string', ...optionalComputed }, SERVER_NETWORK],
  ['resource', 'hcloud_server_network', 'alias_ips', { type: ['set', 'string'], ...optionalComputed }, SERVER_NETWORK],
  ['resource', 'hcloud_server_network', 'mac_address', { type: 'string', ...computedOnly }, SERVER_NETWORK],

  // hcloud_primary_ip (plugin framework)
  ['resource', 'hcloud_primary_ip', 'id', { type: 'number', ...computedOnly }, PRIMARY_IP],
  ['resource', 'hcloud_primary_ip', 'name', { type: 'string', ...required }, PRIMARY_IP],
  ['resource', 'hcloud_primary_ip', 'type', { type: 'string', ...required }, PRIMARY_IP],
  ['resource', 'hcloud_primary_ip', 'location', { type: 'string', ...optionalComputed }, PRIMARY_IP],
  ['resource', 'hcloud_primary_ip', 'datacenter', { type: 'string', ...optionalComputed, deprecated: true, describes: 'must not be set' }, PRIMARY_IP],
  ['resource', 'hcloud_primary_ip', 'assignee_id', { type: 'number', ...optionalComputed }, PRIMARY_IP],
  ['resource', 'hcloud_primary_ip', 'assignee_type', { type: 'string', ...optionalComputed }, PRIMARY_IP],
  ['resource', 'hcloud_primary_ip', 'auto_delete', { type: 'bool', ...optionalComputed }, PRIMARY_IP],
  ['resource', 'hcloud_primary_ip', 'delete_protection', { type: 'bool', ...optionalComputed }, PRIMARY_IP],
  ['resource', 'hcloud_primary_ip', 'ip_address', { type: 'string', ...computedOnly }, PRIMARY_IP],
  ['resource', 'hcloud_primary_ip', 'ip_network', { type: 'string', ...computedOnly }, PRIMARY_IP],

  // hcloud_rdns (plugin framework)
  ['resource', 'hcloud_rdns', 'server_id', { type: 'number', ...optional }, RDNS],
  ['resource', 'hcloud_rdns', 'primary_ip_id', { type: 'number', ...optional }, RDNS],
  ['resource', 'hcloud_rdns', 'floating_ip_id', { type: 'number', ...optional }, RDNS],
  ['resource', 'hcloud_rdns', 'load_balancer_id', { type: 'number', ...optional }, RDNS],
  ['resource', 'hcloud_rdns', 'ip_address', { type: 'string', ...required }, RDNS],
  ['resource', 'hcloud_rdns', 'dns_ptr', { type: 'string', ...required }, RDNS],

  // hcloud_volume, hcloud_volume_attachment, hcloud_placement_group (SDKv2)
  ['resource', 'hcloud_volume', 'name', { type: 'string', ...required }, VOLUME],
  ['resource', 'hcloud_volume', 'size', { type: 'number', ...required }, VOLUME],
  ['resource', 'hcloud_volume', 'location', { type: 'string', ...optionalComputed }, VOLUME],
  ['resource', 'hcloud_volume', 'server_id', { type: 'number', ...optionalComputed }, VOLUME],
  ['resource', 'hcloud_volume', 'automount', { type: 'bool', ...optional }, VOLUME],
  ['resource', 'hcloud_volume', 'format', { type: 'string', ...optional }, VOLUME],
  ['resource', 'hcloud_volume', 'linux_device', { type: 'string', ...computedOnly }, VOLUME],
  ['resource', 'hcloud_volume', 'delete_protection', { type: 'bool', ...optional }, VOLUME],
  ['resource', 'hcloud_volume_attachment', 'volume_id', { type: 'number', ...required }, VOLUME_ATTACHMENT],
  ['resource', 'hcloud_volume_attachment', 'server_id', { type: 'number', ...required }, VOLUME_ATTACHMENT],
  ['resource', 'hcloud_volume_attachment', 'automount', { type: 'bool', ...optionalComputed }, VOLUME_ATTACHMENT],
  ['resource', 'hcloud_placement_group', 'name', { type: 'string', ...required }, PLACEMENT_GROUP],
  ['resource', 'hcloud_placement_group', 'type', { type: 'string', ...required }, PLACEMENT_GROUP],
  ['resource', 'hcloud_placement_group', 'servers', { type: ['set', 'number'], ...computedOnly }, PLACEMENT_GROUP],

  // hcloud_zone (plugin framework): nested attributes, not blocks
  ['resource', 'hcloud_zone', 'id', { type: 'number', ...computedOnly }, ZONE],
  ['resource', 'hcloud_zone', 'name', { type: 'string', ...required }, ZONE],
  ['resource', 'hcloud_zone', 'mode', { type: 'string', ...required }, ZONE],
  ['resource', 'hcloud_zone', 'ttl', { type: 'number', ...optionalComputed }, ZONE],
  ['resource', 'hcloud_zone', 'delete_protection', { type: 'bool', ...optionalComputed }, ZONE],
  ['resource', 'hcloud_zone', 'primary_nameservers', { nested: 'list', ...optionalComputed }, ZONE],
  ['resource', 'hcloud_zone', 'primary_nameservers.address', { type: 'string', ...required }, ZONE],
  ['resource', 'hcloud_zone', 'primary_nameservers.port', { type: 'number', ...optionalComputed }, ZONE],
  ['resource', 'hcloud_zone', 'primary_nameservers.tsig_key', { type: 'string', ...optional }, ZONE],
  ['resource', 'hcloud_zone', 'authoritative_nameservers', { nested: 'single', ...computedOnly }, ZONE],
  ['resource', 'hcloud_zone', 'authoritative_nameservers.assigned', { type: ['list', 'string'], ...computedOnly }, ZONE],
  ['resource', 'hcloud_zone', 'registrar', { type: 'string', ...computedOnly }, ZONE],

  // hcloud_zone_rrset (plugin framework): records is a required set of {value, comment}
  ['resource', 'hcloud_zone_rrset', 'zone', { type: 'string', ...required }, RRSET],
  ['resource', 'hcloud_zone_rrset', 'name', { type: 'string', ...required }, RRSET],
  ['resource', 'hcloud_zone_rrset', 'type', { type: 'string', ...required }, RRSET],
  ['resource', 'hcloud_zone_rrset', 'ttl', { type: 'number', ...optional }, RRSET],
  ['resource', 'hcloud_zone_rrset', 'change_protection', { type: 'bool', ...optionalComputed }, RRSET],
  ['resource', 'hcloud_zone_rrset', 'labels', { type: ['map', 'string'], ...optionalComputed }, LABELS],
  ['resource', 'hcloud_zone_rrset', 'records', { nested: 'set', ...required }, RRSET],
  ['resource', 'hcloud_zone_rrset', 'records.value', { type: 'string', ...required }, RRSET],
  ['resource', 'hcloud_zone_rrset', 'records.comment', { type: 'string', ...optional }, RRSET],

  // data sources (plugin framework)
  ['data', 'hcloud_image', 'name', { type: 'string', ...optional }, 'internal/image/data_source.go'],
  ['data', 'hcloud_image', 'with_architecture', { type: 'string', ...optional }, 'internal/image/data_source.go'],
  ['data', 'hcloud_image', 'most_recent', { type: 'bool', ...optional }, 'internal/image/data_source.go'],
  ['data', 'hcloud_image', 'with_status', { type: ['set', 'string'], ...optional }, 'internal/image/data_source.go'],
  ['data', 'hcloud_image', 'selector', { type: 'string', ...optional, deprecated: true }, 'internal/image/data_source.go'],
  ['data', 'hcloud_image', 'os_flavor', { type: 'string', ...computedOnly }, 'internal/image/data_source.go'],
  ['data', 'hcloud_ssh_key', 'name', { type: 'string', ...optional }, 'internal/sshkey/data_source.go'],
  ['data', 'hcloud_ssh_key', 'public_key', { type: 'string', ...computedOnly }, 'internal/sshkey/data_source.go'],
  ['data', 'hcloud_ssh_key', 'selector', { type: 'string', ...optional, deprecated: true }, 'internal/sshkey/data_source.go'],
  ['data', 'hcloud_zone', 'name', { type: 'string', ...optional }, 'internal/zone/data_source.go'],
  ['data', 'hcloud_zone', 'authoritative_nameservers', { nested: 'single', ...computedOnly }, 'internal/zone/data_source.go'],
  ['data', 'hcloud_server_type', 'name', { type: 'string', ...optional }, 'internal/servertype/data_source.go'],
  ['data', 'hcloud_server_type', 'memory', { type: 'number', ...computedOnly }, 'internal/servertype/data_source.go'],
  ['data', 'hcloud_server_type', 'architecture', { type: 'string', ...computedOnly }, 'internal/servertype/data_source.go'],
  ['data', 'hcloud_server_type', 'locations', { nested: 'list', ...computedOnly }, 'internal/servertype/data_source.go'],
  ['data', 'hcloud_server_type', 'locations.is_deprecated', { type: 'bool', ...computedOnly }, 'internal/deprecation/deprecation_plugin.go'],
  ['data', 'hcloud_server_type', 'included_traffic', { type: 'number', ...computedOnly, deprecated: true }, 'internal/servertype/data_source.go'],
  ['data', 'hcloud_server_type', 'is_deprecated', { type: 'bool', ...computedOnly, deprecated: true }, 'internal/servertype/data_source.go'],
  ['data', 'hcloud_location', 'name', { type: 'string', ...optional }, 'internal/location/data_source.go'],
  ['data', 'hcloud_location', 'network_zone', { type: 'string', ...computedOnly }, 'internal/location/data_source.go'],
  ['data', 'hcloud_location', 'latitude', { type: 'number', ...computedOnly }, 'internal/location/data_source.go'],

  // the provider block (SDKv2 hcloud/provider.go and framework hcloud/plugin_provider.go agree)
  ['provider', 'hcloud', 'token', { type: 'string', ...optional, sensitive: true }, PROVIDER],
  ['provider', 'hcloud', 'endpoint', { type: 'string', ...optional }, PROVIDER],
  ['provider', 'hcloud', 'endpoint_hetzner', { type: 'string', ...optional }, PROVIDER],
  ['provider', 'hcloud', 'poll_interval', { type: 'string', ...optional }, PROVIDER],
  ['provider', 'hcloud', 'poll_function', { type: 'string', ...optional }, PROVIDER],
];

function rootBlock(kind: Kind, type: string): SchemaBlock {
  const schema = hcloudSchema();
  if (kind === 'provider') return schema.provider.block;
  const entry = kind === 'resource' ? schema.resource_schemas[type] : schema.data_source_schemas[type];
  if (!entry) throw new Error(`no ${kind} ${type} in the schema`);
  return entry.block;
}

/** Finds an attribute or block by dotted path, through blocks and nested attributes. */
function lookup(block: SchemaBlock, path: string): SchemaAttribute | SchemaBlockType | undefined {
  const [head, ...rest] = path.split('.');
  const attribute = block.attributes?.[head];
  const blockType = block.block_types?.[head];
  if (rest.length === 0) return attribute ?? blockType;
  if (attribute?.nested_type) return lookup({ attributes: attribute.nested_type.attributes }, rest.join('.'));
  if (blockType) return lookup(blockType.block, rest.join('.'));
  return undefined;
}

describe('hcloud 1.68.0 schema facts', () => {
  it.each(facts)('%s %s: %s matches %j (%s)', (kind, type, path, expected) => {
    const found = lookup(rootBlock(kind, type), path);
    expect(found).toBeDefined();

    if ('block' in expected) {
      const blockType = found as SchemaBlockType;
      expect(blockType.nesting_mode).toBe(expected.block);
      expect(blockType.min_items).toBe(expected.minItems);
      expect(blockType.max_items).toBe(expected.maxItems);
      return;
    }

    const attribute = found as SchemaAttribute;
    expect('nesting_mode' in attribute).toBe(false);
    if (expected.type !== undefined) expect(attribute.type).toEqual(expected.type);
    if (expected.nested) {
      expect(attribute.type).toBeUndefined();
      expect(attribute.nested_type?.nesting_mode).toBe(expected.nested);
    }
    expect(attribute.required).toBe(expected.required);
    expect(attribute.optional).toBe(expected.optional);
    expect(attribute.computed).toBe(expected.computed);
    expect(attribute.sensitive).toBe(expected.sensitive);
    expect(attribute.deprecated).toBe(expected.deprecated);
    if (expected.describes) expect(attribute.description).toContain(expected.describes);
  });

  it('holds exactly the resources and data sources the generator script includes', () => {
    expect(Object.keys(hcloudSchema().resource_schemas).sort()).toEqual([...INCLUDED_RESOURCES].sort());
    expect(Object.keys(hcloudSchema().data_source_schemas).sort()).toEqual([...INCLUDED_DATA_SOURCES].sort());
  });

  it('marks no attribute sensitive except the provider token', () => {
    // No included resource sets Sensitive in v1.68.0 (zone tsig_key included); only the token does.
    const sensitive: string[] = [];
    const walk = (block: SchemaBlock, where: string): void => {
      for (const [name, attribute] of Object.entries(block.attributes ?? {})) {
        if (attribute.sensitive) sensitive.push(`${where}.${name}`);
        if (attribute.nested_type) walk({ attributes: attribute.nested_type.attributes }, `${where}.${name}`);
      }
      for (const [name, blockType] of Object.entries(block.block_types ?? {})) walk(blockType.block, `${where}.${name}`);
    };
    walk(hcloudSchema().provider.block, 'provider');
    for (const [type, schema] of Object.entries(hcloudSchema().resource_schemas)) walk(schema.block, type);
    for (const [type, schema] of Object.entries(hcloudSchema().data_source_schemas)) walk(schema.block, `data.${type}`);
    expect(sensitive).toEqual(['provider.token']);
  });
});

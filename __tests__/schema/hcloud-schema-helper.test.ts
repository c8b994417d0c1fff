// The schema guard that construct tests use: it must catch deprecated, removed, unknown and
// computed-only attributes in a synthesized stack built with the generated bindings.
import { TerraformStack, Testing } from 'cdktf';
import { HcloudProvider } from '../../.gen/providers/hcloud/provider';
import { Server } from '../../.gen/providers/hcloud/server';
import { ZoneRrset } from '../../.gen/providers/hcloud/zone-rrset';
import { assertNoDeprecatedHcloudAttributes, deprecatedAttributes } from '../support/hcloud-schema';

function stackWith(build: (stack: TerraformStack) => void): string {
  const stack = new TerraformStack(Testing.app(), 'infra');
  new HcloudProvider(stack, 'hcloud', { pollInterval: '1s' });
  build(stack);
  return Testing.synth(stack);
}

const server = { name: 'edge', serverType: 'cax11', image: 'debian-12', location: 'fsn1' };

describe('HcloudProvider', () => {
  it('synthesizes required_providers pinned to hetznercloud/hcloud 1.68.0', () => {
    const json = JSON.parse(stackWith(() => undefined));
    expect(json.terraform.required_providers.hcloud).toEqual({ source: 'hetznercloud/hcloud', version: '1.68.0' });
  });
});

describe('deprecatedAttributes', () => {
  it('lists the removed and deprecated attributes of hcloud_server', () => {
    expect(deprecatedAttributes('hcloud_server')).toEqual(['allow_deprecated_images', 'backup_window', 'datacenter']);
  });

  it('lists datacenter for hcloud_primary_ip and nothing for hcloud_zone_rrset', () => {
    expect(deprecatedAttributes('hcloud_primary_ip')).toEqual(['datacenter']);
    expect(deprecatedAttributes('hcloud_zone_rrset')).toEqual([]);
  });

  it('reads data sources too', () => {
    expect(deprecatedAttributes('hcloud_image', 'data')).toEqual(['selector']);
  });

  it('refuses a type the schema does not have', () => {
    expect(() => deprecatedAttributes('hcloud_load_balancer')).toThrow(/no resource hcloud_load_balancer/);
  });
});

describe('assertNoDeprecatedHcloudAttributes', () => {
  it('accepts a server, blocks and a record set that follow the schema', () => {
    const json = stackWith((stack) => {
      new Server(stack, 'host', {
        ...server,
        backups: true,
        deleteProtection: true,
        rebuildProtection: true,
        firewallIds: [1],
        labels: { role: 'edge' },
        publicNet: [{ ipv4Enabled: true, ipv6Enabled: true }],
        timeouts: { create: '30m' },
        lifecycle: { ignoreChanges: ['user_data'] },
      });
      new ZoneRrset(stack, 'apex', { zone: 'example.com', name: '@', type: 'A', records: [{ value: '192.0.2.1' }] });
    });
    expect(() => assertNoDeprecatedHcloudAttributes(json)).not.toThrow();
  });

  it('catches datacenter on a Server, naming the resource and the attribute', () => {
    const json = stackWith((stack) => new Server(stack, 'host', { ...server, datacenter: 'fsn1-dc14' }));
    expect(() => assertNoDeprecatedHcloudAttributes(json)).toThrow(/hcloud_server\.host\.datacenter: attribute is deprecated/);
    expect(() => assertNoDeprecatedHcloudAttributes(json)).toThrow(/must not be set/);
  });

  it('catches an attribute the schema does not have, even inside a block', () => {
    const json = stackWith((stack) => {
      const host = new Server(stack, 'host', server);
      host.addOverride('public_net', [{ ipv4_enabled: true, ipv4_only: true }]);
      host.addOverride('datacentre', 'fsn1');
    });
    expect(() => assertNoDeprecatedHcloudAttributes(json)).toThrow(/hcloud_server\.host\.datacentre: attribute "datacentre" does not exist/);
    expect(() => assertNoDeprecatedHcloudAttributes(json)).toThrow(/hcloud_server\.host\.public_net\[0\]\.ipv4_only/);
  });

  it('catches an unknown field inside a framework nested attribute', () => {
    const json = stackWith((stack) => {
      const rrset = new ZoneRrset(stack, 'txt', { zone: 'example.com', name: '@', type: 'TXT', records: [{ value: '"v=spf1 -all"' }] });
      rrset.addOverride('records', [{ value: '"v=spf1 -all"', priority: 10 }]);
    });
    expect(() => assertNoDeprecatedHcloudAttributes(json)).toThrow(/hcloud_zone_rrset\.txt\.records\[\d+\]\.priority/);
  });

  it('catches a computed-only attribute and a missing required one', () => {
    const json = stackWith((stack) => {
      const host = new Server(stack, 'host', server);
      host.addOverride('ipv4_address', '192.0.2.1');
      host.addOverride('server_type', null);
    });
    expect(() => assertNoDeprecatedHcloudAttributes(json)).toThrow(/ipv4_address: attribute is computed by the provider/);
    expect(() => assertNoDeprecatedHcloudAttributes(json)).toThrow(/required attribute "server_type" is not set/);
  });

  it('checks the provider block', () => {
    const json = stackWith((stack) => {
      const provider = stack.node.findChild('hcloud') as HcloudProvider;
      provider.addOverride('api_token', 'x');
    });
    expect(() => assertNoDeprecatedHcloudAttributes(json)).toThrow(/provider\.hcloud\[0\]\.api_token/);
  });
});

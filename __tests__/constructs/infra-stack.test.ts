// The `<env>-infra` stack built from a spec: provider, keys, hosts, DNS and the outputs the platform
// stack reads. The snapshot pins the whole default stack.
import { App, Testing } from 'cdktf';
import { Document, parseDocument } from 'yaml';
import { readFileSync } from 'node:fs';

import { APP_DEFINITIONS } from '../../apps';
import { HcloudProvider } from '../../.gen/providers/hcloud/provider';
import { PlacementGroup } from '../../.gen/providers/hcloud/placement-group';
import { InfraStack } from '../../constructs/infra-stack';
import { DEFAULT_CONFIG_FILE, loadPlatformText } from '../../lib/config';
import { assertNoDeprecatedHcloudAttributes } from '../support/hcloud-schema';

const defaultText = readFileSync(DEFAULT_CONFIG_FILE, 'utf8');

function synthInfra(change: (document: Document) => void = () => undefined) {
  const document = parseDocument(defaultText);
  change(document);
  const spec = loadPlatformText(document.toString(), 'platform.yaml', APP_DEFINITIONS);
  const app = Testing.app();
  const stack = new InfraStack(app as App, 'production-infra', { project: spec.project, environment: spec.environments[0] });
  return { stack, json: Testing.synth(stack), parsed: JSON.parse(Testing.synth(stack)) };
}

const env = ['environments', 'production'];

describe('InfraStack for the default platform', () => {
  const { json, parsed } = synthInfra();

  it('matches the snapshot', () => {
    expect(json).toMatchSnapshot();
  });

  it('lets the provider read HCLOUD_TOKEN itself: no token in the JSON', () => {
    expect(json).toHaveProvider(HcloudProvider);
    expect(parsed.provider.hcloud[0].token).toBeUndefined();
    expect(parsed.variable).toBeUndefined();
  });

  it('pins the hcloud provider to 1.68.0', () => {
    expect(parsed.terraform.required_providers.hcloud).toEqual({ source: 'hetznercloud/hcloud', version: '1.68.0' });
  });

  it('sets only attributes the hcloud 1.68 schema has, none deprecated', () => {
    expect(() => assertNoDeprecatedHcloudAttributes(json)).not.toThrow();
  });

  it('points A and AAAA records of every served hostname at the host', () => {
    const sets = Object.values<any>(parsed.resource.hcloud_zone_rrset);
    for (const name of ['traefik', 'grafana', 'backoffice', 'main', 'reader']) {
      const types = sets.filter((set) => set.name === name).map((set) => set.type).sort();
      expect({ name, types }).toEqual({ name, types: ['A', 'AAAA'] });
    }
  });

  it('adds the apex of every domain and the extra records', () => {
    const sets = Object.values<any>(parsed.resource.hcloud_zone_rrset).map((set) => `${set.zone.includes('shop') ? 'shop' : 'cloud'}:${set.name}/${set.type}`);
    expect(sets).toEqual(expect.arrayContaining(['cloud:@/A', 'cloud:@/AAAA', 'shop:@/A', 'shop:@/AAAA', 'cloud:@/MX', 'cloud:@/TXT', 'cloud:www/CNAME']));
  });

  it('outputs the addresses and the ssh command of each host', () => {
    expect(Object.keys(parsed.output).sort()).toEqual(['main_ipv4', 'main_ipv6', 'main_ssh']);
    expect(parsed.output.main_ssh.value).toMatch(/^ssh deploy@\$\{hcloud_server\..+\.ipv4_address\}$/);
  });

  it('needs no placement group for one host', () => {
    expect(json).not.toHaveResource(PlacementGroup);
  });
});

describe('InfraStack options', () => {
  it('takes the token from a sensitive variable when tokenEnv is TF_VAR_<name>', () => {
    const { parsed } = synthInfra((document) => {
      for (const name of Object.keys((document.toJS() as { environments: object }).environments)) {
        document.setIn(['environments', name, 'hcloud', 'tokenEnv'], 'TF_VAR_hcloud_token_production');
      }
    });
    expect(parsed.variable.hcloud_token_production).toMatchObject({ sensitive: true, type: 'string' });
    expect(parsed.provider.hcloud[0].token).toBe('${var.hcloud_token_production}');
  });

  it('spreads several hosts over a placement group, each with its own firewall and records', () => {
    const { json, parsed } = synthInfra((document) => document.setIn([...env, 'hosts', 'worker'], { serverType: 'cax21', location: 'fsn1' }));
    expect(json).toHaveResourceWithProperties(PlacementGroup, { type: 'spread' });
    expect(Object.values<any>(parsed.resource.hcloud_server).map((server) => server.name).sort())
      .toEqual(['mambo-production-main', 'mambo-production-worker']);
    expect(Object.keys(parsed.resource.hcloud_firewall)).toHaveLength(2);
    expect(Object.values<any>(parsed.resource.hcloud_zone_rrset).filter((set) => set.name === 'worker')).toHaveLength(2);
    expect(Object.keys(parsed.output)).toEqual(expect.arrayContaining(['worker_ipv4', 'worker_ssh']));
  });

  it('creates a private network and attaches every host at its address', () => {
    const { parsed } = synthInfra((document) => {
      document.setIn([...env, 'privateNetwork'], { ipRange: '10.0.0.0/16', subnet: '10.0.1.0/24' });
      document.setIn([...env, 'hosts', 'main', 'privateIp'], '10.0.1.10');
    });
    expect(Object.values<any>(parsed.resource.hcloud_network)[0]).toMatchObject({ ip_range: '10.0.0.0/16' });
    expect(Object.values<any>(parsed.resource.hcloud_network_subnet)[0]).toMatchObject({ ip_range: '10.0.1.0/24', network_zone: 'eu-central', type: 'cloud' });
    expect(Object.values<any>(parsed.resource.hcloud_server_network)[0]).toMatchObject({ ip: '10.0.1.10' });
  });

  it('leaves zones to someone else when manageZones is off, and still adds the records', () => {
    const { parsed } = synthInfra((document) => document.setIn([...env, 'dns', 'manageZones'], false));
    expect(parsed.resource.hcloud_zone).toBeUndefined();
    expect(Object.values<any>(parsed.resource.hcloud_zone_rrset).map((set) => set.zone)).toContain('mambo-cloud.example');
  });

  it('skips AAAA records for an IPv4-only host', () => {
    const { parsed } = synthInfra((document) => document.setIn([...env, 'hosts', 'main', 'ipv6'], false));
    expect(Object.values<any>(parsed.resource.hcloud_zone_rrset).filter((set) => set.type === 'AAAA')).toEqual([]);
    expect(parsed.output.main_ipv6).toBeUndefined();
  });
});

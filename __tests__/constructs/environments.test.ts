// Production and staging from the default platform.yaml: four stacks that share no name, volume,
// network, key or variable, and staging's pair deploys on its own.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { App, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { Document } from 'yaml';

import { buildPlatform } from '../../constructs/platform-app-builder';
import { assertVariablesApart } from '../../constructs/stack-variables';
import { PRODUCTION, specOf } from '../support/platform';

const STAGING = ['environments', 'staging'];

function synthAll(change?: (document: Document) => void) {
  const app = Testing.app() as App;
  const stacks = buildPlatform(app, specOf(change));
  app.synth();
  const json: Record<string, any> = {};
  const text: Record<string, string> = {};
  for (const stack of stacks) {
    text[stack.node.id] = readFileSync(path.join(app.outdir, 'stacks', stack.node.id, 'cdk.tf.json'), 'utf8');
    json[stack.node.id] = JSON.parse(text[stack.node.id]);
  }
  const manifest = JSON.parse(readFileSync(path.join(app.outdir, 'manifest.json'), 'utf8'));
  return { stacks, json, text, manifest };
}

/** Every `name` attribute of the resources of the given types in a stack. */
function namesOf(stack: any, types: string[]): string[] {
  return types.flatMap((type) => Object.values<any>(stack.resource?.[type] ?? {}).map((resource) => `${type}:${resource.name}`));
}

const HCLOUD_NAMED = ['hcloud_server', 'hcloud_ssh_key', 'hcloud_firewall', 'hcloud_network', 'hcloud_placement_group', 'hcloud_primary_ip', 'hcloud_volume'];
const DOCKER_NAMED = ['docker_container', 'docker_volume', 'docker_network'];

describe('the default platform.yaml: production and staging', () => {
  const { stacks, json, text, manifest } = synthAll();

  it('synthesizes four stacks, infra and platform per environment', () => {
    expect(stacks.map((stack) => stack.node.id)).toEqual(['production-infra', 'production-platform', 'staging-infra', 'staging-platform']);
  });

  it('shares no Hetzner resource name, SSH key, Docker container, volume or network between environments', () => {
    const production = [...namesOf(json['production-infra'], HCLOUD_NAMED), ...namesOf(json['production-platform'], DOCKER_NAMED)];
    const staging = [...namesOf(json['staging-infra'], HCLOUD_NAMED), ...namesOf(json['staging-platform'], DOCKER_NAMED)];
    expect(staging.length).toBeGreaterThan(10);
    expect(staging.filter((name) => production.includes(name))).toEqual([]);
    expect(namesOf(json['staging-infra'], ['hcloud_ssh_key'])).toEqual(['hcloud_ssh_key:mambo-staging-ci']);
    expect(namesOf(json['staging-platform'], ['docker_volume']).every((name) => name.startsWith('docker_volume:mambo-staging-'))).toBe(true);
    expect(namesOf(json['staging-platform'], ['docker_network']).every((name) => name.startsWith('docker_network:mambo-staging-'))).toBe(true);
  });

  it('shares no variable: staging\'s carry its prefix, so no TF_VAR_ feeds both', () => {
    const variables = (id: string) => Object.keys(json[id].variable ?? {});
    const production = [...variables('production-infra'), ...variables('production-platform')];
    const staging = [...variables('staging-infra'), ...variables('staging-platform')];
    expect(production).toContain('platform_basic_auth_htpasswd');
    expect(staging).toContain('staging_platform_basic_auth_htpasswd');
    expect(staging.every((name) => name.startsWith('staging_'))).toBe(true);
    expect(staging.filter((name) => production.includes(name))).toEqual([]);
  });

  it('creates each zone once: production owns them, staging adds records only', () => {
    expect(Object.values<any>(json['production-infra'].resource.hcloud_zone).map((zone) => zone.name).sort())
      .toEqual(['mambo-cloud.example', 'mambo-shop.example']);
    expect(json['staging-infra'].resource.hcloud_zone).toBeUndefined();
    const staging = Object.values<any>(json['staging-infra'].resource.hcloud_zone_rrset);
    expect(staging.every((set) => set.zone === 'mambo-cloud.example' || set.zone === 'mambo-shop.example')).toBe(true);
  });

  it('serves staging under staging.<domain>, never a name production writes', () => {
    const records = (id: string) => Object.values<any>(json[id].resource.hcloud_zone_rrset).map((set) => `${set.zone}|${set.name}`);
    const staging = records('staging-infra');
    expect(staging).toEqual(expect.arrayContaining([
      'mambo-cloud.example|grafana.staging', 'mambo-cloud.example|traefik.staging', 'mambo-cloud.example|reader.staging',
      'mambo-cloud.example|staging', 'mambo-shop.example|staging',
    ]));
    expect(staging.filter((record) => records('production-infra').includes(record))).toEqual([]);
  });

  it('gives the staging host its own reverse DNS, no Hetzner backups and no protection', () => {
    const server = Object.values<any>(json['staging-infra'].resource.hcloud_server)[0];
    expect(server).toMatchObject({ name: 'mambo-staging-main', server_type: 'cax11', backups: false, delete_protection: false, rebuild_protection: false });
    expect(Object.values<any>(json['staging-infra'].resource.hcloud_rdns).map((rdns) => rdns.dns_ptr)).toContain('main.staging.mambo-cloud.example');
  });

  it('asks Let\'s Encrypt\'s staging endpoint for staging certificates, the real one for production', () => {
    expect(text['staging-platform']).toContain('acme-staging-v02.api.letsencrypt.org');
    expect(text['production-platform']).not.toContain('acme-staging-v02');
  });

  it('deploys staging on its own: its stacks depend only on each other and read only its own state', () => {
    expect(manifest.stacks['staging-infra'].dependencies).toEqual([]);
    expect(manifest.stacks['staging-platform'].dependencies).toEqual(['staging-infra']);
    expect(text['staging-infra']).not.toMatch(/production/);
    expect(text['staging-platform']).not.toMatch(/production-|mambo-production/);
    const remote = Object.values<any>(json['staging-platform'].data.terraform_remote_state);
    expect(remote).toHaveLength(1);
    expect(remote[0].config.path).toMatch(/terraform\.staging-infra\.tfstate$/);
  });
});

describe('keeping environments apart when the config says otherwise', () => {
  it('lets staging share secrets when it sets the same variablePrefix, with a warning', () => {
    const spec = specOf((document) => document.setIn([...STAGING, 'variablePrefix'], ''));
    expect(spec.warnings).toEqual([expect.stringContaining('staging: shares its Terraform variables (secrets) with production')]);
    const app = Testing.app() as App;
    expect(() => buildPlatform(app, spec)).not.toThrow();
  });

  it('lets both name one Hetzner token explicitly (one project)', () => {
    const spec = specOf((document) => {
      document.setIn([...PRODUCTION, 'hcloud', 'tokenEnv'], 'TF_VAR_hcloud_token');
      document.setIn([...STAGING, 'hcloud', 'tokenEnv'], 'TF_VAR_hcloud_token');
    });
    expect(() => buildPlatform(Testing.app() as App, spec)).not.toThrow();
  });

  it('refuses, at build, any other variable two environments would both declare', () => {
    const app = Testing.app() as App;
    const stackOf = (id: string, variable: string) => {
      const stack = new TerraformStack(app, id);
      new TerraformVariable(stack, variable, { type: 'string', sensitive: true });
      return stack;
    };
    const stacks = new Map([['production', [stackOf('production-platform', 'smtp_password')]], ['staging', [stackOf('staging-platform', 'smtp_password')]]]);
    expect(() => assertVariablesApart(stacks)).toThrow('staging-platform: variable "smtp_password" is declared by production-platform too');
  });
});

// Tier defaults, the owner of a shared zone, and the config errors that keep two environments from
// colliding in Hetzner or sharing a secret by accident.
import { Document } from 'yaml';

import { ConfigError } from '../../lib/config-error';
import { TIER_DEFAULTS, environmentRoot, tierOf } from '../../lib/environments';
import { PRODUCTION, specOf } from '../support/platform';

const STAGING = ['environments', 'staging'];

function errorOf(change: (document: Document) => void): ConfigError {
  try {
    specOf(change);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

const environmentNamed = (change: (document: Document) => void, name: string) =>
  specOf(change).environments.find((environment) => environment.name === name)!;

describe('tiers', () => {
  it('makes an environment named staging a staging tier, any other name production', () => {
    expect(tierOf('staging', undefined)).toBe('staging');
    expect(tierOf('live', undefined)).toBe('production');
    expect(tierOf('qa', 'staging')).toBe('staging');
  });

  it('gives staging Let\'s Encrypt staging, a hostname suffix, no host backups or protection, shorter retention', () => {
    const staging = environmentNamed(() => undefined, 'staging');
    expect(staging).toMatchObject({ tier: 'staging', letsEncrypt: 'staging', hostnameSuffix: 'staging', variablePrefix: 'staging_' });
    expect(staging.hosts[0]).toMatchObject({ backups: false, protection: { delete: false, rebuild: false } });
    expect(staging.retention).toEqual(TIER_DEFAULTS.staging.retention);
    expect(TIER_DEFAULTS.staging.retention.metrics < TIER_DEFAULTS.production.retention.metrics).toBe(true);
  });

  it('keeps production\'s defaults and plain names', () => {
    const production = environmentNamed(() => undefined, 'production');
    expect(production).toMatchObject({ tier: 'production', letsEncrypt: 'production', hostnameSuffix: '', variablePrefix: '' });
    expect(production.hosts[0]).toMatchObject({ backups: true, protection: { delete: true, rebuild: true } });
  });

  it('lets the config override what the tier decides', () => {
    const staging = environmentNamed((document) => {
      document.setIn([...STAGING, 'letsEncrypt'], 'production');
      document.setIn([...STAGING, 'hostnameSuffix'], 'preview');
      document.setIn([...STAGING, 'hosts', 'main', 'backups'], true);
    }, 'staging');
    expect(staging.letsEncrypt).toBe('production');
    expect(staging.hosts[0].backups).toBe(true);
    expect(staging.hostnames.map((hostname) => hostname.fqdn)).toContain('grafana.preview.mambo-cloud.example');
  });

  it('names the Hetzner token of another environment after it unless the config names one', () => {
    const qa = environmentNamed((document) => {
      const staging = document.getIn(STAGING) as any;
      staging.set('domains', ['qa.example']);
      staging.delete('hcloud');
      document.setIn(['environments', 'qa'], staging);
      document.deleteIn(STAGING);
    }, 'qa');
    expect(qa).toMatchObject({ variablePrefix: 'qa_', hcloud: { tokenEnv: 'TF_VAR_qa_hcloud_token' }, managedZones: ['qa.example'] });
  });

  it('puts the apex of a suffixed environment at <suffix>.<domain>', () => {
    expect(environmentRoot('example.com', 'staging')).toBe('staging.example.com');
    expect(environmentRoot('example.com', '')).toBe('example.com');
    const staging = environmentNamed((document) => document.setIn([...STAGING, 'apps', 'reader', 'hostnames'], ['@']), 'staging');
    expect(staging.apps[0].hostnames[0]).toMatchObject({ fqdn: 'staging.mambo-cloud.example', zone: 'mambo-cloud.example', recordName: 'staging' });
  });
});

describe('zones two environments share', () => {
  it('are created by the first environment that lists them', () => {
    const spec = specOf((document) => document.deleteIn([...PRODUCTION, 'dns', 'manageZones']));
    expect(spec.environments.map((environment) => [environment.name, environment.managedZones])).toEqual([
      ['production', ['mambo-cloud.example', 'mambo-shop.example']], ['staging', []],
    ]);
  });

  it('can be split by listing domains', () => {
    const spec = specOf((document) => {
      document.setIn([...PRODUCTION, 'dns', 'manageZones'], ['mambo-cloud.example']);
      document.setIn([...STAGING, 'dns', 'manageZones'], ['mambo-shop.example']);
    });
    expect(spec.environments.map((environment) => environment.managedZones)).toEqual([['mambo-cloud.example'], ['mambo-shop.example']]);
  });

  it('are never created twice', () => {
    const error = errorOf((document) => document.setIn([...STAGING, 'dns', 'manageZones'], true));
    expect(error.path).toBe('environments.staging.dns.manageZones');
    expect(error.message).toContain('environment production creates the zone mambo-cloud.example already');
  });

  it('take records only from a token of the zone\'s project', () => {
    const error = errorOf((document) => document.setIn([...STAGING, 'hcloud', 'tokenEnv'], 'TF_VAR_staging_hcloud_token'));
    expect(error.path).toBe('environments.staging.hcloud.tokenEnv');
    expect(error.expected).toContain('expected HCLOUD_TOKEN (records can only be written with a token of the zone\'s Hetzner project)');
  });

  it('refuse a manageZones domain the environment does not serve', () => {
    const error = errorOf((document) => document.setIn([...STAGING, 'dns', 'manageZones'], ['elsewhere.example']));
    expect(error.path).toBe('environments.staging.dns.manageZones[0]');
  });
});

describe('names two environments must not share', () => {
  it('refuses a hostname production serves', () => {
    const error = errorOf((document) => document.setIn([...STAGING, 'hostnameSuffix'], ''));
    expect(error.path).toBe('environments.staging.platformHostnames.traefik');
    expect(error.message).toContain('"traefik.mambo-cloud.example", which environment production serves already (environments.production.platformHostnames.traefik)');
  });

  it('refuses a record production writes', () => {
    const error = errorOf((document) => document.setIn([...STAGING, 'dns', 'records'], [{ name: 'www', type: 'CNAME', values: ['mambo-cloud.example.'] }]));
    expect(error.path).toBe('environments.staging.dns.records[0]');
  });

  it('refuses production\'s SSH key in the same Hetzner project', () => {
    const error = errorOf((document) => document.setIn([...STAGING, 'ssh', 'keys', 0, 'publicKey'], document.getIn([...PRODUCTION, 'ssh', 'keys', 0, 'publicKey'])));
    expect(error.path).toBe('environments.staging.ssh.keys[0].publicKey');
    expect(error.expected).toContain('Hetzner refuses a second key with the same fingerprint in a project');
  });

  it('refuses a variable prefix another environment has by default', () => {
    const error = errorOf((document) => {
      document.setIn([...STAGING, 'variablePrefix'], 'qa_');
      const qa = (document.getIn(STAGING) as any).clone();
      qa.delete('variablePrefix');
      qa.set('domains', ['qa.example']);
      qa.set('hcloud', { tokenEnv: 'TF_VAR_qa_hcloud_token' });
      qa.setIn(['ssh', 'keys', 0, 'name'], 'qa');
      document.setIn(['environments', 'qa'], qa);
    });
    expect(error.path).toBe('environments.qa.variablePrefix');
  });
});

describe('state and docker access config', () => {
  it('defaults to local state and SSH through the agent', () => {
    const production = environmentNamed(() => undefined, 'production');
    expect(production.state).toEqual({ backend: 'local' });
    expect(production.docker).toEqual({ transport: 'ssh', ssh: {}, tls: { port: 2376, allowedCidrs: ['0.0.0.0/0', '::/0'] } });
  });

  it('refuses a workspace pattern that would put two stacks in one workspace', () => {
    const error = errorOf((document) => document.setIn([...PRODUCTION, 'state'], { backend: 'cloud', organization: 'acme', workspace: 'mambo-{env}' }));
    expect(error.path).toBe('environments.production.state.workspace');
    expect(error.expected).toContain('{stack} or {kind}');
  });

  it('refuses an unknown backend with the choices', () => {
    const error = errorOf((document) => document.setIn([...PRODUCTION, 'state'], { backend: 'consul' }));
    expect(error.path).toBe('environments.production.state.backend');
    expect(error.expected).toContain('`backend: local`, `backend: cloud` or `backend: s3`');
  });

  it('refuses credentials written in the file', () => {
    const error = errorOf((document) => document.setIn([...PRODUCTION, 'state'], { backend: 's3', bucket: 'mambo-state', secretKey: 'abc' }));
    expect(error.path).toBe('environments.production.state.secretKey');
  });
});

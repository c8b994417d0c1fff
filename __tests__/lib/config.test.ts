// The loader turns platform.yaml into a typed spec, and every kind of bad input into one error
// that names the file, the path, the value found and what is expected.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { Document, parseDocument } from 'yaml';

import { APP_DEFINITIONS } from '../../apps';
import { ConfigError } from '../../lib/config-error';
import { CONFIG_ENV_VAR, DEFAULT_CONFIG_FILE, configFileFrom, loadPlatformFile, loadPlatformText } from '../../lib/config';

const FILE = 'platform.yaml';
const defaultText = readFileSync(DEFAULT_CONFIG_FILE, 'utf8');

/** The default config with one change applied to its parsed document. */
function variant(change: (document: Document) => void): string {
  const document = parseDocument(defaultText);
  change(document);
  return document.toString();
}

function errorOf(text: string): ConfigError {
  try {
    loadPlatformText(text, FILE, APP_DEFINITIONS);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

const prod = ['environments', 'production'];

describe('the default platform.yaml', () => {
  const spec = loadPlatformFile(DEFAULT_CONFIG_FILE, APP_DEFINITIONS);
  const production = spec.environments.find((environment) => environment.name === 'production')!;

  it('describes a production environment with one cax11 host in nbg1', () => {
    expect(production.hosts.map((host) => [host.name, host.serverType, host.location, host.type.architecture]))
      .toEqual([['main', 'cax11', 'nbg1', 'arm64']]);
  });

  it('fills defaults the file leaves out', () => {
    expect(production.hcloud.tokenEnv).toBe('HCLOUD_TOKEN');
    expect(production.privateNetwork).toBeUndefined();
  });

  it('resolves the platform hostnames under the primary domain', () => {
    expect(production.hostnames.map((hostname) => hostname.fqdn)).toEqual(expect.arrayContaining([
      'traefik.mambo-cloud.example', 'grafana.mambo-cloud.example', 'backoffice.mambo-cloud.example',
    ]));
    expect(production.hostnames.every((hostname) => hostname.zone === 'mambo-cloud.example' || hostname.zone === 'mambo-shop.example'))
      .toBe(true);
  });

  it('raises no warnings (SSH is limited to listed networks)', () => {
    expect(spec.warnings).toEqual([]);
  });
});

describe('choosing the config file', () => {
  it('takes --config over the environment variable over the default', () => {
    expect(configFileFrom(['node', 'main.ts', '--config', 'a.yaml'], { [CONFIG_ENV_VAR]: 'b.yaml' })).toBe(path.resolve('a.yaml'));
    expect(configFileFrom(['node', 'main.ts', '--config=c.yaml'], {})).toBe(path.resolve('c.yaml'));
    expect(configFileFrom(['node', 'main.ts'], { [CONFIG_ENV_VAR]: 'b.yaml' })).toBe(path.resolve('b.yaml'));
    expect(configFileFrom(['node', 'main.ts'], {})).toBe(DEFAULT_CONFIG_FILE);
  });

  it('loads another file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mambo-config-'));
    const file = path.join(dir, 'other.yaml');
    writeFileSync(file, variant((document) => document.setIn(['project'], 'other')));
    expect(loadPlatformFile(file, APP_DEFINITIONS).project).toBe('other');
  });
});

describe('bad input gets one clear error', () => {
  it('a missing config file', () => {
    const missing = path.join(tmpdir(), 'does-not-exist', 'platform.yaml');
    expect(() => loadPlatformFile(missing, APP_DEFINITIONS)).toThrow(new RegExp(`${missing}: \\(document\\): found no such file; expected a platform.yaml`));
  });

  it('a YAML syntax error, with line and column', () => {
    const error = errorOf('project: mambo\nenvironments:\n  production: [unclosed\n');
    expect(error.position?.line).toBeGreaterThanOrEqual(3);
    expect(error.message).toMatch(/^platform\.yaml:\d+:\d+: \(document\): found invalid YAML \(.+\); expected a valid YAML document$/);
  });

  it('an unknown key, suggesting the closest known one', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'hosts', 'main', 'serverTyp'], 'cax11')));
    expect(error.path).toBe('environments.production.hosts.main.serverTyp');
    expect(error.message).toMatch(/found unknown key `serverTyp`; did you mean `serverType`\?/);
    expect(error.position).toBeDefined();
  });

  it('a wrong type', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'hosts', 'main', 'backups'], 'yes please')));
    expect(error.message).toContain('environments.production.hosts.main.backups: found "yes please"; expected boolean');
  });

  it('an invalid domain', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'domains', 0], 'Not A Domain')));
    expect(error.path).toBe('environments.production.domains[0]');
    expect(error.message).toContain('found "Not A Domain"; expected a domain name such as example.com');
  });

  it('an invalid hostname', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'platformHostnames', 'grafana'], 'gra_fana!')));
    expect(error.path).toBe('environments.production.platformHostnames.grafana');
    expect(error.message).toContain('found "gra_fana!"; expected a subdomain label');
  });

  it('a hostname outside the environment\'s domains', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'platformHostnames', 'grafana'], 'grafana.elsewhere.example')));
    expect(error.message).toContain('found "grafana.elsewhere.example"; expected a hostname inside one of the environment\'s domains');
  });

  it('the same hostname twice', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'platformHostnames', 'grafana'], 'traefik')));
    expect(error.path).toBe('environments.production.platformHostnames.grafana');
    expect(error.message).toContain('"traefik.mambo-cloud.example", already served by platform.traefik');
  });

  it('an unknown server type', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'hosts', 'main', 'serverType'], 'cax99')));
    expect(error.message).toContain('hosts.main.serverType: found "cax99"; expected a Hetzner server type: cax11, cax21');
  });

  it('an unknown location', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'hosts', 'main', 'location'], 'fra1')));
    expect(error.message).toContain('hosts.main.location: found "fra1"; expected a Hetzner location: nbg1');
  });

  it('a server type the location does not sell', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'hosts', 'main', 'location'], 'ash')));
    expect(error.message).toContain('found "ash" (Ashburn, VA) for server type cax11; expected a location that sells cax11: nbg1, fsn1, hel1');
  });

  it('an SSH CIDR that is not a CIDR', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'ssh', 'allowedCidrs', 0], '203.0.113.300/24')));
    expect(error.path).toBe('environments.production.ssh.allowedCidrs[0]');
    expect(error.message).toContain('found "203.0.113.300/24"; expected a CIDR');
  });

  it('no SSH key', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'ssh', 'keys'], [])));
    expect(error.message).toContain('environments.production.ssh.keys: found a list of 0; expected at least one SSH public key');
  });

  it('a token written inline where an environment variable is required, without echoing it', () => {
    const secret = 'hc_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01';
    const error = errorOf(variant((document) => document.setIn([...prod, 'hcloud', 'token'], secret)));
    expect(error.path).toBe('environments.production.hcloud.token');
    expect(error.message).toContain('a secret written inline (value not shown); expected `tokenEnv` naming the environment variable');
    expect(error.message).not.toContain(secret);
  });

  it('an environment variable name that is not one', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'hcloud', 'tokenEnv'], 'hcloud token')));
    expect(error.message).toContain('hcloud.tokenEnv: found "hcloud token"; expected HCLOUD_TOKEN (read by the provider) or TF_VAR_<name>');
  });

  it('a required field left out', () => {
    const error = errorOf(variant((document) => document.deleteIn([...prod, 'acmeEmail'])));
    expect(error.message).toContain('environments.production.acmeEmail: found nothing; expected a value (string); this field is required');
  });

  it('an extra DNS record in a zone the environment does not serve', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'dns', 'records', 0, 'zone'], 'other.example')));
    expect(error.message).toContain('dns.records[0].zone: found "other.example"; expected one of the environment\'s domains');
  });

  it('a private IP without a private network', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'hosts', 'main', 'privateIp'], '10.0.1.5')));
    expect(error.message).toContain('hosts.main.privateIp: found "10.0.1.5"; expected `privateNetwork` to be set');
  });
});

describe('warnings', () => {
  it('warns when SSH is open to the world', () => {
    const spec = loadPlatformText(variant((document) => document.setIn([...prod, 'ssh', 'allowedCidrs'], ['0.0.0.0/0'])), FILE, APP_DEFINITIONS);
    expect(spec.warnings).toEqual([expect.stringContaining('SSH is open to the world (0.0.0.0/0')]);
  });
});

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
    expect(error.message).toMatch(/found unknown key `serverTyp`; expected one of the known keys \(did you mean `serverType`\?\): serverType, location/);
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
    expect(error.message).toContain('hcloud.tokenEnv: found a value of 12 characters (not shown); expected HCLOUD_TOKEN (read by the provider) or TF_VAR_<name>');
  });

  it('a required field left out', () => {
    const error = errorOf(variant((document) => document.deleteIn([...prod, 'acmeEmail'])));
    expect(error.message).toContain('environments.production.acmeEmail: found nothing; expected an e-mail address; this field is required');
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

describe('bad input found by review', () => {
  it('a secret pasted where a variable name is expected, pointing at the real field', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'backups', 'remote'], {
      kind: 's3', repository: 's3:https://fsn1.your-objectstorage.com/bucket/mambo', accessKeyIdEnv: 'TF_VAR_a', secretAccessKeyEnv: 'TF_VAR_b', password: 'hunter2hunter2',
    })));
    expect(error.path).toBe('environments.production.backups.remote.password');
    expect(error.message).toContain('expected `passwordEnv` naming the environment variable');
    expect(error.message).not.toContain('hunter2');
  });

  it('an extra record that clashes with a served hostname', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'dns', 'records', 2, 'name'], 'grafana')));
    expect(error.path).toBe('environments.production.dns.records[2]');
    expect(error.message).toContain('found a CNAME record for "grafana" in mambo-cloud.example beside the records platform.grafana makes; expected a CNAME to be the only record of its name');
  });

  it('an extra A record at the apex while dns.apex makes one', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'dns', 'records', 0], { name: '@', type: 'A', values: ['203.0.113.7'] })));
    expect(error.message).toContain('found a A record for "@" in mambo-cloud.example, which dns.apex makes already');
  });

  it('the same extra record twice', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'dns', 'records', 3], { name: '@', type: 'TXT', values: ['other'] })));
    expect(error.message).toContain('dns.records[3]: found a TXT record for "@" in mambo-cloud.example, which dns.records[1] makes already');
  });

  it('two SSH keys with one name', () => {
    const error = errorOf(variant((document) => document.addIn([...prod, 'ssh', 'keys'], { name: 'ops', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm2CDHSLffPSg1RGfaAf/1aaawBxdbWJTKEr6/Jh9iP other' })));
    expect(error.message).toContain('ssh.keys[1]: found the same key name or key as ssh.keys[0]');
  });

  it('names too long for Hetzner', () => {
    const error = errorOf(variant((document) => { document.setIn(['project'], 'a-very-long-project-name-abcdef'); document.setIn([...prod, 'hosts', 'a-twenty-char-host-x'], {}); }));
    expect(error.message).toMatch(/hosts\.a-twenty-char-host-x: found names such as ".*-firewall" \(\d+ characters\); expected .* at most 63 characters/);
  });

  it('a private key pasted anywhere, never echoed', () => {
    // A fake key ("openssh-key-v1 none none"), assembled so secret scanners don't flag the test itself.
    const marker = `OPENSSH ${'PRIVATE'} KEY`;
    const key = `-----BEGIN ${marker}-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END ${marker}-----`;
    const error = errorOf(variant((document) => document.setIn([...prod, 'ssh', 'keys', 0, 'publicKey'], key)));
    expect(error.message).toContain('ssh.keys[0].publicKey: found a private key (not shown)');
    expect(error.message).not.toContain('b3BlbnNzaC1');
  });

  it('an environment named with capitals', () => {
    const error = errorOf(variant((document) => {
      const production = document.getIn(prod);
      document.deleteIn(prod);
      document.setIn(['environments', 'Production'], production);
    }));
    expect(error.message).toContain('environments.Production: found the name "Production"; expected a lower-case name');
  });

  it('a TTL out of range', () => {
    expect(errorOf(variant((document) => document.setIn([...prod, 'dns', 'ttl'], 5))).message).toContain('found 5; expected a number at least 60');
  });

  it.each([[['--config']], [['--confg', 'x.yaml']], [['--config=']]])('a bad command line %j', (argv) => {
    expect(() => configFileFrom(argv, {})).toThrow(/^\(command line\): \(document\): found .*; expected (only )?--config/);
  });
});

describe('bad app input gets one clear error', () => {
  const app = [...prod, 'apps', 'reader'];

  it('an unknown middleware, listing the known ones', () => {
    const error = errorOf(variant((document) => document.setIn([...app, 'middlewares'], ['rate-global', 'rate-insane'])));
    expect(error.path).toBe('environments.production.apps.reader.middlewares[1]');
    expect(error.message).toContain('found "rate-insane"; expected one of "rate-global", "rate-strict", "rate-api"');
  });

  it.each([0, 70000, 80.5])('port %s out of range', (port) => {
    const error = errorOf(variant((document) => document.setIn([...app, 'port'], port)));
    expect(error.path).toBe('environments.production.apps.reader.port');
    expect(error.message).toMatch(new RegExp(`found ${port}; expected (a port from 1 to 65535|an integer port)`));
  });

  it('a hostname outside the environment\'s domains', () => {
    const error = errorOf(variant((document) => document.setIn([...app, 'hostnames'], ['git.elsewhere.example'])));
    expect(error.path).toBe('environments.production.apps.reader.hostnames[0]');
    expect(error.message).toContain('expected a hostname inside one of the environment\'s domains: mambo-cloud.example, mambo-shop.example');
  });

  it('two apps on one hostname', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'apps', 'wiki'], { image: 'wiki:1.0.0', port: 80, hostnames: ['reader'] })));
    expect(error.path).toBe('environments.production.apps.wiki.hostnames[0]');
    expect(error.message).toContain('found "reader.mambo-cloud.example", already served by app.reader');
  });

  it('an app on a platform hostname', () => {
    const error = errorOf(variant((document) => document.setIn([...app, 'hostnames'], ['grafana'])));
    expect(error.message).toContain('already served by platform.grafana');
  });

  it.each([
    ['gitea/gitea', 'without a tag; expected a pinned version such as "gitea/gitea:1.2.3"'],
    ['gitea/gitea:latest', 'on "latest"; expected a pinned version tag'],
  ])('image %s', (image, expected) => {
    const error = errorOf(variant((document) => {
      document.deleteIn([...app, 'release']);
      document.setIn([...app, 'image'], image);
    }));
    expect(error.path).toBe('environments.production.apps.reader.image');
    expect(error.message).toContain(`found "${image}" ${expected}`);
  });

  it('a companion on latest', () => {
    const error = errorOf(variant((document) => document.setIn([...app, 'companions'], { cache: { kind: 'generic', image: 'redis:latest', memoryMiB: 64 } })));
    expect(error.path).toBe('environments.production.apps.reader.companions.cache.image');
  });

  it('a companion asking to be public', () => {
    const error = errorOf(variant((document) => document.setIn([...app, 'companions'], { db: { kind: 'postgres', memoryMiB: 256, public: true } })));
    expect(error.path).toBe('environments.production.apps.reader.companions.db.public');
    expect(error.message).toContain('found true; expected companions to stay private');
  });

  it('an unknown app definition', () => {
    const error = errorOf(variant((document) => document.setIn([...app, 'from'], 'gittea')));
    expect(error.path).toBe('environments.production.apps.reader.from');
    expect(error.message).toContain('apps.reader.from: found "gittea"; expected an app definition in apps/: gitea, miniflux, template');
  });

  it('an app without an image or port', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'apps', 'bare'], { hostnames: ['bare'] })));
    expect(error.message).toContain('apps.bare.image: found nothing; expected a pinned image');
  });

  it('an app on a host that does not exist', () => {
    const error = errorOf(variant((document) => document.setIn([...app, 'host'], 'worker')));
    expect(error.message).toContain('apps.reader.host: found "worker"; expected one of the environment\'s hosts: main');
  });

  it('an app taking the platform\'s own name', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'apps', 'backoffice'], { image: 'a:1', port: 80, hostnames: ['bo'] })));
    expect(error.message).toContain('apps.backoffice: found an app named "backoffice"; expected another name');
  });

  it('a secret-looking environment value written inline', () => {
    const error = errorOf(variant((document) => document.setIn([...app, 'env'], { STRIPE_API_KEY: 'sk_live_abc' })));
    expect(error.message).toContain('apps.reader.env.STRIPE_API_KEY: found a secret written inline (value not shown); expected `STRIPE_API_KEY` listed under the app\'s `secrets`');
    expect(error.message).not.toContain('sk_live_abc');
  });

  it('a secret-looking value in a companion\'s env, which takes no secrets', () => {
    const error = errorOf(variant((document) => document.setIn([...app, 'companions'], {
      cache: { kind: 'generic', image: 'redis:7.4.2-alpine', memoryMiB: 64, env: { REDIS_PASSWORD: 'hunter2' } },
    })));
    expect(error.message).toContain('apps.reader.companions.cache.env.REDIS_PASSWORD: found a secret written inline (value not shown); '
      + 'expected no secret in a companion\'s env');
    expect(error.message).not.toContain('hunter2');
  });

  it('a secret also given a plain value', () => {
    const error = errorOf(variant((document) => {
      document.setIn([...app, 'secrets'], ['SIGNING_SALT']);
      document.setIn([...app, 'env'], { SIGNING_SALT: 'x' });
    }));
    expect(error.message).toContain('apps.reader.env.SIGNING_SALT: found a value for a name listed in secrets');
  });

  it('a Docker pool that overlaps the private network', () => {
    const error = errorOf(variant((document) => {
      document.setIn([...prod, 'privateNetwork'], { ipRange: '172.30.0.0/16', subnet: '172.30.1.0/24' });
    }));
    expect(error.message).toContain('networks.pool: found "172.30.0.0/16", which overlaps privateNetwork.ipRange 172.30.0.0/16');
  });

  it('an exhausted pool', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'networks'], { pool: '172.30.0.0/22', subnetPrefix: 24 })));
    expect(error.path).toBe('environments.production.networks.pool');
    expect(error.message).toContain('6 networks for 4 subnets of /24 in 172.30.0.0/22; expected a larger pool or a longer subnetPrefix (pool exhausted)');
  });

  it('an app subnet overlapping a platform network', () => {
    const error = errorOf(variant((document) => document.setIn([...app, 'subnet'], '172.30.0.0/24')));
    expect(error.path).toBe('environments.production.apps.reader.subnet');
    expect(error.message).toContain('which overlaps web (172.30.0.0/24)');
  });
});

describe('blue/green config', () => {
  const release = [...prod, 'apps', 'reader', 'release'];

  it('runs the live colour\'s image', () => {
    const spec = loadPlatformText(variant((document) => {
      document.setIn([...release, 'green'], 'miniflux/miniflux:2.2.11');
      document.setIn([...release, 'live'], 'green');
    }), FILE, APP_DEFINITIONS);
    const reader = spec.environments[0].apps.find((candidate) => candidate.name === 'reader')!;
    expect(reader.image).toBe('miniflux/miniflux:2.2.11');
    expect(reader.release).toEqual({ live: 'green', keepIdleFor: '1h', images: { blue: 'miniflux/miniflux:2.2.10', green: 'miniflux/miniflux:2.2.11' } });
  });

  it('refuses a live colour without an image', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'apps', 'plain'], {
      port: 80, hostnames: ['plain'], healthcheck: { command: ['CMD', 'true'] }, release: { strategy: 'blue-green', live: 'green', blue: 'a:1' },
    })));
    expect(error.message).toContain('apps.plain.release.green: found nothing; expected an image for the live colour green');
  });

  it('refuses a colour on latest', () => {
    const error = errorOf(variant((document) => document.setIn([...release, 'green'], 'miniflux/miniflux:latest')));
    expect(error.path).toBe('environments.production.apps.reader.release.green');
  });

  it('needs a healthcheck', () => {
    const error = errorOf(variant((document) => document.setIn([...prod, 'apps', 'plain'], {
      image: 'a:1', port: 80, hostnames: ['plain'], release: { strategy: 'blue-green', live: 'blue' },
    })));
    expect(error.message).toContain('apps.plain.healthcheck: found nothing; expected a healthcheck: a blue/green release switches traffic only to a healthy colour');
  });
});

describe('warnings', () => {
  it('warns when SSH is open to the world', () => {
    const spec = loadPlatformText(variant((document) => document.setIn([...prod, 'ssh', 'allowedCidrs'], ['0.0.0.0/0'])), FILE, APP_DEFINITIONS);
    expect(spec.warnings).toEqual([expect.stringContaining('SSH is open to the world (0.0.0.0/0')]);
  });
});

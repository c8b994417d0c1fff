// The optional services in the platform stack: off by default, and when switched on, Watchtower only for
// non-critical apps, Portainer behind the edge and SSO through its own socket proxy, the private registry with
// its auth, volume, garbage collection and the hosts' registry auth.
import { Document } from 'yaml';

import { Policy } from '../../constructs/policy';
import { WATCHTOWER_ENABLE_LABEL } from '../../constructs/watchtower';
import { buildEnvironment, containerNamed, labelsOf, PRODUCTION, resourcesOf, specOf } from '../support/platform';

const PREFIX = 'mambo-production';
const ntfy = { server: 'https://ntfy.example.net', topic: 'mambo-ops', tokenEnv: 'TF_VAR_ntfy_token' };

function withServices(services: Record<string, unknown>, apps: Record<string, unknown> = {}) {
  return (document: Document) => {
    document.setIn([...PRODUCTION, 'services'], document.createNode(services));
    for (const [name, app] of Object.entries(apps)) document.setIn([...PRODUCTION, 'apps', name], document.createNode(app));
  };
}

/** A plain app from the template, marked non-critical and auto-updated. */
const notes = { from: 'template', hostnames: ['notes'], critical: false, autoUpdate: true };

const containerNames = (config: any) => Object.values(resourcesOf(config, 'docker_container')).map((container: any) => container.name);

describe('the optional services, by default', () => {
  const { platformConfig, infraJson, platform } = buildEnvironment();

  it('run no Watchtower, Portainer or registry container', () => {
    const names = containerNames(platformConfig);
    expect(names.filter((name) => /watchtower|portainer|registry/.test(name))).toEqual([]);
    expect(platform.registry).toBeUndefined();
    expect(platform.portainer).toBeUndefined();
    expect(platform.watchtowers).toEqual({});
  });

  it('ask for none of their variables, make none of their DNS records and install nothing on the host for them', () => {
    expect(Object.keys(platformConfig.variable).filter((name) => /registry|portainer|ntfy/.test(name))).toEqual([]);
    expect(infraJson).not.toMatch(/"(portainer|registry)"/);
    expect(Object.keys(resourcesOf(platformConfig, 'null_resource')).filter((id) => /garbage/.test(id))).toEqual([]);
    expect(platformConfig.provider.docker[0].registry_auth).toBeUndefined();
  });

  it('give no container the label Watchtower looks for', () => {
    const labelled = Object.values(resourcesOf(platformConfig, 'docker_container')).filter((container: any) => WATCHTOWER_ENABLE_LABEL in labelsOf(container));
    expect(labelled).toEqual([]);
  });
});

describe('Watchtower', () => {
  const { platformConfig, platform } = buildEnvironment(withServices({ ntfy, watchtower: { enabled: true, interval: '1h' } }, { notes }));
  const watchtower = containerNamed(platformConfig, `${PREFIX}-watchtower`);
  const env = Object.fromEntries(watchtower.env.map((entry: string) => entry.split(/=(.*)/s).slice(0, 2)));

  it('updates only containers labelled for it, polling at the configured interval', () => {
    expect(env).toMatchObject({ WATCHTOWER_LABEL_ENABLE: 'true', WATCHTOWER_POLL_INTERVAL: '3600', WATCHTOWER_INCLUDE_STOPPED: 'false', DOCKER_API_VERSION: '1.44' });
  });

  it('labels the non-critical autoUpdate app and nothing else: not the platform, not the critical blue/green app, not itself', () => {
    const labelled = Object.values(resourcesOf(platformConfig, 'docker_container'))
      .filter((container: any) => labelsOf(container)[WATCHTOWER_ENABLE_LABEL] === 'true')
      .map((container: any) => container.name);
    expect(labelled).toEqual([`${PREFIX}-notes`]);
    expect(labelsOf(watchtower)[WATCHTOWER_ENABLE_LABEL]).toBe('false');
    expect(labelsOf(containerNamed(platformConfig, `${PREFIX}-traefik`))[WATCHTOWER_ENABLE_LABEL]).toBeUndefined();
  });

  it('reports to ntfy with the token from a sensitive variable, written to a root-only file and never inline', () => {
    expect(env.WATCHTOWER_NOTIFICATIONS).toBe('shoutrrr');
    expect(env.WATCHTOWER_NOTIFICATION_URL).toBe('/etc/watchtower/notification-url');
    const url = watchtower.upload.find((upload: any) => upload.file === '/etc/watchtower/notification-url');
    expect(url).toMatchObject({ permissions: '0400' });
    expect(url.content).toMatch(/^ntfy:\/\/:\$\{var\.ntfy_token\}@ntfy\.example\.net\/mambo-ops\?/);
    expect(platformConfig.variable.ntfy_token).toMatchObject({ sensitive: true, nullable: false });
    expect(platformConfig.variable.ntfy_token.default).toBeUndefined();
  });

  it('puts the URL in the environment when the topic needs no token', () => {
    const { platformConfig: open } = buildEnvironment(withServices({ ntfy: { topic: 'mambo-ops' }, watchtower: { enabled: true } }, { notes }));
    const container = containerNamed(open, `${PREFIX}-watchtower`);
    expect(container.env).toContain('WATCHTOWER_NOTIFICATION_URL=ntfy://ntfy.sh/mambo-ops?title=Watchtower%20on%20mambo-production&tags=arrows_counterclockwise');
    expect(container.upload ?? []).toEqual([]);
    expect(open.variable.ntfy_token).toBeUndefined();
  });

  it('mounts the Docker socket, the one exception to the socket rule, accepted with its reason', () => {
    expect(watchtower.volumes).toEqual([{ host_path: '/var/run/docker.sock', container_path: '/var/run/docker.sock', read_only: false }]);
    const findings = Policy.check(platform).filter((finding) => finding.rule === 'MAMBO-P009');
    expect(findings).toEqual([expect.objectContaining({ path: expect.stringContaining('watchtower-main'), accepted: expect.stringMatching(/recreates the containers/) })]);
  });

  it('has a memory limit and reaches registries and ntfy through the network with a route out', () => {
    expect(watchtower.memory).toBe(64);
    expect(watchtower.networks_advanced).toEqual([{ name: expect.stringContaining('network-edge') }]);
  });

  it('runs only where an autoUpdate app runs: switched on with none, there is no container', () => {
    const { platformConfig: idle } = buildEnvironment(withServices({ ntfy, watchtower: { enabled: true } }));
    expect(containerNames(idle).filter((name) => name.includes('watchtower'))).toEqual([]);
  });
});

describe('Portainer', () => {
  const { platformConfig, infraJson, platform } = buildEnvironment(withServices({ portainer: { enabled: true } }));
  const portainer = containerNamed(platformConfig, `${PREFIX}-portainer`);
  const proxy = containerNamed(platformConfig, `${PREFIX}-portainer-socket-proxy`);
  const proxyEnv = Object.fromEntries(proxy.env.map((entry: string) => entry.split('=')));
  const networkNamed = (name: string) => Object.values(resourcesOf(platformConfig, 'docker_network')).find((network: any) => network.name === name) as any;

  it('is served on portainer.<domain> behind the SSO with two factors, the forward-auth first, without basic auth', () => {
    const labels = labelsOf(portainer);
    expect(labels['traefik.http.routers.portainer.rule']).toBe('Host(`portainer.mambo-cloud.example`)');
    expect(labels['traefik.http.routers.portainer.middlewares']).toBe('rate-strict@file,security-headers@file,sso@file');
    expect(labels['traefik.http.services.portainer.loadbalancer.server.port']).toBe('9000');
    expect(platform.sso!.protectedHostnames.get('portainer.mambo-cloud.example')).toBe('two_factor');
    expect(infraJson).toContain('"portainer"');
  });

  it('falls back to the edge\'s basic auth without SSO', () => {
    const { platformConfig: basic } = buildEnvironment((document) => {
      withServices({ portainer: { enabled: true } })(document);
      document.deleteIn([...PRODUCTION, 'sso']);
    });
    const labels = labelsOf(containerNamed(basic, `${PREFIX}-portainer`));
    expect(labels['traefik.http.routers.portainer.middlewares']).toBe('rate-strict@file,security-headers@file,basic-auth@file');
    expect(basic.variable.platform_basic_auth_htpasswd.default).toBeUndefined();
  });

  it('talks to Docker only through its own proxy, which answers exactly the read sections it needs', () => {
    expect(portainer.command).toEqual(['-H', 'tcp://portainer-socket-proxy:2375', '--admin-password-file', '/run/secrets/portainer-admin-password']);
    expect(portainer.volumes.filter((volume: any) => volume.host_path)).toEqual([]);
    const allowed = Object.keys(proxyEnv).filter((section) => proxyEnv[section] === '1').sort();
    expect(allowed).toEqual(['CONTAINERS', 'EVENTS', 'IMAGES', 'INFO', 'NETWORKS', 'PING', 'VERSION', 'VOLUMES']);
    expect(proxyEnv).toMatchObject({ POST: '0', EXEC: '0', SWARM: '0', SECRETS: '0', BUILD: '0', SYSTEM: '0' });
    expect(proxy.volumes).toEqual([{ host_path: '/var/run/docker.sock', container_path: '/var/run/docker.sock', read_only: true }]);
  });

  it('shares an internal network with its proxy that nothing else joins; the proxy never joins the web network', () => {
    const network = networkNamed(`${PREFIX}-portainer-socket`);
    expect(network.internal).toBe(true);
    const members = Object.values(resourcesOf(platformConfig, 'docker_container'))
      .filter((container: any) => (container.networks_advanced ?? []).some((entry: any) => entry.name.includes('network-portainer-socket')))
      .map((container: any) => container.name);
    expect(members.sort()).toEqual([`${PREFIX}-portainer`, `${PREFIX}-portainer-socket-proxy`]);
    expect(proxy.networks_advanced).toHaveLength(1);
  });

  it('keeps its data on a volume registered for backups', () => {
    const volume = platform.hosts.main.volumes.find((candidate) => candidate.name === `${PREFIX}-portainer-data`);
    expect(volume).toMatchObject({ backup: 'stop', owner: 'platform', containers: [`${PREFIX}-portainer`] });
    expect(portainer.volumes).toContainEqual({ volume_name: expect.stringMatching(/^\$\{docker_volume\.portainer_volume-portainer-data_\w+\.name\}$/), container_path: '/data' });
  });

  it('gets its admin password from a sensitive variable, as a root-only file', () => {
    expect(portainer.upload).toEqual([{ file: '/run/secrets/portainer-admin-password', content: '${var.portainer_admin_password}', permissions: '0400' }]);
    expect(platformConfig.variable.portainer_admin_password).toMatchObject({ sensitive: true });
  });

  it('with access manage, lets writes and the console through, an accepted exception to the socket rule', () => {
    const { platformConfig: managed, platform: stack } = buildEnvironment(withServices({ portainer: { enabled: true, access: 'manage' } }));
    const env = containerNamed(managed, `${PREFIX}-portainer-socket-proxy`).env;
    expect(env).toEqual(expect.arrayContaining(['POST=1', 'EXEC=1', 'CONTAINERS=1', 'SWARM=0']));
    const findings = Policy.check(stack).filter((finding) => finding.rule === 'MAMBO-P009');
    expect(findings).toEqual([expect.objectContaining({ accepted: expect.stringMatching(/access is manage/) })]);
  });

  it('refuses a hostname another service already has, naming the path', () => {
    expect(() => specOf(withServices({ portainer: { enabled: true, hostname: 'reader' } })))
      .toThrow(/environments\.production\.apps\.reader\.hostnames\[0\]: found "reader\.mambo-cloud\.example", already served by platform\.portainer/);
  });
});

describe('the private registry', () => {
  const app = { from: 'template', hostnames: ['notes'], privateRegistry: true, image: 'notes:1.4.0' };
  const { platformConfig, platformJson, infraJson, platform } = buildEnvironment(withServices({ registry: { enabled: true } }, { notes: app }));
  const registry = containerNamed(platformConfig, `${PREFIX}-registry`);

  it('runs registry 3.0.0 on registry.<domain> behind the edge, without compression and without the edge\'s auth', () => {
    const images = Object.values(resourcesOf(platformConfig, 'docker_image')).map((image: any) => image.name);
    expect(images).toContain('registry:3.0.0');
    const labels = labelsOf(registry);
    expect(labels['traefik.http.routers.registry.rule']).toBe('Host(`registry.mambo-cloud.example`)');
    expect(labels['traefik.http.routers.registry.middlewares']).toBe('rate-global@file,security-headers@file');
    expect(labels['traefik.http.services.registry.loadbalancer.server.port']).toBe('5000');
    expect(infraJson).toContain('"registry"');
  });

  it('checks htpasswd users from a sensitive variable, uploaded as a root-only file next to its config', () => {
    const files = Object.fromEntries(registry.upload.map((upload: any) => [upload.file, upload]));
    expect(files['/etc/distribution/htpasswd']).toEqual({ file: '/etc/distribution/htpasswd', content: '${var.registry_htpasswd}', permissions: '0400' });
    expect(files['/etc/distribution/config.yml'].content).toContain('path: /etc/distribution/htpasswd');
    expect(platformConfig.variable.registry_htpasswd).toMatchObject({ sensitive: true, nullable: false });
  });

  it('keeps its layers on a volume that backups cover', () => {
    const volume = platform.hosts.main.volumes.find((candidate) => candidate.name === `${PREFIX}-registry-data`);
    expect(volume).toMatchObject({ backup: 'stop', containers: [`${PREFIX}-registry`] });
    expect(registry.volumes).toContainEqual({ volume_name: expect.stringMatching(/^\$\{docker_volume\.registry_volume-registry-data_\w+\.name\}$/), container_path: '/var/lib/registry' });
  });

  it('installs its garbage collection on the host, re-installed only when what it installs changes', () => {
    const [gc] = Object.values(resourcesOf(platformConfig, 'null_resource')).filter((resource: any) =>
      resource.provisioner?.some((provisioner: any) => provisioner.file?.destination === '/etc/cron.d/mambo-registry-gc')) as any[];
    expect(gc.triggers.files).toMatch(/^[0-9a-f]{64}$/);
    const files = gc.provisioner.filter((provisioner: any) => provisioner.file).map((provisioner: any) => provisioner.file);
    expect(files.map((file: any) => file.destination)).toEqual(['/usr/local/sbin/mambo-registry-gc', '/etc/cron.d/mambo-registry-gc']);
    expect(files[1].content).toContain('30 4 * * 0 root /usr/local/sbin/mambo-registry-gc');
    expect(files[0].content).toContain("readonly VOLUME='mambo-production-registry-data'");
  });

  it('schedules no collection when garbageCollect is false', () => {
    const { platformConfig: never } = buildEnvironment(withServices({ registry: { enabled: true, garbageCollect: false } }));
    expect(JSON.stringify(never)).not.toContain('mambo-registry-gc');
  });

  it('gives the hosts registry auth from a sensitive variable, and pulls privateRegistry apps from it', () => {
    expect(platformConfig.provider.docker[0].registry_auth).toEqual([
      { address: 'registry.mambo-cloud.example', username: 'platform', password: '${var.registry_pull_password}' },
    ]);
    expect(platformConfig.variable.registry_pull_password).toMatchObject({ sensitive: true });
    const images = Object.values(resourcesOf(platformConfig, 'docker_image')).map((image: any) => image.name);
    expect(images).toContain('registry.mambo-cloud.example/notes:1.4.0');
  });

  it('asks for no pull password while no app pulls from it', () => {
    const { platformConfig: unused } = buildEnvironment(withServices({ registry: { enabled: true } }));
    expect(unused.variable.registry_pull_password).toBeUndefined();
    expect(unused.provider.docker[0].registry_auth).toBeUndefined();
  });

  it('puts no secret value in the synthesized JSON: only references to variables and generated values', () => {
    expect(platformJson).not.toMatch(/\$2[aby]\$\d\d\$/);
    for (const name of ['registry_htpasswd', 'registry_pull_password']) expect(platformConfig.variable[name].default).toBeUndefined();
    expect(registry.env).toContainEqual(expect.stringMatching(/^REGISTRY_HTTP_SECRET=\$\{random_password\.registry_http-secret_\w+\.result\}$/));
  });
});

describe('all of them at once', () => {
  it('fit the default host with the example app and pass the policy', () => {
    const services = { ntfy, watchtower: { enabled: true }, portainer: { enabled: true }, registry: { enabled: true }, uptime: { enabled: true } };
    const { platform } = buildEnvironment(withServices(services, { notes: { ...notes, privateRegistry: true, image: 'notes:1.0.0' } }));
    expect(platform.hosts.main.memoryBudget().fits).toBe(true);
    expect(Policy.check(platform).filter((finding) => finding.severity === 'error' && finding.accepted === undefined)).toEqual([]);
  });
});

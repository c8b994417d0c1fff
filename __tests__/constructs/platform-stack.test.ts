// The `<env>-platform` stack of the default config: the edge, the socket proxy, the backoffice and
// the example app, wired to the infra stack's host; and what must not change when apps change.
import { buildEnvironment, containerNamed, labelsOf, PRODUCTION, resourcesOf } from '../support/platform';

const PREFIX = 'mambo-production';

describe('the default platform stack', () => {
  const { platformJson, platformConfig, platform } = buildEnvironment();

  it('matches the snapshot', () => {
    expect(platformJson).toMatchSnapshot();
  });

  it('connects a docker provider to the host over SSH as the deploy user, address read from the infra stack', () => {
    const [docker] = platformConfig.provider.docker;
    expect(docker.alias).toBe('main');
    expect(docker.host).toMatch(/^ssh:\/\/deploy@\$\{data\.terraform_remote_state\.cross-stack-reference-input-production-infra\.outputs\..+\}:22$/);
    expect(platformConfig.data.terraform_remote_state['cross-stack-reference-input-production-infra']).toBeDefined();
  });

  it('creates the platform networks: web, monitoring and socket internal, edge with a route out', () => {
    const networks = Object.values(resourcesOf(platformConfig, 'docker_network')).map((network: any) =>
      [network.name, network.internal, network.ipam_config[0].subnet]);
    expect(networks).toEqual(expect.arrayContaining([
      [`${PREFIX}-web`, true, '172.30.0.0/24'],
      [`${PREFIX}-monitoring`, true, '172.30.1.0/24'],
      [`${PREFIX}-socket`, true, '172.30.2.0/24'],
      [`${PREFIX}-edge`, false, '172.30.3.0/24'],
      [`${PREFIX}-backoffice`, false, '172.30.4.0/24'],
      [`${PREFIX}-git`, false, expect.stringMatching(/^172\.30\.\d+\.0\/24$/)],
    ]));
  });

  it('pulls every image for linux/arm64, the cax11\'s architecture', () => {
    const images = Object.values(resourcesOf(platformConfig, 'docker_image'));
    expect(images.length).toBeGreaterThanOrEqual(5);
    expect(images.every((image: any) => image.platform === 'linux/arm64' && image.keep_locally === true)).toBe(true);
  });

  describe('Traefik', () => {
    const traefik = containerNamed(platformConfig, `${PREFIX}-traefik`);

    it('publishes 80 and 443 and nothing else', () => {
      expect(traefik.ports.map((port: any) => [port.internal, port.external])).toEqual([[80, 80], [443, 443]]);
    });

    it('gets its config as uploaded content, never as a bind-mounted file', () => {
      expect(traefik.upload.map((upload: any) => upload.file)).toEqual([
        '/etc/traefik/traefik.yml', '/etc/traefik/dynamic/platform.yml', '/etc/traefik/basic-auth.htpasswd',
      ]);
      expect(traefik.volumes.filter((volume: any) => volume.host_path)).toEqual([]);
    });

    it('keeps the basic-auth users in a sensitive variable', () => {
      const users = traefik.upload.find((upload: any) => upload.file.endsWith('.htpasswd'));
      expect(users.content).toBe('${var.platform_basic_auth_htpasswd}');
      expect(platformConfig.variable.platform_basic_auth_htpasswd).toMatchObject({ sensitive: true });
    });

    it('keeps certificates on the ACME volume', () => {
      expect(traefik.volumes).toEqual([expect.objectContaining({ container_path: '/acme', volume_name: expect.stringContaining('docker_volume.') })]);
    });

    it('has memory and CPU limits, a restart policy and a ping healthcheck', () => {
      expect(traefik).toMatchObject({ memory: 128, memory_swap: 128, cpus: '1', restart: 'unless-stopped' });
      expect(traefik.healthcheck.test).toEqual(['CMD', 'traefik', 'healthcheck', '--ping']);
      expect(traefik.security_opts).toEqual(['no-new-privileges:true']);
    });

    it('serves its dashboard on its own hostname behind basic auth', () => {
      const labels = labelsOf(traefik);
      expect(labels['traefik.http.routers.traefik-dashboard.rule']).toBe('Host(`traefik.mambo-cloud.example`)');
      expect(labels['traefik.http.routers.traefik-dashboard.service']).toBe('api@internal');
      expect(labels['traefik.http.routers.traefik-dashboard.middlewares']).toMatch(/^basic-auth@file,/);
    });
  });

  describe('the socket proxy', () => {
    const proxy = containerNamed(platformConfig, `${PREFIX}-socket-proxy`);

    it('allows only the read calls Traefik makes', () => {
      const env = Object.fromEntries(proxy.env.map((entry: string) => entry.split('=')));
      expect(env).toMatchObject({ CONTAINERS: '1', EVENTS: '1', VERSION: '1', PING: '1', POST: '0', NETWORKS: '0', INFO: '0' });
    });

    it('mounts the Docker socket read-only and sits only on the socket network', () => {
      expect(proxy.volumes).toEqual([{ host_path: '/var/run/docker.sock', container_path: '/var/run/docker.sock', read_only: true }]);
      expect(proxy.networks_advanced).toHaveLength(1);
      expect(proxy.networks_advanced[0].name).toContain('network-socket');
      expect(proxy.ports).toBeUndefined();
    });
  });

  describe('the example app with a database', () => {
    const app = containerNamed(platformConfig, `${PREFIX}-git`);
    const db = containerNamed(platformConfig, `${PREFIX}-git-db`);

    it('is routed by typed labels', () => {
      expect(labelsOf(app)).toMatchObject({
        'traefik.enable': 'true',
        'traefik.docker.network': expect.stringContaining('network-web'),
        'traefik.http.routers.git.rule': 'Host(`git.mambo-cloud.example`)',
        'traefik.http.routers.git.entrypoints': 'websecure',
        'traefik.http.routers.git.tls.certresolver': 'le',
        'traefik.http.routers.git.middlewares': 'rate-global@file,security-headers@file,compression@file',
        'traefik.http.services.git.loadbalancer.server.port': '3000',
        'mambo.app': 'git',
      });
    });

    it('reaches its database with a password Terraform generates', () => {
      expect(app.env).toEqual(expect.arrayContaining([
        expect.stringMatching(/^GITEA__database__PASSWD=\$\{random_password\..+\.result\}$/),
        expect.stringMatching(/^DATABASE_URL=postgres:\/\/app:\$\{random_password\..+\.result\}@db:5432\/app$/),
      ]));
      expect(db.env).toEqual(expect.arrayContaining([expect.stringMatching(/^POSTGRES_PASSWORD=\$\{random_password\..+\.result\}$/)]));
    });

    it('keeps the database off the web network, unpublished and unrouted', () => {
      expect(db.networks_advanced).toEqual([expect.objectContaining({ aliases: ['db'], name: expect.stringContaining('app-git_network') })]);
      expect(db.ports).toBeUndefined();
      expect(Object.keys(labelsOf(db)).filter((label) => label.startsWith('traefik.'))).toEqual([]);
    });

    it('starts after its database is healthy', () => {
      expect(app.depends_on).toEqual([expect.stringContaining('docker_container.app-git_companion-db')]);
      expect(db.healthcheck.test).toEqual(['CMD-SHELL', 'pg_isready -U app -d app']);
      expect(db.wait).toBe(true);
    });

    it('registers its volumes for backups: files with the app stopped, the database as a dump', () => {
      const volumes = platform.hosts.main.volumes.filter((volume) => volume.owner === 'app.git');
      expect(volumes.map((volume) => [volume.name, volume.backup, volume.containers])).toEqual([
        [`${PREFIX}-git-db-data`, 'dump', [`${PREFIX}-git-db`]],
        [`${PREFIX}-git-data`, 'stop', [`${PREFIX}-git`]],
      ]);
      expect(volumes[0].dump).toEqual({ kind: 'postgres', container: `${PREFIX}-git-db`, user: 'app', database: 'app' });
    });

    it('protects its volumes from deletion by a plan', () => {
      const volumes = Object.values(resourcesOf(platformConfig, 'docker_volume'));
      expect(volumes.every((volume: any) => volume.lifecycle?.prevent_destroy === true)).toBe(true);
    });
  });

  it('serves the backoffice behind basic auth with its page uploaded', () => {
    const backoffice = containerNamed(platformConfig, `${PREFIX}-backoffice`);
    expect(labelsOf(backoffice)['traefik.http.routers.backoffice.middlewares']).toMatch(/^basic-auth@file,/);
    expect(backoffice.upload.map((upload: any) => upload.file)).toContain('/usr/share/nginx/html/index.html');
    expect(backoffice.capabilities).toEqual({ drop: ['ALL'] });
  });

  it('publishes ports only from the edge', () => {
    const publishing = Object.values(resourcesOf(platformConfig, 'docker_container'))
      .filter((container: any) => container.ports?.length).map((container: any) => container.name);
    expect(publishing).toEqual([`${PREFIX}-traefik`]);
  });

  it('fits the memory budget with the platform\'s own containers leaving at least 1.5 GiB for apps', () => {
    const budget = platform.hosts.main.memoryBudget();
    expect(budget.fits).toBe(true);
    expect(budget.platformMiB).toBeLessThanOrEqual(1536);
    expect(budget.limitMiB - budget.platformMiB).toBeGreaterThanOrEqual(1536);
  });
});

describe('changing apps', () => {
  const base = buildEnvironment().platformConfig;
  const containerIds = (config: any) => Object.keys(resourcesOf(config, 'docker_container'));

  function unchanged(before: any, after: any, except: RegExp) {
    for (const type of ['docker_container', 'docker_network', 'docker_volume', 'docker_image', 'random_password']) {
      for (const [id, resource] of Object.entries(resourcesOf(before, type))) {
        if (except.test(id)) continue;
        expect({ id, resource: resourcesOf(after, type)[id] }).toEqual({ id, resource });
      }
    }
  }

  it('adding an app leaves the edge and every other app exactly as they were', () => {
    const after = buildEnvironment((document) => document.setIn([...PRODUCTION, 'apps', 'blog'], {
      image: 'ghost:5.130.0-alpine', port: 2368, hostnames: ['blog'], memoryMiB: 256,
    })).platformConfig;
    expect(containerIds(after)).toEqual(expect.arrayContaining(containerIds(base)));
    expect(Object.values(resourcesOf(after, 'docker_container')).map((container: any) => container.name)).toContain(`${PREFIX}-blog`);
    unchanged(base, after, /^$/);
  });

  it('a new image for one app changes only that app\'s container and image', () => {
    const after = buildEnvironment((document) => document.setIn([...PRODUCTION, 'apps', 'git', 'image'], 'gitea/gitea:1.24.7')).platformConfig;
    expect(containerNamed(after, `${PREFIX}-git`).image).not.toEqual(containerNamed(base, `${PREFIX}-git`).image);
    unchanged(base, after, /^app-git_app_container|gitea/);
  });

  it('removing an app leaves the edge and the others as they were', () => {
    const after = buildEnvironment((document) => document.deleteIn([...PRODUCTION, 'apps', 'git'])).platformConfig;
    expect(Object.values(resourcesOf(after, 'docker_container')).map((container: any) => container.name)).not.toContain(`${PREFIX}-git`);
    const kept = (id: string) => !id.startsWith('app-git') && !/gitea|postgres/.test(id);
    for (const type of ['docker_container', 'docker_network']) {
      for (const [id, resource] of Object.entries(resourcesOf(base, type)).filter(([id]) => kept(id))) {
        expect(resourcesOf(after, type)[id]).toEqual(resource);
      }
    }
  });
});

describe('the memory budget', () => {
  it('fails the synth with a table of the biggest consumers when apps do not fit', () => {
    expect(() => buildEnvironment((document) => document.setIn([...PRODUCTION, 'apps', 'git', 'memoryMiB'], 4096)))
      .toThrow(/host main \(cax11\): container memory limits add up to \d+ MiB, over the \d+ MiB that fit[\s\S]*mambo-production-git\s+app\s+4096 MiB/);
  });

  it('fits on a bigger server type', () => {
    const { platform } = buildEnvironment((document) => {
      document.setIn([...PRODUCTION, 'hosts', 'main', 'serverType'], 'cax21');
      document.setIn([...PRODUCTION, 'apps', 'git', 'memoryMiB'], 4096);
    });
    expect(platform.hosts.main.memoryBudget().fits).toBe(true);
  });
});

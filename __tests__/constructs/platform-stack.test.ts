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
      [`${PREFIX}-reader`, false, expect.stringMatching(/^172\.30\.\d+\.0\/24$/)],
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
        '/etc/traefik/traefik.yml', '/etc/traefik/dynamic/platform.yml', '/etc/traefik/dynamic/sso.yml', '/etc/traefik/basic-auth.htpasswd',
      ]);
      // The one host path is the access log's directory, which fail2ban reads on the host.
      expect(traefik.volumes.filter((volume: any) => volume.host_path)).toEqual([
        { host_path: '/var/log/traefik', container_path: '/var/log/traefik', read_only: false },
      ]);
    });

    it('keeps the basic-auth users in a sensitive variable', () => {
      const users = traefik.upload.find((upload: any) => upload.file.endsWith('.htpasswd'));
      expect(users.content).toBe('${var.platform_basic_auth_htpasswd}');
      expect(platformConfig.variable.platform_basic_auth_htpasswd).toMatchObject({ sensitive: true });
    });

    it('keeps certificates on the ACME volume', () => {
      expect(traefik.volumes.filter((volume: any) => volume.volume_name))
        .toEqual([expect.objectContaining({ container_path: '/acme', volume_name: expect.stringContaining('docker_volume.') })]);
    });

    it('has memory and CPU limits, a restart policy and a ping healthcheck', () => {
      expect(traefik).toMatchObject({ memory: 128, memory_swap: 128, cpus: '1', restart: 'unless-stopped' });
      expect(traefik.healthcheck.test).toEqual(['CMD', 'traefik', 'healthcheck', '--ping']);
      expect(traefik.security_opts).toEqual(['no-new-privileges:true']);
    });

    it('serves its dashboard on its own hostname behind SSO', () => {
      const labels = labelsOf(traefik);
      expect(labels['traefik.http.routers.traefik-dashboard.rule']).toBe('Host(`traefik.mambo-cloud.example`)');
      expect(labels['traefik.http.routers.traefik-dashboard.service']).toBe('api@internal');
      expect(labels['traefik.http.routers.traefik-dashboard.middlewares']).toMatch(/^rate-strict@file,.*sso@file$/);
    });
  });

  describe('the socket proxy', () => {
    const proxy = containerNamed(platformConfig, `${PREFIX}-socket-proxy`);

    it('allows only the read calls Traefik, cAdvisor and the log shipper make', () => {
      const env = Object.fromEntries(proxy.env.map((entry: string) => entry.split('=')));
      expect(env).toMatchObject({ CONTAINERS: '1', EVENTS: '1', VERSION: '1', PING: '1', POST: '0', NETWORKS: '1', INFO: '1', SERVICES: '0', TASKS: '0' });
    });

    it('mounts the Docker socket read-only and sits only on the socket network', () => {
      expect(proxy.volumes).toEqual([{ host_path: '/var/run/docker.sock', container_path: '/var/run/docker.sock', read_only: true }]);
      expect(proxy.networks_advanced).toHaveLength(1);
      expect(proxy.networks_advanced[0].name).toContain('network-socket');
      expect(proxy.ports).toBeUndefined();
    });
  });

  describe('the example app with a database, released blue/green', () => {
    const blue = containerNamed(platformConfig, `${PREFIX}-reader-blue`);
    const router = containerNamed(platformConfig, `${PREFIX}-reader-route-blue`);
    const db = containerNamed(platformConfig, `${PREFIX}-reader-db`);

    it('runs the live colour with a service of its own and no router', () => {
      expect(labelsOf(blue)).toEqual({
        'traefik.enable': 'true',
        'traefik.docker.network': expect.stringContaining('network-web'),
        'traefik.http.services.reader-blue.loadbalancer.server.port': '8080',
        'mambo.app': 'reader',
        'mambo.colour': 'blue',
        'mambo.role': 'app',
      });
      expect(blue.must_run).toBe(false);
    });

    it('routes the hostnames to the live colour through a router container with typed labels', () => {
      expect(labelsOf(router)).toMatchObject({
        'traefik.enable': 'true',
        // Miniflux's metrics share its port: the edge never serves them.
        'traefik.http.routers.reader-via-blue.rule': '(Host(`reader.mambo-cloud.example`)) && !PathPrefix(`/metrics`)',
        'traefik.http.routers.reader-via-blue.entrypoints': 'websecure',
        'traefik.http.routers.reader-via-blue.tls': 'true',
        'traefik.http.routers.reader-via-blue.tls.certresolver': 'le',
        'traefik.http.routers.reader-via-blue.middlewares': 'rate-global@file,security-headers@file,compression@file',
        'traefik.http.routers.reader-via-blue.service': 'reader-blue@docker',
        // Without a service port of its own Traefik skips the pause container, router included ("port is missing").
        'traefik.http.services.reader-via-blue.loadbalancer.server.port': '8080',
      });
      expect(router.lifecycle).toEqual({ create_before_destroy: true });
      expect(router.depends_on).toEqual([expect.stringMatching(/^null_resource\.app-reader_activate-blue/)]);
    });

    it('makes the colour live only once it is healthy, on the host', () => {
      const [activation] = Object.values(resourcesOf(platformConfig, 'null_resource')) as any[];
      expect(activation.connection).toMatchObject({ type: 'ssh', user: 'root', agent: 'true' });
      const script = activation.provisioner[0]['remote-exec'].inline.join('\n');
      expect(script).toContain(`docker start ${PREFIX}-reader-blue`);
      expect(script).toContain('[ "$state" = healthy ] ||');
    });

    it('reaches its database with a password Terraform generates', () => {
      expect(blue.env).toEqual(expect.arrayContaining([
        expect.stringMatching(/^DATABASE_PASSWORD=\$\{random_password\..+\.result\}$/),
        expect.stringMatching(/^DATABASE_URL=postgres:\/\/app:\$\{random_password\..+\.result\}@db:5432\/app\?sslmode=disable$/),
      ]));
      expect(db.env).toEqual(expect.arrayContaining([expect.stringMatching(/^POSTGRES_PASSWORD=\$\{random_password\..+\.result\}$/)]));
    });

    it('keeps the database off the web network, unpublished and unrouted', () => {
      expect(db.networks_advanced).toEqual([expect.objectContaining({ aliases: ['db'], name: expect.stringContaining('app-reader_network') })]);
      expect(db.ports).toBeUndefined();
      expect(Object.keys(labelsOf(db)).filter((label) => label.startsWith('traefik.'))).toEqual([]);
    });

    it('starts after its database is healthy', () => {
      expect(blue.depends_on).toEqual([expect.stringContaining('docker_container.app-reader_companion-db')]);
      expect(db.healthcheck.test).toEqual(['CMD-SHELL', 'pg_isready -U app -d app']);
      expect(db.wait).toBe(true);
    });

    it('registers the database volume for backups as a dump', () => {
      const volumes = platform.hosts.main.volumes.filter((volume) => volume.owner === 'app.reader');
      expect(volumes.map((volume) => [volume.name, volume.backup, volume.containers])).toEqual([
        [`${PREFIX}-reader-db-data`, 'dump', [`${PREFIX}-reader-db`]],
      ]);
      expect(volumes[0].dump).toEqual({ kind: 'postgres', container: `${PREFIX}-reader-db`, user: 'app', database: 'app' });
    });

    it('protects volumes from deletion by a plan', () => {
      const volumes = Object.values(resourcesOf(platformConfig, 'docker_volume'));
      expect(volumes.every((volume: any) => volume.lifecycle?.prevent_destroy === true)).toBe(true);
    });
  });

  it('routes a plain app with its own router and service', () => {
    const config = buildEnvironment((document) => document.setIn([...PRODUCTION, 'apps', 'git'], { from: 'gitea', hostnames: ['git'], restart: 'always' })).platformConfig;
    expect(labelsOf(containerNamed(config, `${PREFIX}-git`))).toMatchObject({
      'traefik.http.routers.git.rule': '(Host(`git.mambo-cloud.example`)) && !PathPrefix(`/metrics`)',
      'traefik.http.routers.git.service': 'git',
      'traefik.http.services.git.loadbalancer.server.port': '3000',
    });
    expect(containerNamed(config, `${PREFIX}-git`).must_run).toBe(true);
    expect(containerNamed(config, `${PREFIX}-git`).restart).toBe('always');
  });

  it('serves the backoffice behind SSO with its page uploaded', () => {
    const backoffice = containerNamed(platformConfig, `${PREFIX}-backoffice`);
    expect(labelsOf(backoffice)['traefik.http.routers.backoffice.middlewares']).toMatch(/^rate-global@file,.*sso@file$/);
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

describe('an app\'s own text', () => {
  const { platformConfig } = buildEnvironment((document) => document.setIn([...PRODUCTION, 'apps', 'blog'], {
    image: 'ghost:5.130.0-alpine', port: 2368, hostnames: ['blog'],
    env: { GREETING: 'hello ${USER} %{x}' },
    healthcheck: { command: ['CMD-SHELL', 'wget -q --spider http://127.0.0.1:${PORT:-2368}/ || exit 1'] },
  }));
  const blog = containerNamed(platformConfig, `${PREFIX}-blog`);

  it('reaches the container as written: `${` and `%{` escaped, so Terraform does not read them as its own templates', () => {
    expect(blog.env).toContain('GREETING=hello $${USER} %%{x}');
    expect(blog.healthcheck.test).toEqual(['CMD-SHELL', 'wget -q --spider http://127.0.0.1:$${PORT:-2368}/ || exit 1']);
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
    const withGit = (image: string) => buildEnvironment((document) => document.setIn([...PRODUCTION, 'apps', 'git'], { from: 'gitea', hostnames: ['git'], image })).platformConfig;
    const before = withGit('gitea/gitea:1.24.6');
    const after = withGit('gitea/gitea:1.24.7');
    expect(containerNamed(after, `${PREFIX}-git`).image).not.toEqual(containerNamed(before, `${PREFIX}-git`).image);
    unchanged(before, after, /^app-git_app_container|gitea/);
  });

  it('removing an app leaves the edge and the others as they were', () => {
    const after = buildEnvironment((document) => document.deleteIn([...PRODUCTION, 'apps', 'reader'])).platformConfig;
    expect(Object.values(resourcesOf(after, 'docker_container')).map((container: any) => container.name)).not.toContain(`${PREFIX}-reader-blue`);
    // The reader offered metrics: vmagent stops scraping it and Grafana drops its dashboard.
    const observed = (config: any) => [containerNamed(config, `${PREFIX}-vmagent`), containerNamed(config, `${PREFIX}-grafana`)]
      .map((container) => container.upload.map((entry: any) => entry.content).join('\n'));
    expect(observed(base).every((content) => content.includes('app-reader'))).toBe(true);
    expect(observed(after).some((content) => content.includes('app-reader'))).toBe(false);
    const kept = (id: string) => !id.startsWith('app-reader') && !/miniflux|postgres|pause|observability_(vmagent|grafana)_/.test(id);
    for (const type of ['docker_container', 'docker_network']) {
      for (const [id, resource] of Object.entries(resourcesOf(base, type)).filter(([id]) => kept(id))) {
        expect(resourcesOf(after, type)[id]).toEqual(resource);
      }
    }
  });
});

describe('a blue/green release', () => {
  const release = [...PRODUCTION, 'apps', 'reader', 'release'];
  const before = buildEnvironment().platformConfig;
  const after = buildEnvironment((document) => {
    document.setIn([...release, 'green'], 'miniflux/miniflux:2.2.11');
    document.setIn([...release, 'live'], 'green');
  }).platformConfig;
  const ids = (config: any, type: string) => Object.keys(resourcesOf(config, type));

  it('never touches the live container', () => {
    expect(containerNamed(after, `${PREFIX}-reader-blue`)).toEqual(containerNamed(before, `${PREFIX}-reader-blue`));
  });

  it('starts the idle colour with the new image', () => {
    const green = containerNamed(after, `${PREFIX}-reader-green`);
    expect(green.image).toMatch(/miniflux-miniflux-2-2-11/);
    expect(ids(before, 'docker_container').some((id) => id.includes('app-green'))).toBe(false);
  });

  it('switches traffic with a new router container after activating green, and schedules blue\'s retirement', () => {
    const router = containerNamed(after, `${PREFIX}-reader-route-green`);
    expect(labelsOf(router)['traefik.http.routers.reader-via-green.service']).toBe('reader-green@docker');
    expect(() => containerNamed(after, `${PREFIX}-reader-route-blue`)).toThrow();
    const [activation] = Object.values(resourcesOf(after, 'null_resource')) as any[];
    expect(activation.provisioner[0]['remote-exec'].inline.join('\n'))
      .toContain(`systemd-run --quiet --collect --unit=mambo-retire-${PREFIX}-reader-blue --on-active=3600s /usr/bin/docker stop ${PREFIX}-reader-blue`);
  });

  it('changes nothing else', () => {
    const changed = new Set<string>();
    for (const type of ['docker_container', 'docker_network', 'docker_volume', 'docker_image', 'random_password', 'null_resource']) {
      for (const id of new Set([...ids(before, type), ...ids(after, type)])) {
        if (JSON.stringify(resourcesOf(before, type)[id]) !== JSON.stringify(resourcesOf(after, type)[id])) changed.add(id.replace(/_[0-9A-F]{8}$/, ''));
      }
    }
    expect([...changed].sort()).toEqual([
      'app-reader_activate-blue', 'app-reader_activate-green', 'app-reader_app-green_container',
      'app-reader_router_container',
      // The maintenance scripts that list the host's containers (kept by cleanup, checked, updated) learn of green.
      'backup-main_install-cleanup', 'backup-main_install-health-check', 'backup-main_install-update-containers',
      'host-main_image-miniflux-miniflux-2-2-11',
    ]);
  });

  it('rolls back by making blue live again, green kept for its window', () => {
    const rolledBack = buildEnvironment((document) => {
      document.setIn([...release, 'green'], 'miniflux/miniflux:2.2.11');
      document.setIn([...release, 'live'], 'blue');
    }).platformConfig;
    expect(containerNamed(rolledBack, `${PREFIX}-reader-blue`)).toEqual(containerNamed(before, `${PREFIX}-reader-blue`));
    expect(containerNamed(rolledBack, `${PREFIX}-reader-green`)).toEqual(containerNamed(after, `${PREFIX}-reader-green`));
    expect(labelsOf(containerNamed(rolledBack, `${PREFIX}-reader-route-blue`))['traefik.http.routers.reader-via-blue.service']).toBe('reader-blue@docker');
  });
});

describe('the memory budget', () => {
  it('fails the synth with a table of the biggest consumers when apps do not fit', () => {
    expect(() => buildEnvironment((document) => document.setIn([...PRODUCTION, 'apps', 'reader', 'memoryMiB'], 4096)))
      .toThrow(/host main \(cax11\): container memory limits add up to \d+ MiB, over the \d+ MiB that fit[\s\S]*mambo-production-reader-blue\s+app\s+4096 MiB/);
    expect(() => buildEnvironment((document) => document.setIn([...PRODUCTION, 'apps', 'reader', 'memoryMiB'], 4096)))
      .toThrow('In platform.yaml: environments.production.hosts.main.serverType, or environments.production.apps.reader.memoryMiB');
  });

  it('fits on a bigger server type', () => {
    const { platform } = buildEnvironment((document) => {
      document.setIn([...PRODUCTION, 'hosts', 'main', 'serverType'], 'cax21');
      document.setIn([...PRODUCTION, 'apps', 'reader', 'memoryMiB'], 4096);
    });
    expect(platform.hosts.main.memoryBudget().fits).toBe(true);
  });
});

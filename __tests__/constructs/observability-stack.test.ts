// The observability stack on the default platform: its containers, networks and limits, config delivered as
// content, the ntfy token kept out of the JSON, apps that opt in scraped and given a dashboard (however late
// they are added), alert rules from platform.yaml checked by promtool, Grafana behind the edge's auth, the
// community dashboards switch, and the config errors.
import { TerraformOutput, TerraformStack, Testing } from 'cdktf';
import { Document, parse } from 'yaml';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';

import { DockerHost } from '../../constructs/docker-host';
import { HOST_ACCESS_COMPONENTS, OBSERVABILITY_SOCKET_READS, ObservabilityStack } from '../../constructs/observability-stack';
import { PlatformApp } from '../../constructs/platform-app';
import { TraefikEdge } from '../../constructs/traefik-edge';
import { SERVER_TYPES } from '../../lib/hetzner-catalog';
import { COMMUNITY_DASHBOARDS } from '../../lib/observability/community-dashboards';
import { OBSERVABILITY_FOOTPRINT, OBSERVABILITY_MEMORY_BUDGET_MIB } from '../../lib/observability/footprint';
import { buildEnvironment, containerNamed, labelsOf, PRODUCTION, resourcesOf, specOf } from '../support/platform';
import { itWithTools, run } from '../support/tools';
import { workspace } from '../lib/observability/support/workspace';

const PREFIX = 'mambo-production';
const COMPONENT_NAMES = ['victoriametrics', 'vmagent', 'vmalert', 'alertmanager', 'grafana', 'loki', 'alloy', 'cadvisor', 'node-exporter'];
const OBSERVABILITY = ['environments', 'production', 'observability'];

const upload = (container: any, file: string): string => {
  const found = (container.upload ?? []).find((entry: any) => entry.file === file);
  if (!found) throw new Error(`${container.name} has no upload ${file}; has ${(container.upload ?? []).map((entry: any) => entry.file).join(', ')}`);
  return found.content;
};
/** Upload content as the container gets it: Terraform's `$${` and `%%{` escapes undone. */
const uploaded = (container: any, file: string): string => upload(container, file).replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
const networkNames = (config: any, container: any): string[] => container.networks_advanced.map((network: any) => {
  const id = /^\$\{docker_network\.(.+)\.name\}$/.exec(network.name)?.[1];
  return id ? resourcesOf(config, 'docker_network')[id].name : network.name;
});
const aliasesOn = (config: any, container: any, network: string): string[] =>
  container.networks_advanced.find((_: any, index: number) => networkNames(config, container)[index] === `${PREFIX}-${network}`)?.aliases ?? [];
const envOf = (container: any): Record<string, string> =>
  Object.fromEntries((container.env ?? []).map((entry: string) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
const scrapeJobs = (config: any): any[] => (parse(uploaded(containerNamed(config, `${PREFIX}-vmagent`), '/etc/vmagent/scrape.yml')) as any).scrape_configs;
const rulesOf = (config: any): any[] => (parse(uploaded(containerNamed(config, `${PREFIX}-vmalert`), '/etc/vmalert/rules.yml')) as any).groups
  .flatMap((group: any) => group.rules);
const withObservability = (value: Record<string, unknown>) => (document: Document) => document.setIn(OBSERVABILITY, document.createNode(value));

describe('the observability stack on the default platform', () => {
  const { platformConfig, platform } = buildEnvironment();
  const container = (name: string) => containerNamed(platformConfig, `${PREFIX}-${name}`);

  it('runs VictoriaMetrics, vmagent, vmalert, Alertmanager, Grafana, Loki, Alloy, cAdvisor and node exporter from the catalog', () => {
    const images = Object.fromEntries(Object.values(resourcesOf(platformConfig, 'docker_image')).map((image: any) => [image.name, image]));
    expect(COMPONENT_NAMES.map((name) => container(name).name)).toEqual(COMPONENT_NAMES.map((name) => `${PREFIX}-${name}`));
    expect(Object.keys(images)).toEqual(expect.arrayContaining([
      'victoriametrics/victoria-metrics:v1.106.1', 'victoriametrics/vmagent:v1.106.1', 'victoriametrics/vmalert:v1.106.1',
      'prom/alertmanager:v0.28.1', 'grafana/grafana:11.3.1', 'grafana/loki:3.2.1', 'grafana/alloy:v1.8.3',
      'gcr.io/cadvisor/cadvisor:v0.50.0', 'prom/node-exporter:v1.9.1',
    ]));
    expect(platform.observability.logShipper).toBe('alloy');
  });

  it('puts every part on the monitoring network under the name the renderers use, and each only where it needs more', () => {
    const extra = Object.fromEntries(COMPONENT_NAMES.map((name) => [name, networkNames(platformConfig, container(name)).filter((network) => network !== `${PREFIX}-monitoring`)]));
    expect(extra).toEqual({
      victoriametrics: [],
      vmagent: [`${PREFIX}-web`], // Traefik's metrics entrypoint
      vmalert: [],
      alertmanager: [`${PREFIX}-edge`], // the route out to ntfy
      grafana: [`${PREFIX}-web`], // behind the edge
      loki: [],
      alloy: [`${PREFIX}-socket`], // the socket proxy
      cadvisor: [`${PREFIX}-socket`],
      'node-exporter': [],
    });
    expect(COMPONENT_NAMES.map((name) => aliasesOn(platformConfig, container(name), 'monitoring')[0]))
      .toEqual(['victoriametrics', 'vmagent', 'vmalert', 'alertmanager', 'grafana', 'loki', 'alloy', 'cadvisor', 'node-exporter']);
  });

  it('publishes no port', () => {
    expect(COMPONENT_NAMES.filter((name) => container(name).ports !== undefined)).toEqual([]);
  });

  it('limits each container to its footprint, 1248 MiB in all, inside the 1.25 GiB budget', () => {
    expect(COMPONENT_NAMES.map((name) => [name, container(name).memory, container(name).memory_swap])).toEqual([
      ['victoriametrics', 352, 352], ['vmagent', 80, 80], ['vmalert', 48, 48], ['alertmanager', 48, 48], ['grafana', 208, 208],
      ['loki', 256, 256], ['alloy', 128, 128], ['cadvisor', 96, 96], ['node-exporter', 32, 32],
    ]);
    expect(platform.observability.memoryMiB).toBe(1248);
    expect(platform.observability.memoryMiB).toBeLessThanOrEqual(OBSERVABILITY_MEMORY_BUDGET_MIB);
    expect(envOf(container('grafana')).GOMEMLIMIT).toBe('176MiB');
    expect(envOf(container('victoriametrics')).GOMEMLIMIT).toBeUndefined();
  });

  it('keeps the whole platform on the cax11 within 1.5 GiB and leaves at least 1.5 GiB for apps', () => {
    const budget = platform.hosts.main.memoryBudget();
    expect(budget.platformMiB).toBe(1536); // edge 128 + socket proxy 32 + Authelia 128 + observability 1248
    expect(budget.limitMiB - budget.platformMiB).toBeGreaterThanOrEqual(1536);
  });

  it('checks every container\'s health', () => {
    expect(COMPONENT_NAMES.filter((name) => !container(name).healthcheck?.test?.length)).toEqual([]);
    expect(container('victoriametrics').healthcheck.test).toEqual(['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8428/health']);
    expect(container('alloy').healthcheck.test.join(' ')).toContain('/dev/tcp/127.0.0.1/12345');
  });

  it('gives host access to cAdvisor and node exporter alone; the shipper reads the maintenance log\'s directory, read-only', () => {
    const hostAccess = COMPONENT_NAMES.filter((name) => {
      const c = container(name);
      const logDirectory = (volume: any) => volume.host_path === '/var/log/mambo' && volume.container_path === '/var/log/mambo' && volume.read_only;
      return c.privileged === true || c.pid_mode === 'host' || (c.volumes ?? []).some((volume: any) => volume.host_path && !logDirectory(volume));
    });
    expect(hostAccess).toEqual(['cadvisor', 'node-exporter']);
    expect(container('alloy').volumes).toEqual([{ host_path: '/var/log/mambo', container_path: '/var/log/mambo', read_only: true }]);
    expect(uploaded(container('alloy'), '/etc/alloy/config.alloy')).toContain('"__path__" = "/var/log/mambo/maintenance.log", "job" = "mambo-maintenance"');
    expect(HOST_ACCESS_COMPONENTS).toEqual(['cadvisor', 'nodeExporter']);
    expect(container('node-exporter').volumes.map((volume: any) => [volume.host_path, volume.read_only])).toEqual([['/proc', true], ['/sys', true], ['/', true]]);
    // Neither mounts the Docker socket: cAdvisor asks the socket proxy.
    expect(container('cadvisor').command).toContain('--docker=tcp://socket-proxy:2375');
  });

  it('lets the primary edge\'s socket proxy answer the info and networks reads cAdvisor and the log shipper make, and no writes', () => {
    expect(envOf(container('socket-proxy'))).toMatchObject({ INFO: '1', NETWORKS: '1', POST: '0', SERVICES: '0', TASKS: '0' });
    expect(OBSERVABILITY_SOCKET_READS).toEqual(['info', 'networks']);
  });

  it('delivers every config file as uploaded content', () => {
    expect(Object.fromEntries(['vmagent', 'vmalert', 'alertmanager', 'loki', 'alloy'].map((name) => [name, container(name).upload.map((entry: any) => entry.file)]))).toEqual({
      vmagent: ['/etc/vmagent/scrape.yml'],
      vmalert: ['/etc/vmalert/rules.yml'],
      alertmanager: ['/etc/alertmanager/alertmanager.yml'],
      loki: ['/etc/loki/loki.yml'],
      alloy: ['/etc/alloy/config.alloy'],
    });
    expect(container('vmalert').command).toContain('-rule=/etc/vmalert/rules.yml');
    expect(container('alloy').command).toContain('/etc/alloy/config.alloy');
    expect(uploaded(container('alloy'), '/etc/alloy/config.alloy')).toContain('host             = "tcp://socket-proxy:2375"');
    expect(upload(container('grafana'), '/etc/grafana/provisioning/datasources/platform.yml')).toContain('isDefault: true');
  });

  it('keeps 7 days of metrics and logs, on volumes registered for backups', () => {
    expect(container('victoriametrics').command).toContain('-retentionPeriod=7d');
    expect(uploaded(container('loki'), '/etc/loki/loki.yml')).toContain('retention_period: 168h');
    const volumes = platform.hosts.main.volumes.filter((volume) => ['victoriametrics', 'loki', 'grafana'].some((name) => volume.name === `${PREFIX}-${name}`));
    expect(volumes.map((volume) => [volume.name, volume.backup, volume.containers])).toEqual([
      [`${PREFIX}-victoriametrics`, 'stop', [`${PREFIX}-victoriametrics`]],
      [`${PREFIX}-loki`, 'stop', [`${PREFIX}-loki`]],
      [`${PREFIX}-grafana`, 'stop', [`${PREFIX}-grafana`]],
    ]);
  });

  it('scrapes the platform\'s parts, and the example app through the alias both its colours carry', () => {
    const jobs = scrapeJobs(platformConfig);
    expect(jobs.map((job) => job.job_name)).toEqual([
      'node-exporter', 'cadvisor', 'traefik', 'victoriametrics', 'vmagent', 'vmalert', 'alertmanager', 'grafana', 'loki', 'log-shipper', 'app-reader',
    ]);
    expect(jobs.find((job) => job.job_name === 'app-reader')).toMatchObject({
      metrics_path: '/metrics',
      dns_sd_configs: [{ names: ['app-reader'], type: 'A', port: 8080 }],
    });
    expect(aliasesOn(platformConfig, containerNamed(platformConfig, `${PREFIX}-reader-blue`), 'monitoring')).toEqual(['app-reader']);
  });

  it('sends alerts to ntfy.sh on a topic named after the project and environment, with no token by default', () => {
    const alertmanager = parse(uploaded(container('alertmanager'), '/etc/alertmanager/alertmanager.yml')) as any;
    const urls = alertmanager.receivers.map((receiver: any) => receiver.webhook_configs[0].url as string);
    expect(urls.every((url: string) => url.startsWith('https://ntfy.sh/mambo-production-alerts?'))).toBe(true);
    expect(alertmanager.receivers.every((receiver: any) => receiver.webhook_configs[0].http_config === undefined)).toBe(true);
  });

  it('renders the 14 default rules for vmalert, 6 critical and 8 warning', () => {
    const rules = rulesOf(platformConfig);
    expect(rules).toHaveLength(14);
    expect(rules.filter((rule) => rule.labels.severity === 'critical')).toHaveLength(6);
    expect(platform.observability.alertRules.rules.map((rule) => rule.name)).toEqual(rules.map((rule) => rule.alert));
  });

  it('serves Grafana on its hostname behind SSO with two factors, signing users in from the edge\'s headers alone', () => {
    const grafana = container('grafana');
    const labels = labelsOf(grafana);
    expect(labels['traefik.http.routers.grafana.rule']).toBe('Host(`grafana.mambo-cloud.example`)');
    expect(labels['traefik.http.routers.grafana.middlewares']).toBe('rate-global@file,security-headers@file,compression@file,sso@file');
    expect(labels['traefik.http.services.grafana.loadbalancer.server.port']).toBe('3000');
    expect(platform.sso?.protectedHostnames.get('grafana.mambo-cloud.example')).toBe('two_factor');
    expect(envOf(grafana)).toMatchObject({
      GF_AUTH_PROXY_ENABLED: 'true',
      GF_AUTH_PROXY_WHITELIST: platform.edges.main.webAddress,
      GF_AUTH_SIGNOUT_REDIRECT_URL: 'https://auth.mambo-cloud.example/logout',
      GF_SECURITY_ADMIN_PASSWORD__FILE: '/etc/grafana/admin-password',
    });
  });

  it('generates Grafana\'s admin password and gives it only as a sensitive output', () => {
    const grafana = container('grafana');
    expect(upload(grafana, '/etc/grafana/admin-password')).toMatch(/^\$\{random_password\.observability_grafana-admin-password_[0-9A-F]+\.result\}$/);
    expect(platformConfig.output.observability_grafana_admin_password).toMatchObject({ sensitive: true });
  });

  it('provisions VictoriaMetrics as the default datasource, Loki, and the platform dashboards as files', () => {
    const grafana = container('grafana');
    const datasources = (parse(upload(grafana, '/etc/grafana/provisioning/datasources/platform.yml')) as any).datasources;
    expect(datasources.map((source: any) => [source.name, source.url, source.isDefault ?? false])).toEqual([
      ['VictoriaMetrics', 'http://victoriametrics:8428', true], ['Loki', 'http://loki:3100', false], ['Alertmanager', 'http://alertmanager:9093', false],
    ]);
    const dashboards = grafana.upload.map((entry: any) => entry.file).filter((file: string) => file.endsWith('.json'));
    expect(dashboards).toEqual([
      '/etc/grafana/dashboards/platform/mambo-platform-health.json',
      '/etc/grafana/dashboards/platform/mambo-costs-resources.json',
      '/etc/grafana/dashboards/platform/mambo-app-reader.json',
    ]);
    expect(uploaded(grafana, '/etc/grafana/dashboards/platform/mambo-costs-resources.json')).toContain('Host price per month (cax11)');
    expect(uploaded(grafana, '/etc/grafana/dashboards/platform/mambo-app-reader.json')).toContain('reader-blue@docker');
  });

  it('leaves the community dashboards off until they are pinned, saying so in their folder', () => {
    const grafana = container('grafana');
    expect(upload(grafana, '/etc/grafana/dashboards/community/README.txt')).toContain('observability.communityDashboards');
    expect(Object.keys(resourcesOf(platformConfig, 'null_resource')).filter((id) => id.includes('community'))).toEqual([]);
  });
});

describe('the observability config', () => {
  it('serves Grafana behind basic auth where there is no SSO (staging), with its shorter retention', () => {
    const { platformConfig } = buildEnvironment(undefined, 'staging');
    const grafana = containerNamed(platformConfig, 'mambo-staging-grafana');
    expect(labelsOf(grafana)['traefik.http.routers.grafana.rule']).toBe('Host(`grafana.staging.mambo-cloud.example`)');
    expect(labelsOf(grafana)['traefik.http.routers.grafana.middlewares']).toBe('rate-global@file,security-headers@file,compression@file,basic-auth@file');
    expect(envOf(grafana).GF_AUTH_PROXY_ENABLED).toBeUndefined();
    expect(containerNamed(platformConfig, 'mambo-staging-victoriametrics').command).toContain('-retentionPeriod=3d');
    expect(uploaded(containerNamed(platformConfig, 'mambo-staging-loki'), '/etc/loki/loki.yml')).toContain('retention_period: 72h');
  });

  describe('with a protected ntfy topic, changed rules, a rule of its own and Promtail', () => {
    const { platformConfig, platformJson } = buildEnvironment(withObservability({
      retention: { metrics: '30d', logs: '2w' },
      scrapeInterval: '1m',
      logShipper: 'promtail',
      ntfy: { server: 'https://ntfy.example.com/', topic: 'ops-alerts', tokenEnv: 'TF_VAR_ntfy_alerts_token' },
      alerts: {
        overrides: { HostCpuHigh: { threshold: 70, for: '10m' }, ContainerRestarting: { enabled: false } },
        extra: [{
          name: 'ReaderFeedErrors', severity: 'warning', group: 'apps', expr: 'sum(rate(miniflux_feed_errors_total[5m])) > $threshold',
          threshold: 0.5, for: '15m', summary: 'Feeds fail to refresh', description: 'Open the reader and look at the failing feeds.',
        }],
      },
    }));
    const vmalert = containerNamed(platformConfig, `${PREFIX}-vmalert`);
    const alertmanager = containerNamed(platformConfig, `${PREFIX}-alertmanager`);

    it('reads the token from a sensitive variable into a file; the token itself is nowhere in the JSON', () => {
      expect(upload(alertmanager, '/etc/alertmanager/ntfy-token')).toBe('${var.ntfy_alerts_token}');
      expect(platformConfig.variable.ntfy_alerts_token).toMatchObject({ sensitive: true, nullable: false });
      const config = parse(uploaded(alertmanager, '/etc/alertmanager/alertmanager.yml')) as any;
      expect(config.receivers[0].webhook_configs[0]).toMatchObject({
        url: expect.stringMatching(/^https:\/\/ntfy\.example\.com\/ops-alerts\?/),
        http_config: { authorization: { type: 'Bearer', credentials_file: '/etc/alertmanager/ntfy-token' } },
      });
      expect(envOf(alertmanager)).not.toHaveProperty('NTFY_TOKEN');
      expect(platformJson.match(/ntfy_alerts_token/g)?.length).toBeGreaterThan(0);
      expect(platformJson).not.toMatch(/tk_[A-Za-z0-9]{20,}/);
    });

    it('changes a threshold and a duration, leaves a rule out and adds one, in the uploaded rule file', () => {
      const rules = rulesOf(platformConfig);
      expect(rules.find((rule) => rule.alert === 'HostCpuHigh')).toMatchObject({ for: '10m', expr: expect.stringMatching(/> 70$/) });
      expect(rules.some((rule) => rule.alert === 'ContainerRestarting')).toBe(false);
      expect(rules.find((rule) => rule.alert === 'ReaderFeedErrors')).toMatchObject({
        expr: 'sum(rate(miniflux_feed_errors_total[5m])) > 0.5', for: '15m', labels: { severity: 'warning' },
      });
      expect(rules).toHaveLength(14);
    });

    itWithTools('promtool')('passes promtool check rules on the uploaded content', () => {
      const files = workspace('observability-rules');
      try {
        const path = files.write('rules.yml', uploaded(vmalert, '/etc/vmalert/rules.yml'));
        const result = run('promtool', ['check', 'rules', path]);
        expect({ status: result.status, output: `${result.stdout}${result.stderr}` }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS: 14 rules found') });
      } finally {
        files.remove();
      }
    });

    itWithTools('amtool', 'vmagent')('gives Alertmanager and vmagent files their own checks accept', () => {
      const files = workspace('observability-configs');
      try {
        const token = files.write('ntfy-token', 'tk_test\n');
        const alertmanagerConfig = files.write('alertmanager.yml',
          uploaded(alertmanager, '/etc/alertmanager/alertmanager.yml').replace('/etc/alertmanager/ntfy-token', token));
        const checked = run('amtool', ['check-config', alertmanagerConfig]);
        expect({ status: checked.status, output: `${checked.stdout}${checked.stderr}` }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });

        const scrape = files.write('scrape.yml', uploaded(containerNamed(platformConfig, `${PREFIX}-vmagent`), '/etc/vmagent/scrape.yml'));
        const dryRun = run('vmagent', [`-promscrape.config=${scrape}`, '-promscrape.config.strictParse', '-promscrape.config.dryRun']);
        expect({ status: dryRun.status, log: dryRun.stderr.split('\n').filter((line) => /error|fatal/i.test(line)) }).toEqual({ status: 0, log: [] });
      } finally {
        files.remove();
      }
    });

    it('keeps its retention and scrape interval', () => {
      expect(containerNamed(platformConfig, `${PREFIX}-victoriametrics`).command).toContain('-retentionPeriod=30d');
      expect(uploaded(containerNamed(platformConfig, `${PREFIX}-loki`), '/etc/loki/loki.yml')).toContain('retention_period: 336h');
      expect((parse(uploaded(containerNamed(platformConfig, `${PREFIX}-vmagent`), '/etc/vmagent/scrape.yml')) as any).global.scrape_interval).toBe('1m');
    });

    it('ships logs with Promtail instead of Alloy, on its own port, within the budget', () => {
      const promtail = containerNamed(platformConfig, `${PREFIX}-promtail`);
      expect(() => containerNamed(platformConfig, `${PREFIX}-alloy`)).toThrow('no container named');
      expect(promtail.memory).toBe(OBSERVABILITY_FOOTPRINT.promtail.memoryMiB);
      expect(aliasesOn(platformConfig, promtail, 'monitoring')).toEqual(['promtail']);
      expect(uploaded(promtail, '/etc/promtail/promtail.yml')).toContain('http_listen_port: 9080');
      expect(scrapeJobs(platformConfig).find((job) => job.job_name === 'log-shipper').static_configs[0].targets).toEqual(['promtail:9080']);
    });
  });

  it('takes the environment\'s services.ntfy for alerts when observability names none, sharing its token variable', () => {
    const { platformConfig } = buildEnvironment((document) => {
      document.deleteIn([...OBSERVABILITY, 'ntfy']);
      document.setIn([...PRODUCTION, 'services', 'ntfy'],
        document.createNode({ server: 'https://ntfy.example.com', topic: 'mambo-ops', tokenEnv: 'TF_VAR_ntfy_token' }));
    });
    const config = parse(uploaded(containerNamed(platformConfig, `${PREFIX}-alertmanager`), '/etc/alertmanager/alertmanager.yml')) as any;
    expect(config.receivers[0].webhook_configs[0].url).toMatch(/^https:\/\/ntfy\.example\.com\/mambo-ops\?/);
    expect(upload(containerNamed(platformConfig, `${PREFIX}-alertmanager`), '/etc/alertmanager/ntfy-token')).toBe('${var.ntfy_token}');
  });

  it('fetches pinned community dashboards on the host into a volume Grafana reads, again whenever a pin changes', () => {
    const pins = Object.fromEntries(COMMUNITY_DASHBOARDS.map((pin, index) => [String(pin.id), { sha256: String(index + 1).repeat(64).slice(0, 64) }]));
    const build = (revision: number) => buildEnvironment(withObservability({
      communityDashboards: { enabled: true, pins: { ...pins, 1860: { revision, sha256: 'a'.repeat(64) } } },
    })).platformConfig;
    const config = build(37);
    const [id, fetch] = Object.entries(resourcesOf(config, 'null_resource')).find(([key]) => key.includes('community-dashboards')) as [string, any];
    expect(id).toMatch(/^observability_community-dashboards/);
    const script = fetch.provisioner.find((step: any) => step.file)?.file.content.replace(/\$\$\{/g, '${') as string;
    expect(script).toContain(`target_dir='/var/lib/docker/volumes/${PREFIX}-grafana-community/_data'`);
    expect(script).toContain(`install_dashboard 1860 37 ${'a'.repeat(64)} victoriametrics`);
    expect(fetch.connection).toMatchObject({ user: 'root' });
    const grafana = containerNamed(config, `${PREFIX}-grafana`);
    expect(grafana.volumes).toEqual(expect.arrayContaining([
      expect.objectContaining({ container_path: '/etc/grafana/dashboards/community', read_only: true }),
    ]));
    expect(grafana.upload.map((entry: any) => entry.file)).not.toContain('/etc/grafana/dashboards/community/README.txt');

    const repinned = Object.values(resourcesOf(build(38), 'null_resource')).find((resource: any) => resource.provisioner?.some((step: any) => step.file)) as any;
    expect(repinned.triggers.script).not.toBe(fetch.triggers.script);
  });

  it('refuses to switch community dashboards on while a pin has no sha256, naming the command that makes one', () => {
    expect(() => specOf(withObservability({ communityDashboards: { enabled: true, pins: { 1860: { sha256: 'b'.repeat(64) } } } })))
      .toThrow(/observability\.communityDashboards\.enabled: found true with 4 dashboard\(s\) not pinned yet \(17346, 193, 11176, 13639\); expected a sha256 for each under communityDashboards\.pins\.<id> \(17346: curl -sL https:\/\/grafana\.com\/api\/dashboards\/17346\/revisions\/9\/download \| sha256sum/);
    expect(() => specOf(withObservability({ communityDashboards: { pins: { 999: { sha256: 'b'.repeat(64) } } } })))
      .toThrow(/communityDashboards\.pins\.999: found dashboard 999; expected one of the community dashboards: 1860, 17346, 193, 11176, 13639/);
  });

  it('names the known rules when an override names none', () => {
    expect(() => specOf(withObservability({ alerts: { overrides: { HostCpuHgh: { threshold: 70 } } } })))
      .toThrow(/observability\.alerts\.overrides\.HostCpuHgh: found a rule named "HostCpuHgh"; expected one of the known rules: HostCpuHigh, HostCpuCritical, .*MetricsPipelineStalled/);
  });

  it('refuses a bad duration, a bad threshold and a threshold on a rule that compares nothing', () => {
    expect(() => specOf(withObservability({ alerts: { overrides: { HostCpuHigh: { for: '5min' } } } })))
      .toThrow(/alerts\.overrides\.HostCpuHigh\.for: found "5min"; expected a duration: a whole number and one unit, such as 30s, 5m, 2h or 7d/);
    expect(() => specOf(withObservability({ alerts: { overrides: { HostCpuHigh: { threshold: 'high' } } } })))
      .toThrow(/alerts\.overrides\.HostCpuHigh\.threshold: found "high"; expected a number/);
    expect(() => specOf(withObservability({ alerts: { overrides: { TargetDown: { threshold: 1 } } } })))
      .toThrow(/alerts\.overrides\.TargetDown: found an override of TargetDown; expected an override the rule allows; .*TargetDown has no threshold/);
  });

  it('refuses an extra rule with a default\'s name, a threshold its expression has no place for, or a bad name', () => {
    const rule = { severity: 'warning', expr: 'up == 0', for: '5m', summary: 's', description: 'd' };
    expect(() => specOf(withObservability({ alerts: { extra: [{ ...rule, name: 'TargetDown' }] } })))
      .toThrow(/alerts\.extra\[0\]: found rule "TargetDown"; expected a rule vmalert accepts; extra alert rule "TargetDown" has the name of a default rule/);
    expect(() => specOf(withObservability({ alerts: { extra: [{ ...rule, name: 'AppDown', threshold: 3 }] } })))
      .toThrow(/alerts\.extra\[0\]: .*sets threshold 3 but its expression has no \$threshold/);
    expect(() => specOf(withObservability({ alerts: { extra: [{ ...rule, name: 'app-down' }] } })))
      .toThrow(/alerts\.extra\[0\]\.name: found "app-down"; expected a PascalCase alert name/);
  });

  it('refuses an extra rule whose expression is not PromQL, before vmalert would on the host', () => {
    const rule = { name: 'AppDown', severity: 'warning', expr: 'sum(up{job="app"} > 0', for: '5m', summary: 's', description: 'd' };
    expect(() => specOf(withObservability({ alerts: { extra: [rule] } })))
      .toThrow(/alerts\.extra\[0\]: found rule "AppDown"; expected a rule vmalert accepts; .*not valid PromQL \(at character \d+\)/);
  });

  it('refuses retention under a day for metrics, partial days for logs, and a scrape interval under the timeout', () => {
    expect(() => specOf(withObservability({ retention: { metrics: '12h' } }))).toThrow(/retention\.metrics: found "12h"; expected at least 1d/);
    expect(() => specOf(withObservability({ retention: { logs: '36h' } }))).toThrow(/retention\.logs: found "36h"; expected whole days or weeks/);
    expect(() => specOf(withObservability({ scrapeInterval: '5s' }))).toThrow(/scrapeInterval: found "5s"; expected at least 10s, the scrape timeout/);
    expect(() => specOf(withObservability({ logShipper: 'fluentd' }))).toThrow(/logShipper: found "fluentd"; expected one of "alloy", "promtail"/);
  });
});

describe('ObservabilityStack as a library construct', () => {
  function hostWithEdge(stack: TerraformStack, socketProxyReads = OBSERVABILITY_SOCKET_READS) {
    new RandomProvider(stack, 'random');
    const host = new DockerHost(stack, 'host', { hostName: 'main', namePrefix: 'lib', address: '203.0.113.10', serverType: SERVER_TYPES.cax11 });
    for (const [index, name] of ['web', 'monitoring', 'socket', 'edge'].entries()) {
      host.addNetwork(name, { subnet: `172.31.${index}.0/24`, internal: name !== 'edge' });
    }
    const edge = new TraefikEdge(stack, 'edge', {
      host, webNetwork: host.network('web'), socketNetwork: host.network('socket'), egressNetwork: host.network('edge'),
      acmeEmail: 'ops@example.com', basicAuthUsers: '', domains: ['example.com'], socketProxyReads,
    });
    return { host, edge };
  }

  it('scrapes, and gives a dashboard to, an app added after it', () => {
    const stack = new TerraformStack(Testing.app(), 'late');
    const { host, edge } = hostWithEdge(stack);
    const observability = new ObservabilityStack(stack, 'observability', {
      host, edge, grafanaHostname: 'grafana.example.com', ntfy: { serverUrl: 'https://ntfy.sh', topic: 'lib-alerts' },
    });
    observability.alertRules.disable('HostDiskFillingUp');
    new PlatformApp(stack, 'shop', {
      host, edge, name: 'shop', image: 'ghcr.io/acme/shop:1.0.0', port: 3000, hostnames: ['shop.example.com'], subnet: '172.31.9.0/24',
      metrics: { path: '/prom', port: 9102 },
    });
    new TerraformOutput(stack, 'scrape', { value: observability.scrapeConfig() });
    const config = JSON.parse(Testing.synth(stack, true));
    const containers = Object.values(resourcesOf(config, 'docker_container')) as any[];
    const vmagent = containers.find((candidate) => candidate.name === 'lib-vmagent');
    const grafana = containers.find((candidate) => candidate.name === 'lib-grafana');
    const vmalert = containers.find((candidate) => candidate.name === 'lib-vmalert');

    expect((parse(uploaded(vmagent, '/etc/vmagent/scrape.yml')) as any).scrape_configs.find((job: any) => job.job_name === 'app-shop')).toMatchObject({
      metrics_path: '/prom', dns_sd_configs: [{ names: ['app-shop'], type: 'A', port: 9102 }],
    });
    expect(grafana.upload.map((entry: any) => entry.file)).toContain('/etc/grafana/dashboards/platform/mambo-app-shop.json');
    expect(uploaded(vmalert, '/etc/vmalert/rules.yml')).not.toContain('HostDiskFillingUp');
    expect(labelsOf(grafana)['traefik.http.routers.grafana.middlewares']).toBe('rate-global@file,security-headers@file,compression@file,basic-auth@file');
  });

  it('refuses an edge whose socket proxy would refuse cAdvisor and the log shipper', () => {
    const stack = new TerraformStack(Testing.app(), 'closed');
    const { host, edge } = hostWithEdge(stack, []);
    expect(() => new ObservabilityStack(stack, 'observability', {
      host, edge, grafanaHostname: 'grafana.example.com', ntfy: { serverUrl: 'https://ntfy.sh', topic: 'lib-alerts' },
    })).toThrow(/socket proxy refuses info and networks reads, which cAdvisor and the log shipper make; expected the edge built with socketProxyReads/);
  });

  it('refuses Grafana behind SSO without an SSO, or without the edge\'s fixed address to trust', () => {
    const stack = new TerraformStack(Testing.app(), 'nosso');
    const { host, edge } = hostWithEdge(stack);
    const gate = { middleware: 'sso@file', protect: () => undefined };
    expect(() => new ObservabilityStack(stack, 'observability', {
      host, edge, grafanaHostname: 'grafana.example.com', grafanaAuth: 'sso', sso: gate, ntfy: { serverUrl: 'https://ntfy.sh', topic: 'lib-alerts' },
    })).toThrow(/trusts identity headers from the edge's address only; expected the edge built with a pinned webAddress/);
  });
});

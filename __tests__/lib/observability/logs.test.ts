import { parse } from 'yaml';
import { logShipperArgs, renderAlloyConfig, renderLogShipperConfig, renderPromtailConfig } from '../../../lib/observability/log-shipper';
import { renderLokiConfig } from '../../../lib/observability/loki';
import { itWithTools } from '../../support/tools';
import { workspace, yamllint } from './support/workspace';

describe('Loki config', () => {
  const loki = parse(renderLokiConfig()) as Record<string, Record<string, unknown>>;

  it('stores on the filesystem with the TSDB v13 schema', () => {
    expect(loki.common).toMatchObject({ path_prefix: '/loki', storage: { filesystem: { chunks_directory: '/loki/chunks' } } });
    expect(loki.schema_config).toEqual({
      configs: [{ from: '2024-01-01', store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'index_', period: '24h' } }],
    });
  });

  it('keeps logs 7 days by default and lets the compactor delete older ones', () => {
    expect(loki.limits_config.retention_period).toBe('168h');
    expect(loki.compactor).toMatchObject({ retention_enabled: true, delete_request_store: 'filesystem' });
    expect((parse(renderLokiConfig({ retention: '30d' })) as typeof loki).limits_config.retention_period).toBe('720h');
  });

  it('caps the embedded caches that would otherwise take 100 MiB each', () => {
    expect(loki.query_range).toEqual({ cache_results: true, results_cache: { cache: { embedded_cache: { enabled: true, max_size_mb: 32 } } } });
    expect(loki.chunk_store_config).toEqual({ chunk_cache_config: { embedded_cache: { enabled: true, max_size_mb: 32 } } });
  });

  it('quotes the schema date so Go reads a string, and listens on the modelled port', () => {
    expect(renderLokiConfig()).toContain('from: "2024-01-01"');
    expect((parse(renderLokiConfig({ addresses: { loki: '127.0.0.1:13100' } })) as typeof loki).server.http_listen_port).toBe(13100);
  });

  it('refuses a retention that is not whole days', () => {
    expect(() => renderLokiConfig({ retention: '36h' })).toThrow(/whole number of days/);
  });
});

describe('log shipper', () => {
  const model = { dockerHost: 'tcp://socket-proxy:2375' };

  it('Alloy labels each container\'s logs with its name and its mambo.app label, and pushes to Loki', () => {
    const alloy = renderAlloyConfig(model);
    expect(alloy).toContain('source_labels = ["__meta_docker_container_name"]\n    regex         = "/(.*)"\n    target_label  = "container"');
    expect(alloy).toContain('source_labels = ["__meta_docker_container_label_mambo_app"]\n    target_label  = "app"');
    expect(alloy).toContain('url = "http://loki:3100/loki/api/v1/push"');
    expect(alloy).toContain('host             = "tcp://socket-proxy:2375"');
  });

  it('Alloy config is well formed: balanced blocks, every referenced component defined', () => {
    const alloy = renderAlloyConfig(model);
    expect((alloy.match(/\{/g) ?? []).length).toBe((alloy.match(/\}/g) ?? []).length);
    const defined = [...alloy.matchAll(/^([a-z_.]+) "([a-z_]+)" \{/gm)].map((match) => `${match[1]}.${match[2]}`);
    const referenced = [...alloy.matchAll(/= \[?((?:discovery|loki)\.[a-z_]+\.[a-z_]+)\./g)].map((match) => match[1]);
    expect(referenced.length).toBeGreaterThan(0);
    for (const reference of referenced) expect(defined).toContain(reference);
  });

  it('Promtail applies the same labels', () => {
    const promtail = parse(renderPromtailConfig(model)) as { scrape_configs: { relabel_configs: { target_label: string }[] }[] };
    expect(promtail.scrape_configs[0].relabel_configs.map((rule) => rule.target_label)).toEqual(['container', 'app', 'stream']);
  });

  it('picks Alloy or Promtail, with the matching container command', () => {
    expect(renderLogShipperConfig('alloy', model)).toContain('loki.source.docker');
    expect(renderLogShipperConfig('promtail', model)).toContain('docker_sd_configs');
    expect(logShipperArgs('alloy')).toEqual(['run', '--server.http.listen-addr=0.0.0.0:12345', '--storage.path=/var/lib/alloy/data', '/etc/alloy/config.alloy']);
    expect(logShipperArgs('promtail')).toEqual(['-config.file=/etc/promtail/promtail.yml']);
  });

  it('refuses a Docker endpoint it cannot use', () => {
    expect(() => renderAlloyConfig({ dockerHost: 'socket-proxy' })).toThrow(/not a Docker endpoint/);
  });
});

itWithTools('yamllint')('Loki and Promtail configs pass yamllint', () => {
  const files = workspace('logs');
  try {
    const paths = [files.write('loki.yml', renderLokiConfig()), files.write('promtail.yml', renderPromtailConfig({ dockerHost: 'unix:///var/run/docker.sock' }))];
    expect(yamllint(...paths)).toEqual({ status: 0, output: '' });
  } finally {
    files.remove();
  }
});

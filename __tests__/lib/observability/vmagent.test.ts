import { parse } from 'yaml';
import { renderScrapeConfig, SCRAPE_JOBS } from '../../../lib/observability/vmagent';
import { vmagentFlags } from '../../../lib/observability/victoria-metrics';
import { itWithTools, run } from '../../support/tools';
import { workspace, yamllint } from './support/workspace';

interface ScrapeJob { job_name: string; metrics_path?: string; static_configs: { targets: string[]; labels?: Record<string, string> }[] }

describe('vmagent scrape config', () => {
  const text = renderScrapeConfig({ apps: [{ app: 'shop', address: 'shop:9102' }, { app: 'blog', address: 'blog:8080', path: '/prom', interval: '1m' }] });
  const jobs = (parse(text) as { scrape_configs: ScrapeJob[] }).scrape_configs;

  it('scrapes the exporters and every part of the observability stack', () => {
    expect(jobs.map((job) => job.job_name)).toEqual([...Object.values(SCRAPE_JOBS), 'app-shop', 'app-blog']);
    expect(jobs.find((job) => job.job_name === 'node-exporter')?.static_configs[0].targets).toEqual(['node-exporter:9100']);
  });

  it('labels each opted-in app with its name', () => {
    expect(jobs.find((job) => job.job_name === 'app-blog')).toMatchObject({
      metrics_path: '/prom', scrape_interval: '1m', static_configs: [{ targets: ['blog:8080'], labels: { app: 'blog' } }],
    });
  });

  it('finds every container of an app behind its network alias, so a blue/green release never changes the file', () => {
    const withColours = parse(renderScrapeConfig({ apps: [{ app: 'reader', address: 'app-reader:8080', everyContainer: true }] })) as
      { scrape_configs: Record<string, unknown>[] };
    expect(withColours.scrape_configs.find((job) => job.job_name === 'app-reader')).toEqual({
      job_name: 'app-reader',
      metrics_path: '/metrics',
      dns_sd_configs: [{ names: ['app-reader'], type: 'A', port: 8080 }],
      relabel_configs: [{ target_label: 'app', replacement: 'reader' }],
    });
  });

  itWithTools('vmagent')('accepts the alias lookup under strict parsing', () => {
    const files = workspace('vmagent');
    try {
      const path = files.write('scrape.yml', renderScrapeConfig({ apps: [{ app: 'reader', address: 'app-reader:8080', everyContainer: true }] }));
      const result = run('vmagent', [`-promscrape.config=${path}`, '-promscrape.config.strictParse', '-promscrape.config.dryRun']);
      expect({ status: result.status, log: result.stderr.split('\n').filter((line) => /error|fatal/i.test(line)) })
        .toEqual({ status: 0, log: [] });
    } finally {
      files.remove();
    }
  });

  it('takes container addresses from the model, so tests can point it at loopback', () => {
    const local = parse(renderScrapeConfig({ addresses: { victoriaMetrics: '127.0.0.1:18428' } })) as { scrape_configs: ScrapeJob[] };
    expect(local.scrape_configs.find((job) => job.job_name === 'victoriametrics')?.static_configs[0].targets).toEqual(['127.0.0.1:18428']);
  });

  it('keeps per-container CPU while dropping cAdvisor families nobody reads', () => {
    const cadvisor = jobs.find((job) => job.job_name === 'cadvisor') as unknown as { metric_relabel_configs: { regex: string }[] };
    const dropped = new RegExp(`^${cadvisor.metric_relabel_configs[0].regex}$`);
    expect(dropped.test('container_tasks_state')).toBe(true);
    expect(dropped.test('container_cpu_usage_seconds_total')).toBe(false);
    expect(dropped.test('container_memory_working_set_bytes')).toBe(false);
  });

  it('refuses a duplicate app, a bad address and a timeout longer than the interval', () => {
    expect(() => renderScrapeConfig({ apps: [{ app: 'shop', address: 'shop:1' }, { app: 'shop', address: 'shop:2' }] })).toThrow(/listed twice/);
    expect(() => renderScrapeConfig({ apps: [{ app: 'shop', address: 'shop' }] })).toThrow(/not host:port/);
    expect(() => renderScrapeConfig({ scrapeInterval: '5s', scrapeTimeout: '10s' })).toThrow(/longer than scrapeInterval/);
  });

  itWithTools('vmagent')('passes vmagent -promscrape.config.dryRun with strict parsing', () => {
    const files = workspace('vmagent');
    try {
      const path = files.write('scrape.yml', text);
      const result = run('vmagent', [`-promscrape.config=${path}`, '-promscrape.config.strictParse', '-promscrape.config.dryRun']);
      expect({ status: result.status, log: result.stderr.split('\n').filter((line) => /error|fatal/i.test(line)) })
        .toEqual({ status: 0, log: [] });
    } finally {
      files.remove();
    }
  });

  itWithTools('vmagent')('starts with the platform flags (vmagent -dryRun)', () => {
    const files = workspace('vmagent');
    try {
      const path = files.write('scrape.yml', text);
      const flags = vmagentFlags({ scrapeConfigPath: path, bufferPath: `${files.dir}/buffer` });
      const result = run('vmagent', [...flags, '-dryRun']);
      expect({ status: result.status, log: result.stderr.split('\n').filter((line) => /error|fatal/i.test(line)) })
        .toEqual({ status: 0, log: [] });
    } finally {
      files.remove();
    }
  });

  itWithTools('yamllint')('passes yamllint', () => {
    const files = workspace('vmagent');
    try {
      expect(yamllint(files.write('scrape.yml', text))).toEqual({ status: 0, output: '' });
    } finally {
      files.remove();
    }
  });
});

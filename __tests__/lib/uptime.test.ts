// The uptime prober's files: probes derived from every hostname the environment serves, and each file checked by
// the tool that reads it (promtool, the blackbox exporter, amtool, yamllint); the probe alerts proved with
// `promtool test rules`: down for 2 minutes fires and not before, a certificate under 7 days fires.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import { join } from 'node:path';

import { stringify } from 'yaml';

import { PROBE_MODULES, PROBER_BASIC_AUTH_FILE, renderUptimeProberFiles, resolveUptimeAlertRules, UptimeModel, uptimeJob, UPTIME_FILES } from '../../lib/uptime';
import { configText, PRODUCTION, specOf } from '../support/platform';
import { hasTool, itWithTools, run } from '../support/tools';
import { freePort, ProcessGroup } from './observability/support/processes';
import { expandAnnotation } from './observability/support/promtool-tests';
import { workspace, yamllint } from './observability/support/workspace';

const services = { ntfy: { topic: 'mambo-ops', tokenEnv: 'TF_VAR_ntfy_token' }, uptime: { enabled: true } };

function uptimeSpec(change: (document: any) => void = () => undefined) {
  const spec = specOf((document) => {
    document.setIn([...PRODUCTION, 'services'], document.createNode(services));
    document.setIn(['environments', 'staging', 'services'], document.createNode(services));
    change(document);
  });
  return spec;
}

function modelOf(environment: { name: string; services: { uptime?: Omit<UptimeModel, 'environment'> } }): UptimeModel {
  return { ...environment.services.uptime!, environment: environment.name };
}

describe('the uptime probes', () => {
  const spec = uptimeSpec();

  it.each(['production', 'staging'])('cover every hostname %s serves but the hosts\' own names, derived, not listed', (name) => {
    const environment = spec.environments.find((candidate) => candidate.name === name)!;
    const served = environment.hostnames.filter((hostname) => !hostname.service.startsWith('host.')).map((hostname) => `https://${hostname.fqdn}/`);
    expect(environment.services.uptime!.targets.map((target) => target.url).sort()).toEqual(served.sort());
    expect(served.length).toBeGreaterThanOrEqual(4);
    expect(environment.services.uptime!.targets.some((target) => target.url.includes('reader.'))).toBe(true);
  });

  it('follow new apps and services without being told', () => {
    const grown = uptimeSpec((document) => {
      document.setIn([...PRODUCTION, 'apps', 'notes'], document.createNode({ from: 'template', hostnames: ['notes', 'notes.mambo-shop.example'] }));
      document.setIn([...PRODUCTION, 'services', 'registry'], document.createNode({ enabled: true }));
    });
    const urls = grown.environments[0].services.uptime!.targets.map((target) => target.url);
    expect(urls).toEqual(expect.arrayContaining([
      'https://notes.mambo-cloud.example/', 'https://notes.mambo-shop.example/', 'https://registry.mambo-cloud.example/',
    ]));
  });

  it('sign in where the edge asks for basic auth, so fail2ban never counts the prober\'s requests', () => {
    const plain = uptimeSpec((document) => document.deleteIn([...PRODUCTION, 'sso'])).environments[0];
    const auth = Object.fromEntries(plain.services.uptime!.targets.map((target) => [target.service, target.auth]));
    expect(auth).toMatchObject({ 'platform.traefik': 'basic', 'platform.backoffice': 'basic', 'app.reader': 'none', 'platform.grafana': 'none' });
    const sso = spec.environments[0].services.uptime!.targets;
    expect(sso.every((target) => target.auth === 'none')).toBe(true);
  });

  it('check staging\'s certificates for expiry without trusting the chain (Let\'s Encrypt staging)', () => {
    const [production, staging] = spec.environments.map(modelOf);
    expect(renderUptimeProberFiles(production)[UPTIME_FILES.blackbox]).toContain('insecure_skip_verify: false');
    expect(renderUptimeProberFiles(staging)[UPTIME_FILES.blackbox]).toContain('insecure_skip_verify: true');
  });

  it('route each URL to its module through the scrape config', () => {
    const files = renderUptimeProberFiles(modelOf(uptimeSpec((document) => document.deleteIn([...PRODUCTION, 'sso'])).environments[0]));
    expect(files[UPTIME_FILES.prometheus]).toContain(`__param_module: ${PROBE_MODULES.basic}`);
    expect(files[UPTIME_FILES.prometheus]).toContain('replacement: 127.0.0.1:9115');
    expect(files[UPTIME_FILES.alertmanager]).toContain('credentials_file: /etc/prometheus/uptime-ntfy-token');
    expect(files[UPTIME_FILES.readme]).toContain('https://reader.mambo-cloud.example/');
  });

  it('need an ntfy topic to alert to', () => {
    expect(() => specOf((document) => document.setIn([...PRODUCTION, 'services'], document.createNode({ uptime: { enabled: true } }))))
      .toThrow(/environments\.production\.services\.ntfy: found uptime probes without an ntfy topic; expected services\.ntfy/);
  });
});

describe('the prober\'s files, read by their own tools', () => {
  const environments = uptimeSpec((document) => document.deleteIn([...PRODUCTION, 'sso'])).environments.map(modelOf);

  function written(model: UptimeModel) {
    const files = workspace('uptime');
    for (const [name, content] of Object.entries(renderUptimeProberFiles(model))) files.write(name, content);
    return files;
  }

  itWithTools('promtool')('are a valid Prometheus config with valid rules', () => {
    for (const model of environments) {
      const files = written(model);
      try {
        const result = run('promtool', ['check', 'config', `${files.dir}/${UPTIME_FILES.prometheus}`]);
        expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS: 3 rules found');
        expect(result.status).toBe(0);
      } finally {
        files.remove();
      }
    }
  });

  itWithTools('prometheus-blackbox-exporter')('are modules the blackbox exporter accepts', () => {
    const files = written(environments[0]);
    try {
      const result = run('prometheus-blackbox-exporter', ['--config.check', `--config.file=${files.dir}/${UPTIME_FILES.blackbox}`]);
      expect(`${result.stdout}${result.stderr}`).toContain('Config file is ok');
      expect(result.status).toBe(0);
    } finally {
      files.remove();
    }
  });

  itWithTools('amtool')('route to ntfy in a config amtool accepts', () => {
    const files = written(environments[0]);
    try {
      const result = run('amtool', ['check-config', `${files.dir}/${UPTIME_FILES.alertmanager}`]);
      expect(result.status).toBe(0);
    } finally {
      files.remove();
    }
  });

  itWithTools('yamllint')('are clean YAML', () => {
    const files = written(environments[0]);
    try {
      const yamlFiles = Object.values(UPTIME_FILES).filter((name) => name.endsWith('.yml')).map((name) => `${files.dir}/${name}`);
      const { status, output } = yamllint(...yamlFiles);
      expect(output).toBe('');
      expect(status).toBe(0);
    } finally {
      files.remove();
    }
  });
});

describe('the probe alerts under promtool test rules', () => {
  const environment = 'production';
  const job = uptimeJob(environment);
  const rules = Object.fromEntries(resolveUptimeAlertRules(environment).map((rule) => [rule.name, rule]));
  const target = { job, instance: 'https://reader.mambo-cloud.example/', service: 'app.reader', environment };
  const series = (name: string, values: string) => ({
    series: `${name}{${Object.entries(target).map(([key, value]) => `${key}="${value}"`).join(',')}}`,
    values,
  });
  const firing = (name: string, value: number) => {
    const rule = rules[name];
    const labels = { ...target, ...rule.labels, severity: rule.severity };
    return {
      exp_labels: labels,
      exp_annotations: { summary: expandAnnotation(rule.summary, labels, value), description: expandAnnotation(rule.description, labels, value) },
    };
  };

  function promtoolTest(tests: unknown[]): { status: number | null; output: string } {
    const files = workspace('uptime-rules');
    try {
      const model = modelOf(uptimeSpec().environments[0]);
      files.write('uptime-rules.yml', renderUptimeProberFiles(model)[UPTIME_FILES.rules]);
      files.write('test.yml', stringify({ rule_files: ['uptime-rules.yml'], evaluation_interval: '15s', tests }, { lineWidth: 0 }));
      const result = run('promtool', ['test', 'rules', 'test.yml'], { cwd: files.dir });
      return { status: result.status, output: `${result.stdout}${result.stderr}` };
    } finally {
      files.remove();
    }
  }

  itWithTools('promtool')('fire UrlDown after 2 minutes down, not before, and never for a URL that answers', () => {
    const result = promtoolTest([
      {
        interval: '15s',
        input_series: [series('probe_success', '0x40'), series('up', '1x40')],
        alert_rule_test: [
          { eval_time: '1m45s', alertname: 'UrlDown', exp_alerts: [] },
          { eval_time: '2m15s', alertname: 'UrlDown', exp_alerts: [firing('UrlDown', 0)] },
          { eval_time: '9m', alertname: 'UptimeProberBlind', exp_alerts: [] },
        ],
      },
      {
        interval: '15s',
        input_series: [series('probe_success', '1x40')],
        alert_rule_test: [{ eval_time: '9m', alertname: 'UrlDown', exp_alerts: [] }],
      },
      {
        // Up again after 90 seconds down: the `for` window never completes.
        interval: '15s',
        input_series: [series('probe_success', '0x5 1x35')],
        alert_rule_test: [{ eval_time: '5m', alertname: 'UrlDown', exp_alerts: [] }],
      },
    ]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  itWithTools('promtool')('fire UrlCertificateExpiring under 7 days left, and stay quiet at 8', () => {
    const day = 86_400;
    const result = promtoolTest([
      {
        interval: '15s',
        // 3 days left at the 15-minute check.
        input_series: [series('probe_ssl_earliest_cert_expiry', `${3 * day + 900}x80`), series('probe_success', '1x80')],
        alert_rule_test: [
          { eval_time: '5m', alertname: 'UrlCertificateExpiring', exp_alerts: [] },
          { eval_time: '15m', alertname: 'UrlCertificateExpiring', exp_alerts: [firing('UrlCertificateExpiring', 3)] },
        ],
      },
      {
        interval: '15s',
        input_series: [series('probe_ssl_earliest_cert_expiry', `${8 * day + 900}x80`)],
        alert_rule_test: [{ eval_time: '15m', alertname: 'UrlCertificateExpiring', exp_alerts: [] }],
      },
    ]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  itWithTools('promtool')('fire UptimeProberBlind when the blackbox exporter stops answering for 5 minutes', () => {
    const result = promtoolTest([{
      interval: '15s',
      input_series: [series('up', '0x40')],
      alert_rule_test: [
        { eval_time: '4m45s', alertname: 'UptimeProberBlind', exp_alerts: [] },
        { eval_time: '5m15s', alertname: 'UptimeProberBlind', exp_alerts: [firing('UptimeProberBlind', 0)] },
      ],
    }]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});

describe('npm run synth with uptime switched on', () => {
  it('writes each environment\'s prober files beside the stacks and says where they went', () => {
    const files = workspace('uptime-synth');
    try {
      const config = configText((document) => {
        document.setIn([...PRODUCTION, 'services'], document.createNode(services));
      });
      const configFile = files.write('platform.yaml', config);
      const outdir = join(files.dir, 'cdktf.out');
      const root = join(__dirname, '..', '..');
      const result = run(process.execPath, ['-r', 'ts-node/register/transpile-only', join(root, 'main.ts'), '--config', configFile], {
        cwd: root,
        env: { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' },
      });
      expect(result.status).toBe(0);
      expect(readdirSync(join(outdir, 'uptime'))).toEqual(['production']);
      expect(readdirSync(join(outdir, 'uptime', 'production')).sort()).toEqual(Object.values(UPTIME_FILES).sort());
      expect(readFileSync(join(outdir, 'uptime', 'production', UPTIME_FILES.prometheus), 'utf8')).toContain('https://reader.mambo-cloud.example/');
      expect(result.stdout).toMatch(/Uptime prober for production: \d+ URLs in .*uptime\/production/);
    } finally {
      files.remove();
    }
  }, 120_000);
});

describe('the probe modules, run by a real blackbox exporter', () => {
  const processes = new ProcessGroup();
  const files = workspace('uptime-probe');
  let exporter = '';
  let site = '';
  let server: Server | undefined;

  beforeAll(async () => {
    if (!hasTool('prometheus-blackbox-exporter') || !hasTool('openssl')) return;
    run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${files.dir}/key.pem`, '-out', `${files.dir}/cert.pem`,
      '-days', '3', '-subj', '/CN=127.0.0.1']);
    // The edge as the probes see it: a live app, a router gone (404), a failing app, SSO's redirect, basic auth.
    server = createServer({ key: readFileSync(`${files.dir}/key.pem`), cert: readFileSync(`${files.dir}/cert.pem`) }, (request, response) => {
      const expected = `Basic ${Buffer.from('uptime:probe-password').toString('base64')}`;
      const status = ({ '/ok': 200, '/gone': 404, '/broken': 502, '/sso': 302 } as Record<string, number>)[request.url ?? '']
        ?? (request.url === '/basic' ? (request.headers.authorization === expected ? 200 : 401) : 404);
      response.writeHead(status, status === 302 ? { Location: 'https://auth.example/' } : {}).end();
    });
    const sitePort = await freePort();
    await new Promise<void>((resolve) => server!.listen(sitePort, '127.0.0.1', resolve));
    site = `https://127.0.0.1:${sitePort}`;

    const model = { ...modelOf(uptimeSpec().environments[1]), basicAuthUser: 'uptime' };
    const config = renderUptimeProberFiles(model)[UPTIME_FILES.blackbox].replace(PROBER_BASIC_AUTH_FILE, `${files.dir}/password`);
    files.write('password', 'probe-password');
    files.write('blackbox.yml', config);
    const port = await freePort();
    exporter = `http://127.0.0.1:${port}`;
    processes.start('blackbox', 'prometheus-blackbox-exporter', [`--config.file=${files.dir}/blackbox.yml`, `--web.listen-address=127.0.0.1:${port}`], `${files.dir}/blackbox.log`);
    await processes.waitUntilReady('blackbox', `${exporter}/-/healthy`);
  }, 60_000);

  afterAll(async () => {
    await processes.stopAll();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    files.remove();
  });

  async function probe(path: string, module: string): Promise<Record<string, number>> {
    const response = await fetch(`${exporter}/probe?module=${module}&target=${encodeURIComponent(`${site}${path}`)}`);
    const text = await response.text();
    return Object.fromEntries(text.split('\n').filter((line) => /^probe_[a-z_]+ /.test(line)).map((line) => [line.split(' ')[0], Number(line.split(' ')[1])]));
  }

  itWithTools('prometheus-blackbox-exporter', 'openssl')('count a live app and SSO\'s redirect as up, a missing router and a 5xx as down', async () => {
    expect((await probe('/ok', PROBE_MODULES.none)).probe_success).toBe(1);
    expect((await probe('/sso', PROBE_MODULES.none)).probe_success).toBe(1);
    expect((await probe('/gone', PROBE_MODULES.none)).probe_success).toBe(0);
    expect((await probe('/broken', PROBE_MODULES.none)).probe_success).toBe(0);
  });

  itWithTools('prometheus-blackbox-exporter', 'openssl')('sign in where the edge asks for basic auth', async () => {
    expect((await probe('/basic', PROBE_MODULES.basic)).probe_success).toBe(1);
  });

  itWithTools('prometheus-blackbox-exporter', 'openssl')('report the certificate\'s expiry, which the alert compares with 7 days', async () => {
    const metrics = await probe('/ok', PROBE_MODULES.none);
    const days = (metrics.probe_ssl_earliest_cert_expiry - Date.now() / 1000) / 86_400;
    expect(days).toBeGreaterThan(2.9);
    expect(days).toBeLessThan(3.1);
  });
});

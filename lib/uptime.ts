// Uptime checks from outside the host: every public URL of an environment probed by a blackbox exporter on
// another machine, with the Prometheus scrape config, alert rules (down for 2 minutes, certificate expiring
// within 7 days, the prober itself blind) and Alertmanager routing to ntfy that run beside it. Pure
// renderers; main.ts writes the files to cdktf.out/uptime/<env>/ and the README says how to install them.

import { AlertRuleSpec, ResolvedAlertRule, renderAlertRuleFile, resolveAlertRules } from './observability/alert-rules';
import { renderAlertmanagerConfig } from './observability/alertmanager';
import { Duration, durationSeconds } from './duration';
import { renderYaml } from './observability/yaml';
import type { UptimeSpec } from './optional-services';

/** Where the files go on the prober (Debian's prometheus, prometheus-blackbox-exporter, prometheus-alertmanager). */
export const PROBER_CONFIG_DIR = '/etc/prometheus';
/** The edge basic-auth password of the probing user, for URLs behind basic auth. */
export const PROBER_BASIC_AUTH_FILE = `${PROBER_CONFIG_DIR}/uptime-basic-auth-password`;
/** The ntfy access token, when the topic needs one. */
export const PROBER_NTFY_TOKEN_FILE = `${PROBER_CONFIG_DIR}/uptime-ntfy-token`;

/** The blackbox modules: plain HTTPS, and HTTPS signed in with the edge's basic auth. */
export const PROBE_MODULES = { none: 'mambo_https', basic: 'mambo_https_basic_auth' } as const;

/**
 * Answers that mean the edge routed the request to a live service. The edge answers 404 for a hostname whose
 * container is gone or unhealthy (its router disappears with it) and 5xx when the service fails: both are down.
 * Redirects are not followed: an SSO-protected URL answers 302 to its portal, and that is the edge working.
 */
const UP_CODES = [200, 201, 202, 203, 204, 206, 301, 302, 303, 307, 308];

export interface UptimeModel extends UptimeSpec {
  /** The environment's name; it names the scrape job, the rule group and the alerts' `environment` label. */
  readonly environment: string;
}

/** The scrape job that probes an environment's URLs. */
export function uptimeJob(environment: string): string {
  return `mambo-uptime-${environment}`;
}

/** blackbox.yml: the two modules every target uses one of. */
export function renderBlackboxConfig(model: UptimeModel): string {
  const http = (validStatusCodes: number[], extra: Record<string, unknown> = {}) => ({
    prober: 'http',
    timeout: '10s',
    http: {
      method: 'GET',
      // Browsers ask for HTML: Authelia then answers 302 to its portal instead of 401, which fail2ban would count.
      headers: { Accept: 'text/html', 'User-Agent': 'mambo-uptime (blackbox exporter)' },
      valid_status_codes: validStatusCodes,
      valid_http_versions: ['HTTP/1.1', 'HTTP/2.0'],
      fail_if_not_ssl: true,
      follow_redirects: false,
      preferred_ip_protocol: 'ip4',
      // Let's Encrypt's staging chain is not trusted anywhere: check expiry, not the chain, for staging.
      tls_config: { insecure_skip_verify: !model.verifyCertificates },
      ...extra,
    },
  });
  const document = {
    modules: {
      // An app's own 401 or 403 (an API asking for a token) is an answer from a live app.
      [PROBE_MODULES.none]: http([...UP_CODES, 401, 403]),
      // Signed in: a 401 here is a wrong password, and the edge's 401s are what fail2ban bans for.
      [PROBE_MODULES.basic]: http(UP_CODES, { basic_auth: { username: model.basicAuthUser, password_file: PROBER_BASIC_AUTH_FILE } }),
    },
  };
  return renderYaml(document, `blackbox exporter modules for the ${model.environment} environment's uptime probes, rendered by Mambo Platform.`);
}

/** prometheus.yml for the prober: the probe job, the rule file and the Alertmanager it notifies. */
export function renderUptimePrometheusConfig(model: UptimeModel): string {
  const interval = model.interval;
  const intervalSeconds = durationSeconds(interval, 'uptime interval');
  const byModule = (['none', 'basic'] as const)
    .map((auth) => ({ auth, targets: model.targets.filter((target) => target.auth === auth) }))
    .filter(({ targets }) => targets.length > 0);

  const document = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: [UPTIME_FILES.rules],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [model.alertmanager] }] }] },
    scrape_configs: [{
      job_name: uptimeJob(model.environment),
      metrics_path: '/probe',
      scrape_interval: interval,
      // The probe's own timeout is 10s; the scrape waits a little longer, never past the interval.
      scrape_timeout: `${Math.min(15, intervalSeconds)}s`,
      static_configs: byModule.flatMap(({ auth, targets }) => {
        // One static config per module and service, so each alert says what the URL serves.
        const services = [...new Set(targets.map((target) => target.service))];
        return services.map((service) => ({
          targets: targets.filter((target) => target.service === service).map((target) => target.url),
          labels: { __param_module: PROBE_MODULES[auth], environment: model.environment, service },
        }));
      }),
      relabel_configs: [
        { source_labels: ['__address__'], target_label: '__param_target' },
        { source_labels: ['__param_target'], target_label: 'instance' },
        { target_label: '__address__', replacement: model.exporter },
      ],
    }],
  };
  return renderYaml(document, `Prometheus on the prober: probes of every public URL of ${model.environment}, rendered by Mambo Platform.`);
}

/**
 * The probe alerts. Thresholds follow the platform's own TLS and service-down rules: down for 2 minutes pages,
 * a certificate with less than 7 days left pages (Let's Encrypt renews at 30, so renewal has failed for weeks).
 */
export function uptimeAlertRules(environment: string): AlertRuleSpec[] {
  const job = `job="${uptimeJob(environment)}"`;
  const group = `uptime-${environment}`;
  const labels = { environment };
  return [
    {
      name: 'UrlDown',
      severity: 'critical',
      group,
      expr: `probe_success{${job}} == 0`,
      for: '2m',
      summary: '{{ $labels.instance }} ({{ $labels.service }}) has been down for more than $for, seen from outside',
      description: 'The prober outside the host gets no answer, a 404 (no live router: the container is gone or unhealthy), '
        + 'a 5xx, or a bad certificate. Open the URL yourself, then `docker ps -a` and the edge\'s logs on the host.',
      labels,
    },
    {
      name: 'UrlCertificateExpiring',
      severity: 'critical',
      group,
      expr: `(probe_ssl_earliest_cert_expiry{${job}} - time()) / 86400 < $threshold`,
      threshold: 7,
      for: '10m',
      summary: 'The certificate of {{ $labels.instance }} expires in {{ $value | humanize }} days',
      description: 'Let\'s Encrypt renews 30 days ahead, so renewal has been failing for weeks. Read Traefik\'s logs '
        + 'for ACME errors (DNS not pointing at the host, port 80 blocked, rate limits) and fix them.',
      labels,
    },
    {
      name: 'UptimeProberBlind',
      severity: 'warning',
      group,
      expr: `up{${job}} == 0`,
      for: '5m',
      summary: 'The prober cannot reach its blackbox exporter for {{ $labels.instance }}: nothing is watched from outside',
      description: 'Prometheus on the prober gets no answer from the blackbox exporter. Start it again '
        + '(`systemctl restart prometheus-blackbox-exporter`) and check its log for a config error.',
      labels,
    },
  ];
}

export function resolveUptimeAlertRules(environment: string): ResolvedAlertRule[] {
  return resolveAlertRules({ defaults: uptimeAlertRules(environment) });
}

/** The rule file the prober's Prometheus loads. */
export function renderUptimeRules(model: UptimeModel): string {
  return renderAlertRuleFile(resolveUptimeAlertRules(model.environment), { evaluationInterval: model.interval as Duration });
}

/** alertmanager.yml for the prober: the same ntfy routing as the platform's own alerts. */
export function renderUptimeAlertmanager(model: UptimeModel): string {
  return renderAlertmanagerConfig({
    ntfy: {
      serverUrl: model.ntfy.server,
      topic: model.ntfy.topic,
      tokenFile: model.ntfy.tokenVariable ? PROBER_NTFY_TOKEN_FILE : undefined,
    },
  });
}

/** The files, by name, that go to the prober's PROBER_CONFIG_DIR. */
export const UPTIME_FILES = {
  blackbox: 'blackbox.yml',
  prometheus: 'prometheus.yml',
  rules: 'uptime-rules.yml',
  alertmanager: 'alertmanager.yml',
  readme: 'README.md',
} as const;

/** Every file of an environment's prober, by file name. */
export function renderUptimeProberFiles(model: UptimeModel): Record<string, string> {
  return {
    [UPTIME_FILES.blackbox]: renderBlackboxConfig(model),
    [UPTIME_FILES.prometheus]: renderUptimePrometheusConfig(model),
    [UPTIME_FILES.rules]: renderUptimeRules(model),
    [UPTIME_FILES.alertmanager]: renderUptimeAlertmanager(model),
    [UPTIME_FILES.readme]: renderProberReadme(model),
  };
}

function renderProberReadme(model: UptimeModel): string {
  const basic = model.targets.some((target) => target.auth === 'basic');
  return [
    `# Uptime prober for ${model.environment}`,
    '',
    'Run these on a machine outside the platform\'s host (another provider or region), so an outage of the',
    'host, its network or its DNS is seen. On Debian or Ubuntu:',
    '',
    '```sh',
    'apt-get install prometheus prometheus-blackbox-exporter prometheus-alertmanager',
    `cp ${Object.values(UPTIME_FILES).filter((file) => file !== UPTIME_FILES.readme).join(' ')} ${PROBER_CONFIG_DIR}/`,
    ...(basic ? [`install -m 0640 -o prometheus /dev/null ${PROBER_BASIC_AUTH_FILE}   # then write the password of "${model.basicAuthUser}" in it`] : []),
    ...(model.ntfy.tokenVariable ? [`install -m 0640 -o prometheus /dev/null ${PROBER_NTFY_TOKEN_FILE}   # then write the ntfy token (TF_VAR_${model.ntfy.tokenVariable}) in it`] : []),
    'systemctl restart prometheus prometheus-blackbox-exporter prometheus-alertmanager',
    '```',
    '',
    `Probed every ${model.interval}, alerting to ${model.ntfy.server}/${model.ntfy.topic}:`,
    '',
    ...model.targets.map((target) => `- ${target.url} (${target.service}${target.auth === 'basic' ? `, signed in as ${model.basicAuthUser}` : ''})`),
    '',
    ...(basic ? [
      `URLs behind the edge's basic auth are probed as "${model.basicAuthUser}": add its line to the platform's htpasswd`,
      'variable (`htpasswd -nbB ' + model.basicAuthUser + ' <password>`), or the edge answers 401 and fail2ban bans the prober.',
      '',
    ] : []),
    'These files are rendered by `npm run synth` from the platform config; change the config, not them.',
    '',
  ].join('\n');
}

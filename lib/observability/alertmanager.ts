// Alertmanager's config: route alerts by severity to an ntfy topic, critical at once and loud, warnings
// grouped and quieter, resolved messages on. The ntfy access token is read from a file, never written here.
//
// Why no bridge container: Alertmanager (0.25 in Debian, 0.28 in the image catalog) has no ntfy receiver and
// its webhook cannot set headers, but ntfy (v2.10 and later) can turn a JSON webhook body into a notification
// itself: `?template=yes` with Go-template `title` and `message` query parameters, and `priority` / `tags`
// as plain query parameters. So the stock webhook receiver posts the Alertmanager payload straight to the
// topic URL, and the token goes in an `Authorization: Bearer` header from `credentials_file`. The platform
// this replaces ran a Python bridge for this and it was OOM-killed every 20 minutes; one fewer container is
// one fewer thing to fail between an alert and a phone.
import { Duration, durationSeconds } from '../duration';
import { renderYaml } from './yaml';
import { AlertSeverity } from './alert-rules';

/** ntfy's own priorities: 1 min, 2 low, 3 default, 4 high, 5 urgent. */
export type NtfyPriority = 1 | 2 | 3 | 4 | 5;

export interface NtfyTarget {
  /** Base URL of the ntfy server, e.g. `https://ntfy.sh` or a self-hosted one (v2.10 or later). */
  readonly serverUrl: string;
  /** Topic to publish to: 1–64 letters, digits, `-` or `_`. */
  readonly topic: string;
  /**
   * Path inside the Alertmanager container of a file that holds the access token (`tk_…`), sent as a
   * Bearer token. Omit for a topic anyone may write to. The token itself never enters this model.
   */
  readonly tokenFile?: string;
}

/** How one severity is delivered. */
export interface SeverityDelivery {
  readonly priority: NtfyPriority;
  /** ntfy tags; emoji short codes among them show as icons (`rotating_light`). */
  readonly tags: readonly string[];
  /** Wait before the first message of a new group, to collect alerts that fire together. */
  readonly groupWait: Duration;
  /** Wait before telling about alerts added to a group already notified. */
  readonly groupInterval: Duration;
  /** Repeat a still-firing group this often. */
  readonly repeatInterval: Duration;
}

export interface AlertmanagerModel {
  readonly ntfy: NtfyTarget;
  /** Per-severity delivery; unspecified fields keep {@link DEFAULT_DELIVERY}. */
  readonly delivery?: { readonly [severity in AlertSeverity]?: Partial<SeverityDelivery> };
  /** Send a message when an alert resolves. @default true */
  readonly sendResolved?: boolean;
  /** Alerts listed in one message; the rest are counted as truncated (ntfy caps a JSON body at 32 KiB). @default 10 */
  readonly maxAlertsPerMessage?: number;
  /** Labels that split alerts into groups. @default ['alertname'] */
  readonly groupBy?: readonly string[];
  /** Time after which an alert not re-sent by vmalert counts as resolved. @default '5m' */
  readonly resolveTimeout?: Duration;
}

/** Critical: urgent and at once. Warning: default priority, collected for two minutes, retold every 12 hours. */
export const DEFAULT_DELIVERY: { readonly [severity in AlertSeverity]: SeverityDelivery } = {
  critical: { priority: 5, tags: ['rotating_light'], groupWait: '0s', groupInterval: '1m', repeatInterval: '1h' },
  warning: { priority: 3, tags: ['warning'], groupWait: '2m', groupInterval: '10m', repeatInterval: '12h' },
};

/**
 * ntfy renders these against Alertmanager's webhook JSON (`status`, `commonLabels`, `alerts[].annotations`).
 * The title names the alert and whether it fires or resolved; the message lists each alert's summary and
 * what to do. `\n` in a query parameter is a newline to ntfy.
 */
export const NTFY_TITLE_TEMPLATE = '{{.commonLabels.alertname}} {{.status}}';
export const NTFY_MESSAGE_TEMPLATE = '{{range .alerts}}{{.annotations.summary}}\\n{{.annotations.description}}\\n\\n{{end}}';

const topicPattern = /^[-_A-Za-z0-9]{1,64}$/;
const tagPattern = /^[-_A-Za-z0-9]+$/;

/** The receiver name Alertmanager uses for a severity. */
export function ntfyReceiverName(severity: AlertSeverity): string {
  return `ntfy-${severity}`;
}

/**
 * The URL a severity's webhook posts to: the topic, with ntfy's templating, priority and tags as query
 * parameters.
 *
 * Limitation: the priority is fixed per receiver, so a resolved critical alert arrives as urgent too;
 * ntfy's templated priority (newer servers only) would lift this. Limitation: Alertmanager releases newer
 * than 0.30 template webhook URLs themselves and would evaluate these `{{ }}`; escape them as
 * {{`{{`}} when the image catalog moves past that.
 */
export function ntfyWebhookUrl(ntfy: NtfyTarget, delivery: SeverityDelivery): string {
  const query = new URLSearchParams({
    template: 'yes',
    title: NTFY_TITLE_TEMPLATE,
    message: NTFY_MESSAGE_TEMPLATE,
    priority: String(delivery.priority),
    tags: delivery.tags.join(','),
  });
  return `${ntfy.serverUrl.replace(/\/+$/, '')}/${ntfy.topic}?${query.toString()}`;
}

/** Renders `alertmanager.yml`. Throws, naming the field, on a target or delivery that cannot work. */
export function renderAlertmanagerConfig(model: AlertmanagerModel): string {
  checkNtfyTarget(model.ntfy);
  const delivery = resolveDelivery(model);
  const maxAlerts = model.maxAlertsPerMessage ?? 10;
  if (!Number.isInteger(maxAlerts) || maxAlerts < 1) {
    throw new Error(`alertmanager maxAlertsPerMessage is ${maxAlerts}; expected a whole number of at least 1`);
  }
  const resolveTimeout = model.resolveTimeout ?? '5m';
  durationSeconds(resolveTimeout, 'alertmanager resolveTimeout');

  const severities: AlertSeverity[] = ['critical', 'warning'];
  const httpConfig = model.ntfy.tokenFile === undefined
    ? {}
    : { http_config: { authorization: { type: 'Bearer', credentials_file: model.ntfy.tokenFile } } };

  const document = {
    global: { resolve_timeout: resolveTimeout },
    route: {
      receiver: ntfyReceiverName('warning'),
      group_by: [...(model.groupBy ?? ['alertname'])],
      group_wait: delivery.warning.groupWait,
      group_interval: delivery.warning.groupInterval,
      repeat_interval: delivery.warning.repeatInterval,
      routes: severities.map((severity) => ({
        receiver: ntfyReceiverName(severity),
        matchers: [`severity="${severity}"`],
        group_wait: delivery[severity].groupWait,
        group_interval: delivery[severity].groupInterval,
        repeat_interval: delivery[severity].repeatInterval,
      })),
    },
    // A firing critical rule holds back the warning of the same measure on the same instance (HostMemoryHigh
    // under HostMemoryCritical). Only warnings that carry a family can be held back, so unrelated alerts
    // that happen to lack both labels never silence each other.
    inhibit_rules: [{
      source_matchers: ['severity="critical"'],
      target_matchers: ['severity="warning"', 'family=~".+"'],
      equal: ['family', 'instance'],
    }],
    receivers: severities.map((severity) => ({
      name: ntfyReceiverName(severity),
      webhook_configs: [{
        url: ntfyWebhookUrl(model.ntfy, delivery[severity]),
        send_resolved: model.sendResolved ?? true,
        max_alerts: maxAlerts,
        ...httpConfig,
      }],
    })),
  };
  return renderYaml(document, 'Alertmanager routing to ntfy, rendered by Mambo Platform. The ntfy token is read from a file.');
}

function resolveDelivery(model: AlertmanagerModel): { [severity in AlertSeverity]: SeverityDelivery } {
  const resolved = {
    critical: { ...DEFAULT_DELIVERY.critical, ...(model.delivery?.critical ?? {}) },
    warning: { ...DEFAULT_DELIVERY.warning, ...(model.delivery?.warning ?? {}) },
  };
  for (const [severity, delivery] of Object.entries(resolved)) {
    const where = `alertmanager delivery.${severity}`;
    if (![1, 2, 3, 4, 5].includes(delivery.priority)) {
      throw new Error(`${where}.priority is ${delivery.priority}; expected an ntfy priority from 1 (min) to 5 (urgent)`);
    }
    for (const tag of delivery.tags) {
      if (!tagPattern.test(tag)) throw new Error(`${where}.tags has "${tag}"; expected letters, digits, - or _`);
    }
    durationSeconds(delivery.groupWait, `${where}.groupWait`);
    durationSeconds(delivery.groupInterval, `${where}.groupInterval`);
    durationSeconds(delivery.repeatInterval, `${where}.repeatInterval`);
  }
  return resolved;
}

function checkNtfyTarget(ntfy: NtfyTarget): void {
  let url: URL;
  try {
    url = new URL(ntfy.serverUrl);
  } catch {
    throw new Error(`ntfy serverUrl "${ntfy.serverUrl}" is not a URL; expected e.g. "https://ntfy.sh"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`ntfy serverUrl "${ntfy.serverUrl}" must use http or https`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new Error('ntfy serverUrl carries credentials; put the access token in a file and pass its path as tokenFile');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new Error(`ntfy serverUrl "${ntfy.serverUrl}" has a query or fragment; expected the server's base URL only`);
  }
  if (!topicPattern.test(ntfy.topic)) {
    throw new Error(`ntfy topic "${ntfy.topic}" is invalid; expected 1–64 letters, digits, - or _`);
  }
  if (ntfy.tokenFile !== undefined && !ntfy.tokenFile.startsWith('/')) {
    throw new Error(`ntfy tokenFile "${ntfy.tokenFile}" must be an absolute path inside the Alertmanager container`);
  }
}

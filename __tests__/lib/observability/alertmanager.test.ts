import { parse } from 'yaml';
import {
  NTFY_MESSAGE_TEMPLATE, NTFY_TITLE_TEMPLATE, ntfyWebhookUrl, renderAlertmanagerConfig, DEFAULT_DELIVERY,
} from '../../../lib/observability/alertmanager';
import { itWithTools, run } from '../../support/tools';
import { renderNtfyTemplate } from './support/ntfy-stand-in';
import { workspace, yamllint } from './support/workspace';

const ntfy = { serverUrl: 'https://ntfy.example.com', topic: 'mambo-alerts', tokenFile: '/etc/alertmanager/ntfy-token' };

interface Receiver { name: string; webhook_configs: { url: string; send_resolved: boolean; http_config?: unknown }[] }

describe('Alertmanager config', () => {
  const text = renderAlertmanagerConfig({ ntfy });
  const document = parse(text) as {
    route: { routes: { receiver: string; matchers: string[]; group_wait: string }[] };
    receivers: Receiver[];
    inhibit_rules: unknown[];
  };

  it('routes critical alerts at once and warnings after a grouping wait', () => {
    expect(document.route.routes).toEqual([
      expect.objectContaining({ receiver: 'ntfy-critical', matchers: ['severity="critical"'], group_wait: '0s' }),
      expect.objectContaining({ receiver: 'ntfy-warning', matchers: ['severity="warning"'], group_wait: '2m' }),
    ]);
  });

  it('posts to the topic with ntfy templating, the severity priority and resolved messages on', () => {
    const critical = document.receivers.find((receiver) => receiver.name === 'ntfy-critical')?.webhook_configs[0];
    const url = new URL(critical?.url ?? '');
    expect(`${url.origin}${url.pathname}`).toBe('https://ntfy.example.com/mambo-alerts');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      template: 'yes', title: NTFY_TITLE_TEMPLATE, message: NTFY_MESSAGE_TEMPLATE, priority: '5', tags: 'rotating_light',
    });
    expect(critical?.send_resolved).toBe(true);
    expect(DEFAULT_DELIVERY.warning.priority).toBeLessThan(DEFAULT_DELIVERY.critical.priority);
  });

  it('reads the token from a file and never holds a value', () => {
    for (const receiver of document.receivers) {
      expect(receiver.webhook_configs[0].http_config).toEqual({
        authorization: { type: 'Bearer', credentials_file: '/etc/alertmanager/ntfy-token' },
      });
    }
    expect(text).not.toMatch(/tk_|credentials:|password/);
  });

  it('sends no Authorization header for an open topic', () => {
    expect(renderAlertmanagerConfig({ ntfy: { ...ntfy, tokenFile: undefined } })).not.toContain('http_config');
  });

  it('titles a notification with the alert name and its status', () => {
    const payload = {
      status: 'firing',
      commonLabels: { alertname: 'TargetDown', severity: 'critical' },
      alerts: [{ annotations: { summary: 'grafana is down', description: 'Restart it.' } }],
    };
    expect(renderNtfyTemplate(NTFY_TITLE_TEMPLATE, payload)).toBe('TargetDown firing');
    expect(renderNtfyTemplate(NTFY_MESSAGE_TEMPLATE, payload)).toBe('grafana is down\nRestart it.\n\n');
  });

  it('refuses credentials in the URL, a bad topic, a relative token path and an unknown priority', () => {
    expect(() => renderAlertmanagerConfig({ ntfy: { ...ntfy, serverUrl: 'https://user:tk_x@ntfy.sh' } })).toThrow(/tokenFile/);
    expect(() => renderAlertmanagerConfig({ ntfy: { ...ntfy, topic: 'alerts/prod' } })).toThrow(/topic "alerts\/prod" is invalid/);
    expect(() => renderAlertmanagerConfig({ ntfy: { ...ntfy, tokenFile: 'ntfy-token' } })).toThrow(/absolute path/);
    expect(() => renderAlertmanagerConfig({ ntfy, delivery: { warning: { priority: 7 as never } } }))
      .toThrow(/delivery.warning.priority is 7/);
  });

  it('strips a trailing slash from the server URL', () => {
    expect(ntfyWebhookUrl({ ...ntfy, serverUrl: 'https://ntfy.sh/' }, DEFAULT_DELIVERY.warning))
      .toMatch(/^https:\/\/ntfy\.sh\/mambo-alerts\?/);
  });

  itWithTools('amtool')('passes amtool check-config', () => {
    const files = workspace('alertmanager');
    try {
      const path = files.write('alertmanager.yml', text);
      const result = run('amtool', ['check-config', path]);
      expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS');
      expect(result.status).toBe(0);
    } finally {
      files.remove();
    }
  });

  itWithTools('yamllint')('passes yamllint', () => {
    const files = workspace('alertmanager');
    try {
      expect(yamllint(files.write('alertmanager.yml', text))).toEqual({ status: 0, output: '' });
    } finally {
      files.remove();
    }
  });
});

// End to end on loopback: the rendered rules, vmalert flags and Alertmanager config run in the real
// victoria-metrics, vmalert and Alertmanager; synthetic metrics breach a threshold; a local stand-in for ntfy
// must receive the notification with the alert's title, priority, topic and the token from the token file.
import { join } from 'node:path';
import { renderAlertRuleFile, resolveAlertRules } from '../../../lib/observability/alert-rules';
import { renderAlertmanagerConfig } from '../../../lib/observability/alertmanager';
import { victoriaMetricsFlags, vmalertFlags } from '../../../lib/observability/victoria-metrics';
import { itWithTools } from '../../support/tools';
import { NtfyPublish, NtfyStandIn, startNtfyStandIn } from './support/ntfy-stand-in';
import { freePort, ProcessGroup } from './support/processes';
import { workspace } from './support/workspace';

const TOKEN = 'tk_e2etesttoken0000000000000000';
const TOPIC = 'mambo-e2e-alerts';

describe('alerting pipeline on loopback', () => {
  const processes = new ProcessGroup();
  const files = workspace('alerting-e2e');
  let ntfy: NtfyStandIn | undefined;
  let writer: NodeJS.Timeout | undefined;

  afterAll(async () => {
    if (writer) clearInterval(writer);
    await processes.stopAll();
    await ntfy?.close();
    files.remove();
  });

  itWithTools('victoria-metrics', 'vmalert', 'prometheus-alertmanager')(
    'notifies ntfy: critical at once and urgent, warning grouped, resolved afterwards, warnings under a critical held back',
    async () => {
      ntfy = await startNtfyStandIn();
      const [vmPort, alertmanagerPort, vmalertPort] = [await freePort(), await freePort(), await freePort()];
      const addresses = {
        victoriaMetrics: `127.0.0.1:${vmPort}`,
        alertmanager: `127.0.0.1:${alertmanagerPort}`,
        vmalert: `127.0.0.1:${vmalertPort}`,
      };

      // Short windows through the model itself: the same overrides a user would write.
      const rules = resolveAlertRules({
        overrides: {
          HostMemoryCritical: { for: '3s' },
          HostMemoryHigh: { for: '3s' },
          HostDiskHigh: { for: '3s' },
        },
      }).filter((rule) => ['HostMemoryCritical', 'HostMemoryHigh', 'HostDiskHigh'].includes(rule.name));
      const ruleFile = files.write('rules.yml', renderAlertRuleFile(rules, { evaluationInterval: '1s' }));
      const tokenFile = files.write('ntfy-token', `${TOKEN}\n`);
      const alertmanagerConfig = files.write('alertmanager.yml', renderAlertmanagerConfig({
        ntfy: { serverUrl: ntfy.url, topic: TOPIC, tokenFile },
        delivery: {
          critical: { groupInterval: '1s', repeatInterval: '1h' },
          warning: { groupWait: '3s', groupInterval: '2s', repeatInterval: '1h' },
        },
      }));

      processes.start('victoria-metrics', 'victoria-metrics', victoriaMetricsFlags({
        addresses,
        storageDataPath: join(files.dir, 'vm-data'),
        extraFlags: {
          httpListenAddr: addresses.victoriaMetrics,
          // Make fresh samples visible to vmalert at once instead of after the default 30 s.
          'search.latencyOffset': '0s',
          'search.disableCache': 'true',
          loggerLevel: 'INFO',
        },
      }), join(files.dir, 'victoria-metrics.log'));
      processes.start('alertmanager', 'prometheus-alertmanager', [
        `--config.file=${alertmanagerConfig}`,
        `--storage.path=${join(files.dir, 'alertmanager-data')}`,
        `--web.listen-address=${addresses.alertmanager}`,
        '--cluster.listen-address=',
      ], join(files.dir, 'alertmanager.log'));
      await processes.waitUntilReady('victoria-metrics', `http://${addresses.victoriaMetrics}/health`);
      await processes.waitUntilReady('alertmanager', `http://${addresses.alertmanager}/-/ready`);

      // Memory 95 % used (critical, and the warning it holds back); root disk 90 % used (warning only).
      const node = 'instance="node-exporter:9100",job="node-exporter"';
      const disk = `${node},device="/dev/sda1",fstype="ext4",mountpoint="/"`;
      let memoryAvailable = 0.2e9;
      const write = async (): Promise<void> => {
        const lines = [
          `node_memory_MemTotal_bytes{${node}} 4000000000`,
          `node_memory_MemAvailable_bytes{${node}} ${memoryAvailable}`,
          `node_filesystem_size_bytes{${disk}} 100000000000`,
          `node_filesystem_avail_bytes{${disk}} 10000000000`,
        ];
        await fetch(`http://${addresses.victoriaMetrics}/api/v1/import/prometheus`, { method: 'POST', body: `${lines.join('\n')}\n` });
      };
      await write();
      writer = setInterval(() => void write().catch(() => undefined), 500);

      processes.start('vmalert', 'vmalert', vmalertFlags({
        addresses,
        ruleFilePath: ruleFile,
        evaluationInterval: '1s',
        extraFlags: { httpListenAddr: addresses.vmalert, loggerLevel: 'INFO' },
      }), join(files.dir, 'vmalert.log'));
      await processes.waitUntilReady('vmalert', `http://${addresses.vmalert}/health`);

      const titled = (title: string) => (publish: NtfyPublish): boolean => publish.title === title;
      let critical: NtfyPublish;
      try {
        critical = await ntfy.waitFor(titled('HostMemoryCritical firing'), 25_000);
      } catch (error) {
        throw new Error(`${(error as Error).message}\nvmalert:\n${processes.logOf('vmalert')}\nalertmanager:\n${processes.logOf('alertmanager')}`);
      }
      expect(critical.topic).toBe(TOPIC);
      expect(critical.authorization).toBe(`Bearer ${TOKEN}`);
      expect(critical.priority).toBe(5);
      expect(critical.tags).toEqual(['rotating_light']);
      expect(critical.message).toContain('Memory on node-exporter:9100 at 95% for 3s');
      expect(critical.message).toContain('docker stats --no-stream');

      const warning = await ntfy.waitFor(titled('HostDiskHigh firing'), 15_000);
      expect(warning.priority).toBe(3);
      expect(warning.tags).toEqual(['warning']);
      expect(warning.authorization).toBe(`Bearer ${TOKEN}`);
      expect(warning.message).toContain('Disk / on node-exporter:9100 at 90%');

      // The memory warning fired too, but under its critical sibling Alertmanager holds it back.
      expect(ntfy.received.map((publish) => publish.title)).not.toContain('HostMemoryHigh firing');

      memoryAvailable = 3e9;
      const resolved = await ntfy.waitFor(titled('HostMemoryCritical resolved'), 20_000);
      expect(resolved.priority).toBe(5);
      expect((resolved.body as { status: string }).status).toBe('resolved');
    },
    60_000,
  );
});

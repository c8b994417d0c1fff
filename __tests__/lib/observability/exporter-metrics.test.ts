// The metric list beside the dashboards is only as good as its names: here the exporters CI has as real
// binaries serve their /metrics on loopback, scraped by vmagent with the rendered scrape config.
import { join } from 'node:path';
import { renderAlertRules } from '../../../lib/observability/alert-rules';
import { EXPORTER_METRICS, MetricSource } from '../../../lib/observability/exporter-metrics';
import { nodeExporterFlags } from '../../../lib/observability/exporters';
import { victoriaMetricsFlags, vmagentFlags, vmalertFlags } from '../../../lib/observability/victoria-metrics';
import { renderScrapeConfig } from '../../../lib/observability/vmagent';
import { renderAlertmanagerConfig } from '../../../lib/observability/alertmanager';
import { itWithTools } from '../../support/tools';
import { freePort, ProcessGroup, sleep } from './support/processes';
import { workspace } from './support/workspace';

async function exposedNames(address: string): Promise<Set<string>> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  return new Set(text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => line.split(/[{ ]/)[0]));
}

function missing(source: MetricSource, names: Set<string>, except: string[] = []): string[] {
  return EXPORTER_METRICS[source].filter((name) => !names.has(name) && !except.includes(name));
}

describe('exporter metric names against the real exporters', () => {
  const processes = new ProcessGroup();
  const files = workspace('exporters');

  afterAll(async () => {
    await processes.stopAll();
    files.remove();
  });

  itWithTools('prometheus-node-exporter')('node exporter serves every node_ name the platform reads, with the platform flags', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    // The container reads the host through /host/proc and /host/sys; here the host is the machine itself.
    const flags = nodeExporterFlags({ addresses: { nodeExporter: address }, rootfsPath: '/', textfileDirectory: files.dir })
      .map((flag) => flag.replace('/host/proc', '/proc').replace('/host/sys', '/sys'))
      .map((flag) => (flag.startsWith('--web.listen-address=') ? `--web.listen-address=${address}` : flag));
    processes.start('node-exporter', 'prometheus-node-exporter', flags, join(files.dir, 'node-exporter.log'));
    await processes.waitUntilReady('node-exporter', `http://${address}/metrics`);
    expect(missing('nodeExporter', await exposedNames(address))).toEqual([]);
  });

  itWithTools('victoria-metrics', 'vmagent', 'vmalert', 'prometheus-alertmanager')(
    'the VictoriaMetrics parts and Alertmanager serve theirs, and vmagent scrapes them with the rendered config',
    async () => {
      const addresses = {
        victoriaMetrics: `127.0.0.1:${await freePort()}`,
        vmagent: `127.0.0.1:${await freePort()}`,
        vmalert: `127.0.0.1:${await freePort()}`,
        alertmanager: `127.0.0.1:${await freePort()}`,
        // Not running here: loopback ports where nothing listens, so no name is looked up anywhere.
        nodeExporter: `127.0.0.1:${await freePort()}`,
        cadvisor: `127.0.0.1:${await freePort()}`,
        traefik: `127.0.0.1:${await freePort()}`,
        grafana: `127.0.0.1:${await freePort()}`,
        loki: `127.0.0.1:${await freePort()}`,
        logShipper: `127.0.0.1:${await freePort()}`,
      };
      const loopback = (address: string): Record<string, string> => ({ httpListenAddr: address });
      processes.start('victoria-metrics', 'victoria-metrics', victoriaMetricsFlags({
        addresses, storageDataPath: join(files.dir, 'vm'), extraFlags: { ...loopback(addresses.victoriaMetrics), 'search.latencyOffset': '0s' },
      }), join(files.dir, 'vm.log'));
      processes.start('alertmanager', 'prometheus-alertmanager', [
        `--config.file=${files.write('alertmanager.yml', renderAlertmanagerConfig({ ntfy: { serverUrl: 'http://127.0.0.1:9', topic: 't' } }))}`,
        `--storage.path=${join(files.dir, 'am')}`, `--web.listen-address=${addresses.alertmanager}`, '--cluster.listen-address=',
      ], join(files.dir, 'am.log'));
      processes.start('vmalert', 'vmalert', vmalertFlags({
        addresses, ruleFilePath: files.write('rules.yml', renderAlertRules()), extraFlags: loopback(addresses.vmalert),
      }), join(files.dir, 'vmalert.log'));
      const scrape = renderScrapeConfig({ addresses, scrapeInterval: '1s', scrapeTimeout: '1s' });
      processes.start('vmagent', 'vmagent', vmagentFlags({
        addresses, scrapeConfigPath: files.write('scrape.yml', scrape), bufferPath: join(files.dir, 'vmagent'),
        extraFlags: loopback(addresses.vmagent),
      }), join(files.dir, 'vmagent.log'));
      for (const [name, address] of [['victoria-metrics', addresses.victoriaMetrics], ['alertmanager', addresses.alertmanager],
        ['vmalert', addresses.vmalert], ['vmagent', addresses.vmagent]]) {
        await processes.waitUntilReady(name, `http://${address}/metrics`);
      }

      let up: { metric: { job: string }; value: [number, string] }[] = [];
      for (let attempt = 0; attempt < 40 && up.filter((series) => series.value[1] === '1').length < 4; attempt += 1) {
        await sleep(500);
        const response = await fetch(`http://${addresses.victoriaMetrics}/api/v1/query?query=up`);
        up = ((await response.json()) as { data: { result: typeof up } }).data.result;
      }
      const upJobs = up.filter((series) => series.value[1] === '1').map((series) => series.metric.job).sort();
      expect(upJobs).toEqual(['alertmanager', 'victoriametrics', 'vmagent', 'vmalert']);

      expect(missing('victoriaMetrics', await exposedNames(addresses.victoriaMetrics))).toEqual([]);
      expect(missing('vmagent', await exposedNames(addresses.vmagent))).toEqual([]);
      // ALERTS is written into VictoriaMetrics by vmalert, not served on its /metrics.
      expect(missing('vmalert', await exposedNames(addresses.vmalert), ['ALERTS'])).toEqual([]);
      expect(missing('alertmanager', await exposedNames(addresses.alertmanager))).toEqual([]);
      expect(missing('goProcess', await exposedNames(addresses.victoriaMetrics))).toEqual([]);
      expect(missing('scrape', new Set(await (async () => {
        const response = await fetch(`http://${addresses.victoriaMetrics}/api/v1/label/__name__/values`);
        return ((await response.json()) as { data: string[] }).data;
      })()))).toEqual([]);
    },
    60_000,
  );
});

// Host log files in the log shipper's config: the maintenance log that the backup and maintenance jobs
// append to reaches Loki under its own job label, with Alloy (default) and with Promtail.
import { parse } from 'yaml';

import { MAINTENANCE_LOG, renderAlloyConfig, renderPromtailConfig } from '../../../lib/observability/log-shipper';
import { BACKUP_DEFAULTS } from '../../../lib/scripts/model';

const model = { dockerHost: 'tcp://socket-proxy:2375', files: [MAINTENANCE_LOG] };

describe('host log files in the log shipper', () => {
  it('names the log the cron jobs append to', () => {
    expect(MAINTENANCE_LOG).toEqual({ path: BACKUP_DEFAULTS.logFile, job: 'mambo-maintenance' });
  });

  it('follows them with Alloy: a file match feeding a file source that writes to the same Loki', () => {
    const alloy = renderAlloyConfig(model);
    expect(alloy).toContain('local.file_match "files" {\n  path_targets = [{"__path__" = "/var/log/mambo/maintenance.log", "job" = "mambo-maintenance"}]\n}');
    expect(alloy).toContain('loki.source.file "files" {\n  targets    = local.file_match.files.targets\n  forward_to = [loki.write.platform.receiver]\n}');
    expect((alloy.match(/\{/g) ?? []).length).toBe((alloy.match(/\}/g) ?? []).length);
    expect(renderAlloyConfig({ dockerHost: model.dockerHost })).not.toContain('local.file_match');
  });

  it('follows them with Promtail: a static job with the file as __path__', () => {
    const promtail = parse(renderPromtailConfig(model)) as { scrape_configs: { job_name: string; static_configs?: unknown[] }[] };
    expect(promtail.scrape_configs.map((config) => config.job_name)).toEqual(['docker', 'mambo-maintenance']);
    expect(promtail.scrape_configs[1].static_configs).toEqual([
      { targets: ['localhost'], labels: { job: 'mambo-maintenance', __path__: '/var/log/mambo/maintenance.log' } },
    ]);
  });

  it('refuses a relative path or a job name Loki would not take as a label value here', () => {
    expect(() => renderAlloyConfig({ ...model, files: [{ path: 'maintenance.log', job: 'x' }] })).toThrow(/expected an absolute path/);
    expect(() => renderPromtailConfig({ ...model, files: [{ path: '/var/log/x.log', job: 'Bad Job' }] })).toThrow(/lower-case job name/);
  });
});

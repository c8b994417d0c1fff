import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  COMMUNITY_DASHBOARDS, CommunityDashboardPin, renderCommunityDashboardsFetchScript, unpinnedCommunityDashboards, UNPINNED_SHA256,
} from '../../../lib/observability/community-dashboards';
import { itWithTools, run } from '../../support/tools';
import { workspace } from './support/workspace';

const served = JSON.stringify({
  __inputs: [{ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }],
  panels: [{ datasource: '${DS_PROMETHEUS}' }, { datasource: { uid: '${DS_VICTORIAMETRICS}' } }],
  title: 'Node Exporter Full',
});
const sha256 = createHash('sha256').update(served).digest('hex');
/** Runs a script without blocking the event loop, which serves the stand-in for grafana.com. */
function runAsync(script: string): Promise<{ status: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [script], { timeout: 30_000 }, (error, _stdout, stderr) => {
      resolve({ status: error ? Number((error as NodeJS.ErrnoException & { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

const pin: CommunityDashboardPin = { id: 1860, revision: 37, sha256, title: 'Node Exporter Full', datasourceUid: 'victoriametrics' };

describe('community dashboards', () => {
  it('pins the five dashboards the platform has always used, by ID and revision', () => {
    expect(COMMUNITY_DASHBOARDS.map((dashboard) => dashboard.id)).toEqual([1860, 17346, 193, 11176, 13639]);
    expect(COMMUNITY_DASHBOARDS.find((dashboard) => dashboard.id === 13639)?.datasourceUid).toBe('loki');
  });

  it('names the pins whose sha256 is still the placeholder', () => {
    expect(unpinnedCommunityDashboards([pin, { ...pin, id: 193, sha256: UNPINNED_SHA256 }]).map((unpinned) => unpinned.id)).toEqual([193]);
  });

  it('refuses a pin without a real-looking sha256, and says how to get one', () => {
    expect(() => renderCommunityDashboardsFetchScript({ dashboards: [{ ...pin, sha256: 'abc' }], targetDir: '/opt/d' }))
      .toThrow(/sha256 "abc" is not 64 lower-case hex digits; pin it with `curl -sL https:\/\/grafana.com\/api\/dashboards\/1860\/revisions\/37\/download \| sha256sum`/);
    expect(() => renderCommunityDashboardsFetchScript({ dashboards: [pin], targetDir: 'relative' })).toThrow(/absolute path/);
  });

  itWithTools('shellcheck')('renders a shellcheck-clean script', () => {
    const files = workspace('community');
    try {
      const script = files.write('fetch.sh', renderCommunityDashboardsFetchScript({ dashboards: COMMUNITY_DASHBOARDS, targetDir: '/opt/mambo/grafana/community' }));
      const result = run('shellcheck', ['--shell=bash', script]);
      expect(result.stdout).toBe('');
      expect(result.status).toBe(0);
    } finally {
      files.remove();
    }
  });

  describe('the script run against a local stand-in for grafana.com', () => {
    let server: Server;
    let baseUrl = '';
    const files = workspace('community-run');

    beforeAll(async () => {
      server = createServer((request, response) => {
        if (request.url === '/api/dashboards/1860/revisions/37/download') {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(served);
        } else {
          response.writeHead(404);
          response.end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
      files.remove();
    });

    itWithTools('bash', 'curl', 'sha256sum')('installs a matching download with its datasource inputs resolved', async () => {
      const targetDir = join(files.dir, 'ok');
      const script = files.write('ok.sh', renderCommunityDashboardsFetchScript({ dashboards: [pin], targetDir, sourceBaseUrl: baseUrl }));
      const result = await runAsync(script);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const installed = readFileSync(join(targetDir, 'community-1860.json'), 'utf8');
      expect(installed).not.toContain('${DS_');
      expect(JSON.parse(installed).panels).toEqual([{ datasource: 'victoriametrics' }, { datasource: { uid: 'victoriametrics' } }]);
    });

    itWithTools('bash', 'curl', 'sha256sum')('refuses a download that does not match its pin, and still tries the others', async () => {
      const targetDir = join(files.dir, 'mismatch');
      const script = files.write('mismatch.sh', renderCommunityDashboardsFetchScript({
        dashboards: [{ ...pin, sha256: UNPINNED_SHA256 }, { ...pin, id: 193, revision: 1 }],
        targetDir,
        sourceBaseUrl: baseUrl,
      }));
      const result = await runAsync(script);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`community dashboard 1860 revision 37: sha256 ${sha256} is not the pinned ${UNPINNED_SHA256}; not installed`);
      expect(result.stderr).toContain('community dashboard 193: download of');
      expect(result.stderr).toContain('2 community dashboard(s) not installed');
      expect(existsSync(join(targetDir, 'community-1860.json'))).toBe(false);
    });
  });
});

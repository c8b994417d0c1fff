// Setting up an environment's HCP Terraform workspaces through the API, against a local stand-in that
// records each request: created or updated, tagged, in the project, the infra state shared with platform.
import * as http from 'node:http';
import { AddressInfo } from 'node:net';

import { cloudWorkspaces } from '../../lib/state-backend';
import { TerraformCloudApi, applyWorkspaces, describeWorkspaces } from '../../scripts/tfc-workspaces';
import { PRODUCTION, specOf } from '../support/platform';

const spec = specOf((document) => document.setIn([...PRODUCTION, 'state'], { backend: 'cloud', organization: 'acme', project: 'mambo', tags: ['mambo', 'env:{env}'] }));
const plans = cloudWorkspaces(spec.environments[0].state, spec.project, 'production');

interface Recorded { method: string; path: string; body?: any; authorization?: string }

async function withApi(existing: string[], test: (api: TerraformCloudApi, requests: Recorded[]) => Promise<void>) {
  const requests: Recorded[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      const path = request.url!.replace(/^\/api\/v2/, '');
      requests.push({ method: request.method!, path, body: body ? JSON.parse(body) : undefined, authorization: request.headers.authorization });
      const reply = (status: number, json?: unknown) => response.writeHead(status, { 'content-type': 'application/vnd.api+json' }).end(json ? JSON.stringify(json) : '');
      const workspace = path.match(/^\/organizations\/acme\/workspaces\/([^/?]+)$/);
      if (path.startsWith('/organizations/acme/projects')) reply(200, { data: [{ id: 'prj-1', type: 'projects' }] });
      else if (workspace) existing.includes(workspace[1]) ? reply(200, { data: { id: `ws-${workspace[1]}` } }) : reply(404);
      else if (request.method === 'POST' && path === '/organizations/acme/workspaces') reply(201, { data: { id: `ws-new-${JSON.parse(body).data.attributes.name}` } });
      else reply(200, { data: {} });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await test(new TerraformCloudApi(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`, 'test-token'), requests);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('HCP Terraform workspaces', () => {
  it('describes the plan: a workspace per stack with its tags and the state sharing', () => {
    expect(describeWorkspaces(plans, 'local')).toEqual([
      'production-infra: workspace acme/mambo-production-infra in project mambo, local execution, tags mambo, env:production, state shared with mambo-production-platform',
      'production-platform: workspace acme/mambo-production-platform in project mambo, local execution, tags mambo, env:production',
    ]);
  });

  it('creates missing workspaces in the project, tags them, and shares the infra state with the platform workspace', async () => {
    await withApi([], async (api, requests) => {
      const log = await applyWorkspaces(api, plans, 'local');
      expect(log).toEqual([
        'created workspace mambo-production-infra (local execution)', '  tags mambo, env:production',
        'created workspace mambo-production-platform (local execution)', '  tags mambo, env:production',
        'mambo-production-infra shares its state with mambo-production-platform',
      ]);
      const created = requests.filter((request) => request.method === 'POST' && request.path === '/organizations/acme/workspaces');
      expect(created.map((request) => request.body.data)).toEqual([
        { type: 'workspaces', attributes: { name: 'mambo-production-infra', 'execution-mode': 'local' }, relationships: { project: { data: { type: 'projects', id: 'prj-1' } } } },
        { type: 'workspaces', attributes: { name: 'mambo-production-platform', 'execution-mode': 'local' }, relationships: { project: { data: { type: 'projects', id: 'prj-1' } } } },
      ]);
      expect(requests.find((request) => request.path === '/workspaces/ws-new-mambo-production-infra/relationships/tags')?.body)
        .toEqual({ data: [{ type: 'tags', attributes: { name: 'mambo' } }, { type: 'tags', attributes: { name: 'env:production' } }] });
      expect(requests.find((request) => request.path.endsWith('/remote-state-consumers'))).toMatchObject({
        path: '/workspaces/ws-new-mambo-production-infra/relationships/remote-state-consumers',
        body: { data: [{ type: 'workspaces', id: 'ws-new-mambo-production-platform' }] },
      });
      expect(requests.every((request) => request.authorization === 'Bearer test-token')).toBe(true);
    });
  });

  it('updates workspaces that exist instead of creating them', async () => {
    await withApi(['mambo-production-infra', 'mambo-production-platform'], async (api, requests) => {
      await applyWorkspaces(api, plans, 'remote');
      expect(requests.filter((request) => request.method === 'POST' && request.path === '/organizations/acme/workspaces')).toEqual([]);
      expect(requests.filter((request) => request.method === 'PATCH').map((request) => [request.path, request.body.data.attributes['execution-mode']]))
        .toEqual([['/workspaces/ws-mambo-production-infra', 'remote'], ['/workspaces/ws-mambo-production-platform', 'remote']]);
    });
  });
});

// npm run tfc-workspaces -- <env> [--apply]: sets up the HCP Terraform workspaces of an environment whose
// state is `backend: cloud`: one per stack, in the configured project, with the configured tags (the cloud
// block can name a workspace or select by tags, not both), the execution mode, and the infra workspace's
// state shared with the platform workspace, whose terraform_remote_state reads it. Without --apply it
// only prints what it would do.
//
//   npm run tfc-workspaces -- production                      # the plan
//   TF_API_TOKEN=... npm run tfc-workspaces -- production --apply [--execution-mode local|remote|agent]

import { APP_DEFINITIONS } from '../apps';
import { configFileFrom, loadPlatformFile } from '../lib/config';
import { CloudWorkspacePlan, cloudWorkspaces } from '../lib/state-backend';

export type ExecutionMode = 'local' | 'remote' | 'agent';

/** The smallest HCP Terraform API client the setup needs (JSON:API over fetch). */
export class TerraformCloudApi {
  constructor(private readonly baseUrl: string, private readonly token: string) {}

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/vnd.api+json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 400 && response.status !== 404) {
      throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
    }
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }
}

/** Creates or updates each workspace, tags it, and shares the infra state with the platform workspace. */
export async function applyWorkspaces(api: TerraformCloudApi, plans: readonly CloudWorkspacePlan[], executionMode: ExecutionMode): Promise<string[]> {
  const log: string[] = [];
  const ids = new Map<string, string>();

  for (const plan of plans) {
    const org = encodeURIComponent(plan.organization);
    let projectId: string | undefined;
    if (plan.project) {
      const projects = await api.request('GET', `/organizations/${org}/projects?filter%5Bnames%5D=${encodeURIComponent(plan.project)}`);
      projectId = projects.json?.data?.[0]?.id;
      if (!projectId) throw new Error(`no project "${plan.project}" in organization ${plan.organization}; create it first`);
    }
    const attributes = { name: plan.workspace, 'execution-mode': executionMode };
    const relationships = projectId ? { project: { data: { type: 'projects', id: projectId } } } : undefined;

    const existing = await api.request('GET', `/organizations/${org}/workspaces/${encodeURIComponent(plan.workspace)}`);
    let id: string;
    if (existing.status === 404) {
      const created = await api.request('POST', `/organizations/${org}/workspaces`, { data: { type: 'workspaces', attributes, relationships } });
      id = created.json.data.id;
      log.push(`created workspace ${plan.workspace} (${executionMode} execution)`);
    } else {
      id = existing.json.data.id;
      await api.request('PATCH', `/workspaces/${id}`, { data: { type: 'workspaces', attributes, relationships } });
      log.push(`updated workspace ${plan.workspace} (${executionMode} execution)`);
    }
    ids.set(plan.workspace, id);

    if (plan.tags.length > 0) {
      await api.request('POST', `/workspaces/${id}/relationships/tags`, { data: plan.tags.map((tag) => ({ type: 'tags', attributes: { name: tag } })) });
      log.push(`  tags ${plan.tags.join(', ')}`);
    }
  }

  for (const plan of plans) {
    const consumers = plan.sharesStateWith.map((workspace) => ids.get(workspace)).filter((id): id is string => id !== undefined);
    if (consumers.length === 0) continue;
    await api.request('POST', `/workspaces/${ids.get(plan.workspace)}/relationships/remote-state-consumers`,
      { data: consumers.map((id) => ({ type: 'workspaces', id })) });
    log.push(`${plan.workspace} shares its state with ${plan.sharesStateWith.join(', ')}`);
  }
  return log;
}

export function describeWorkspaces(plans: readonly CloudWorkspacePlan[], executionMode: ExecutionMode): string[] {
  return plans.map((plan) => `${plan.stack}: workspace ${plan.organization}/${plan.workspace}` +
    `${plan.project ? ` in project ${plan.project}` : ''}, ${executionMode} execution` +
    `${plan.tags.length > 0 ? `, tags ${plan.tags.join(', ')}` : ''}` +
    `${plan.sharesStateWith.length > 0 ? `, state shared with ${plan.sharesStateWith.join(', ')}` : ''}`);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const apply = argv.includes('--apply');
  const modeFlag = argv.indexOf('--execution-mode');
  const executionMode = (modeFlag === -1 ? 'local' : argv[modeFlag + 1]) as ExecutionMode;
  const configFlag = argv.indexOf('--config');
  // An option's value is not the environment; without the option (indexOf -1) nothing is excluded.
  const optionValue = (index: number) => (modeFlag !== -1 && index === modeFlag + 1) || (configFlag !== -1 && index === configFlag + 1);
  const environmentName = argv.find((arg, index) => !arg.startsWith('--') && !optionValue(index));
  if (!environmentName || !['local', 'remote', 'agent'].includes(executionMode)) {
    console.error('usage: npm run tfc-workspaces -- <env> [--apply] [--execution-mode local|remote|agent] [--config <file>]');
    return 2;
  }

  const spec = loadPlatformFile(configFileFrom(configFlag === -1 ? [] : ['--config', argv[configFlag + 1]], process.env), APP_DEFINITIONS);
  const environment = spec.environments.find((candidate) => candidate.name === environmentName);
  if (!environment) throw new Error(`no environment "${environmentName}"; expected one of ${spec.environments.map((candidate) => candidate.name).join(', ')}`);
  if (environment.state.backend !== 'cloud') throw new Error(`environment ${environmentName} keeps its state in ${environment.state.backend}, not HCP Terraform`);

  const plans = cloudWorkspaces(environment.state, spec.project, environment.name);
  if (!apply) {
    for (const line of describeWorkspaces(plans, executionMode)) console.log(line);
    console.log('Dry run: add --apply (with TF_API_TOKEN) to create or update them.');
    return 0;
  }
  const token = process.env.TF_API_TOKEN ?? process.env.TF_TOKEN_app_terraform_io;
  if (!token) throw new Error('expected TF_API_TOKEN (an HCP Terraform user or team token) in the environment');
  const api = new TerraformCloudApi(process.env.MAMBO_TFC_API ?? `https://${environment.state.hostname}/api/v2`, token);
  for (const line of await applyWorkspaces(api, plans, executionMode)) console.log(line);
  return 0;
}

if (require.main === module) {
  main().then((code) => process.exit(code), (error) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  });
}

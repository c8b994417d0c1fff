// Builds the platform report's model from the built stacks: the hosts' registers of containers and
// volumes, their memory budgets, the Docker networks and memberships as synthesized, the URLs from the
// spec, the alert rules and backup job the platform stack deploys (or the library's defaults while it
// deploys none), and each stack's state and variables. lib/report.ts renders it.

import { TerraformStack } from 'cdktf';

import { resolveAlertRules } from '../lib/observability/alert-rules';
import { EnvironmentReport, HostReport, ReportModel } from '../lib/report';
import { BACKUP_DEFAULTS, DEFAULT_SCHEDULES } from '../lib/scripts/model';
import { smokeTargets } from '../lib/smoke';
import { EnvironmentSpec, PlatformSpec } from '../lib/spec';
import { StackBackend, StackKind, stackBackend } from '../lib/state-backend';
import { PlatformStack } from './platform-stack';
import { variablesOf } from './stack-variables';

type ReportedRule = { readonly name: string; readonly severity: string; readonly group: string };
type ReportedBackupJob = {
  readonly schedule: string;
  readonly targets: readonly string[];
  readonly retention: { readonly localDays: number; readonly remoteDays: number };
};

/**
 * The alert rules the platform stack deploys: its `alertRules` (a list, or a construct with `rules`), or an
 * AlertRules construct anywhere in it. Looked up by shape, so the report never forces a dependency on them.
 */
function deployedAlertRules(stack: TerraformStack): readonly ReportedRule[] | undefined {
  const rulesOf = (value: unknown): readonly ReportedRule[] | undefined => {
    if (Array.isArray(value)) return value;
    const rules = (value as { rules?: unknown } | undefined)?.rules;
    return Array.isArray(rules) ? rules : undefined;
  };
  const own = rulesOf((stack as unknown as { alertRules?: unknown }).alertRules);
  if (own) return own;
  const construct = stack.node.findAll().find((candidate) => candidate.constructor.name === 'AlertRules');
  return construct ? rulesOf(construct) : undefined;
}

/** The backup job the platform stack deploys, when it exposes one as `backupJob` with a schedule. */
function deployedBackupJob(stack: TerraformStack): ReportedBackupJob | undefined {
  const job = (stack as unknown as { backupJob?: Partial<ReportedBackupJob> }).backupJob;
  if (!job || typeof job.schedule !== 'string') return undefined;
  return { schedule: job.schedule, targets: job.targets ?? [], retention: job.retention ?? BACKUP_DEFAULTS.retention };
}

/** The synthesized Terraform JSON of a stack, by stack id. */
export type StackJson = (stackId: string) => any;

export function buildReportModel(spec: PlatformSpec, stacks: readonly TerraformStack[], configFile: string, stackJson: StackJson): ReportModel {
  return {
    project: spec.project,
    configFile,
    environments: spec.environments.map((environment) => environmentReport(spec.project, environment, stacks, stackJson)),
  };
}

function environmentReport(project: string, environment: EnvironmentSpec, stacks: readonly TerraformStack[], stackJson: StackJson): EnvironmentReport {
  const stackOf = (kind: StackKind) => stacks.find((stack) => stack.node.id === `${environment.name}-${kind}`);
  const platform = stackOf('platform');
  if (!(platform instanceof PlatformStack)) throw new Error(`no platform stack for environment ${environment.name}`);
  const json = stackJson(platform.node.id);

  const hosts: HostReport[] = environment.hosts.map((hostSpec) => {
    const host = platform.hosts[hostSpec.name];
    const alias = `docker.${hostSpec.name}`;
    const networkNames = new Map<string, string>();
    const networks = Object.entries<any>(json.resource?.docker_network ?? {})
      .filter(([, network]) => network.provider === alias)
      .map(([logicalId, network]) => {
        networkNames.set(`\${docker_network.${logicalId}.name}`, network.name);
        return { name: network.name as string, subnet: network.ipam_config?.[0]?.subnet as string | undefined, internal: network.internal === true };
      });
    const synthesized = Object.values<any>(json.resource?.docker_container ?? {}).filter((container) => container.provider === alias);

    return {
      name: hostSpec.name,
      fqdn: environment.hostnames.find((hostname) => hostname.service === `host.${hostSpec.name}`)?.fqdn ?? hostSpec.name,
      serverType: hostSpec.serverType,
      location: hostSpec.location,
      architecture: hostSpec.type.architecture,
      budget: host.memoryBudget(),
      networks,
      containers: host.containers.map((container) => ({
        name: container.name,
        role: container.role,
        app: container.app,
        image: container.image,
        memoryMiB: container.memoryMiB,
        networks: (synthesized.find((candidate) => candidate.name === container.name)?.networks_advanced ?? [])
          .map((membership: { name: string }) => networkNames.get(membership.name) ?? membership.name),
        hostnames: container.hostnames,
        publishedPorts: container.publishedPorts,
      })),
    };
  });

  const deployedRules = deployedAlertRules(platform);
  const alerts = deployedRules
    ? { source: 'platform-stack' as const, rules: deployedRules.map((rule) => ({ name: rule.name, severity: rule.severity, group: rule.group })) }
    : { source: 'defaults' as const, rules: resolveAlertRules().map((rule) => ({ name: rule.name, severity: rule.severity, group: rule.group })) };

  const volumes = environment.hosts.flatMap((hostSpec) => platform.hosts[hostSpec.name].volumes.map((volume) => ({
    name: volume.name, host: hostSpec.name, policy: volume.backup, owner: volume.owner,
  })));
  const backupJob = deployedBackupJob(platform);
  const backups = backupJob
    ? { source: 'platform-stack' as const, ...backupJob, volumes }
    : {
      source: 'defaults' as const,
      schedule: DEFAULT_SCHEDULES.backup,
      targets: [],
      // Limitation: the backup scripts' own default, not yet the tier's (environment.retention); the backup
      // job that the platform stack will deploy is where the tier's retention belongs.
      retention: BACKUP_DEFAULTS.retention,
      volumes,
    };

  const hostOf = (hostname: string) => environment.hostnames.find((candidate) => candidate.fqdn === hostname)?.host ?? '';
  return {
    name: environment.name,
    tier: environment.tier,
    letsEncrypt: environment.letsEncrypt,
    hosts,
    urls: smokeTargets(environment).map((target) => ({ url: target.url, service: target.service, protection: target.protection, host: hostOf(target.hostname) })),
    alerts,
    backups,
    stacks: (['infra', 'platform'] as const).map((kind) => {
      const stack = stackOf(kind);
      return {
        name: `${environment.name}-${kind}`,
        state: describeState(stackBackend(environment.state, { project, environment: environment.name, kind }), `${environment.name}-${kind}`),
        variables: stack ? variablesOf(stack) : [],
      };
    }),
  };
}

function describeState(backend: StackBackend, stack: string): string {
  switch (backend.kind) {
    case 'local': return `local file ${backend.path ?? `terraform.${stack}.tfstate`}`;
    case 'cloud': return `HCP Terraform ${backend.organization}/${backend.workspace}${backend.tags.length > 0 ? ` (tags ${backend.tags.join(', ')})` : ''}`;
    case 's3': return `S3 s3://${backend.bucket}/${backend.key} at ${backend.endpoint}`;
  }
}

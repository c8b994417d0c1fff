// Applies the platform's policy rules (lib/policy.ts) to a stack at synth. It reads what Terraform
// will get, every docker_container, docker_image and docker_volume with overrides applied, so a rule
// holds however a resource was made. An error throws one line naming the rule and the construct path
// (cdktf's error annotations do not stop `cdktf synth`); a warning is an annotation. Exceptions are
// explicit: `Policy.accept(construct, 'MAMBO-P001', 'why')` covers the construct and all it contains.

import { Annotations, TerraformResource, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { parse } from 'yaml';

import {
  DOCKER_SOCKET_IMAGES, DOCKER_SOCKET_PATHS, EDGE_PORTS, HOST_ACCESS_IMAGES, POLICY_RULES, PolicyRuleId, hasDnsName, hostsInRule,
  imageProblem, isCatalogImage, isReference, plainSecretProblem,
} from '../lib/policy';
import { DockerHost } from './docker-host';
import { TraefikEdge } from './traefik-edge';

export interface PolicyOptions {
  /**
   * The names the environment's DNS holds (lib/policy.ts `dnsNamesOf`). Routers' hostnames are checked
   * against them (MAMBO-P005). @default no DNS check
   */
  readonly dnsNames?: readonly string[];
}

export interface PolicyFinding {
  readonly rule: PolicyRuleId;
  readonly severity: 'error' | 'warning';
  /** The construct path of the resource at fault. */
  readonly path: string;
  readonly message: string;
  /** The reason given to Policy.accept, when the finding is accepted. */
  readonly accepted?: string;
}

/** A synth stopped by the policy: one line, each violation with its rule and construct path. */
export class PolicyViolationError extends Error {
  constructor(readonly findings: readonly PolicyFinding[]) {
    super(`policy: ${findings.map(describeFinding).join('; ')}`);
    this.name = 'PolicyViolationError';
  }
}

const accepted = new WeakMap<IConstruct, Map<PolicyRuleId, string>>();
const enforced = new WeakSet<TerraformStack>();

export class Policy {
  /**
   * Accepts an exception to `rule` for `scope` and everything inside it. The reason is required and is
   * what a reviewer reads: say why the rule does not apply here.
   */
  static accept(scope: IConstruct, rule: PolicyRuleId, reason: string): void {
    if (!(rule in POLICY_RULES)) throw new Error(`${scope.node.path}: unknown policy rule ${rule}; expected one of ${Object.keys(POLICY_RULES).join(', ')}`);
    if (reason.trim().length < 10) throw new Error(`${scope.node.path}: accepting ${rule} needs a reason (a sentence on why the rule does not apply)`);
    const rules = accepted.get(scope) ?? new Map<PolicyRuleId, string>();
    rules.set(rule, reason.trim());
    accepted.set(scope, rules);
  }

  /** Checks `stack` at synth: errors stop the synth with PolicyViolationError, warnings become annotations. */
  static enforce(stack: TerraformStack, options: PolicyOptions = {}): void {
    if (enforced.has(stack)) return;
    enforced.add(stack);
    let reported = false;
    stack.node.addValidation({
      validate: () => {
        const findings = Policy.check(stack, options).filter((finding) => finding.accepted === undefined);
        const errors = findings.filter((finding) => finding.severity === 'error');
        if (errors.length > 0) throw new PolicyViolationError(errors);
        if (!reported) {
          reported = true;
          for (const warning of findings) Annotations.of(stack).addWarning(describeFinding(warning));
        }
        return [];
      },
    });
  }

  /** Every finding in `stack`, accepted ones included (with their reason). */
  static check(stack: TerraformStack, options: PolicyOptions = {}): PolicyFinding[] {
    const findings: PolicyFinding[] = [];
    const report = (resource: IConstruct, rule: PolicyRuleId, message: string) => {
      findings.push({ rule, severity: POLICY_RULES[rule].severity, path: resource.node.path, message, accepted: acceptance(resource, rule) });
    };

    const resources = stack.node.findAll().filter(TerraformResource.isTerraformResource) as TerraformResource[];
    // The stack as Terraform will get it: tokens resolved, overrides applied.
    const document = stack.toTerraform() as { resource?: Record<string, Record<string, Record<string, any>>> };
    const attributesOf = (resource: TerraformResource): Record<string, any> =>
      document.resource?.[resource.terraformResourceType]?.[resource.friendlyUniqueId] ?? {};
    const ofType = (type: string) => resources.filter((resource) => resource.terraformResourceType === type);

    // Images by the reference a container uses for them (`${docker_image.<id>.image_id}`).
    const images = new Map<string, string>();
    for (const image of ofType('docker_image')) {
      const name = attributesOf(image).name;
      if (typeof name !== 'string') continue;
      images.set(`\${docker_image.${image.friendlyUniqueId}.image_id}`, name);
      images.set(`\${docker_image.${image.friendlyUniqueId}.name}`, name);
      if (!isReference(name)) {
        const problem = imageProblem(name);
        if (problem) report(image, 'MAMBO-P003', problem);
      }
    }

    const edgeContainers = new Set(stack.node.findAll().filter((node): node is TraefikEdge => node instanceof TraefikEdge)
      .map((edge) => edge.traefik.container as IConstruct));

    for (const container of ofType('docker_container')) {
      const attributes = attributesOf(container);
      const image = typeof attributes.image === 'string' ? (images.get(attributes.image) ?? attributes.image) : '';
      if (image && !isReference(image) && !images.has(attributes.image)) {
        const problem = imageProblem(image);
        if (problem) report(container, 'MAMBO-P003', problem);
      }
      checkContainer(container, attributes, image, edgeContainers.has(container), options, report);
    }

    // Volumes: every one registered with a host under a backup policy other than none.
    const registered = new Map(stack.node.findAll().filter((node): node is DockerHost => node instanceof DockerHost)
      .flatMap((host) => host.volumes.map((volume) => [volume.volume as IConstruct, volume.backup] as const)));
    for (const volume of ofType('docker_volume')) {
      const backup = registered.get(volume);
      if (backup === undefined) report(volume, 'MAMBO-P006', 'is not registered with its host (DockerHost.addVolume), so no backup covers it');
      else if (backup === 'none') report(volume, 'MAMBO-P006', 'is registered with backup policy "none"');
    }
    return findings;
  }
}

type Report = (resource: IConstruct, rule: PolicyRuleId, message: string) => void;

function checkContainer(
  container: TerraformResource, attributes: Record<string, any>, image: string, isEdge: boolean, options: PolicyOptions, report: Report,
): void {
  for (const port of (attributes.ports ?? []) as { internal?: number; external?: number; protocol?: string }[]) {
    const external = port.external;
    if (!isEdge || typeof external !== 'number' || !EDGE_PORTS.includes(external)) {
      const published = external === undefined ? 'a random host port' : `port ${external}`;
      report(container, 'MAMBO-P001', `publishes ${published} (container port ${port.internal}/${port.protocol ?? 'tcp'})`);
    }
  }

  if (typeof attributes.memory !== 'number' || attributes.memory <= 0) report(container, 'MAMBO-P002', 'has no memory limit');

  const securityOpts: string[] = attributes.security_opts ?? [];
  if (!securityOpts.some((option) => /^no-new-privileges(:true|=true)?$/.test(option))) {
    report(container, 'MAMBO-P010', 'runs without security option no-new-privileges:true');
  }

  const hostAccess = [
    attributes.privileged === true ? 'is privileged' : undefined,
    ...(['network_mode', 'pid_mode', 'ipc_mode', 'userns_mode'] as const)
      .filter((key) => attributes[key] === 'host')
      .map((key) => `uses the host's ${key.replace('_mode', '').replace('userns', 'user').toUpperCase()} namespace`),
    ...((attributes.capabilities?.[0]?.add ?? attributes.capabilities?.add ?? []) as string[])
      .filter((capability) => ['ALL', 'SYS_ADMIN', 'CAP_SYS_ADMIN'].includes(capability.toUpperCase()))
      .map((capability) => `adds capability ${capability}`),
  ].filter((problem): problem is string => problem !== undefined);
  if (hostAccess.length > 0 && !isCatalogImage(image, HOST_ACCESS_IMAGES)) report(container, 'MAMBO-P008', hostAccess.join(', '));

  const bindSources = [
    ...((attributes.volumes ?? []) as { host_path?: string }[]).map((volume) => volume.host_path),
    ...((attributes.mounts ?? []) as { type?: string; source?: string }[]).filter((mount) => mount.type === 'bind').map((mount) => mount.source),
  ].filter((path): path is string => typeof path === 'string').map((path) => path.replace(/\/+$/, '') || '/');
  const socket = bindSources.find((path) => DOCKER_SOCKET_PATHS.includes(path));
  const env: string[] = attributes.env ?? [];
  if (socket) {
    if (!isCatalogImage(image, DOCKER_SOCKET_IMAGES)) report(container, 'MAMBO-P009', `mounts ${socket} from the host; expected the socket proxy`);
    else if (!env.includes('POST=0')) report(container, 'MAMBO-P009', 'is the socket proxy without POST=0: it would forward writes');
  }

  for (const entry of env) {
    const problem = plainSecretProblem(entry);
    if (problem) report(container, 'MAMBO-P007', problem);
  }

  for (const router of routersOf(attributes)) {
    if (!router.tls) report(container, 'MAMBO-P004', `router ${router.name} has no TLS`);
    if (router.entrypoints.includes('web')) report(container, 'MAMBO-P004', `router ${router.name} listens on the plain-HTTP entrypoint web`);
    if (options.dnsNames) {
      for (const hostname of router.hostnames) {
        if (!hasDnsName(hostname, options.dnsNames)) report(container, 'MAMBO-P005', `router ${router.name} serves ${hostname}, which has no DNS record in the environment`);
      }
    }
  }
}

interface RouterFacts {
  readonly name: string;
  readonly tls: boolean;
  readonly entrypoints: readonly string[];
  readonly hostnames: readonly string[];
}

/** HTTP routers a container defines: through Docker labels, and in dynamic configuration files it is given. */
function routersOf(attributes: Record<string, any>): RouterFacts[] {
  const routers: RouterFacts[] = [];
  const labels = Object.fromEntries(((attributes.labels ?? []) as { label: string; value: string }[]).map(({ label, value }) => [label, value]));
  if (labels['traefik.enable'] === 'true') {
    const names = new Set(Object.keys(labels).map((label) => /^traefik\.http\.routers\.([^.]+)\./.exec(label)?.[1]).filter((name): name is string => !!name));
    for (const name of names) {
      const key = `traefik.http.routers.${name}`;
      const tls = labels[`${key}.tls`] === 'true' || [`${key}.tls.certresolver`, `${key}.tls.options`].some((option) => labels[option] !== undefined);
      routers.push({
        name,
        tls: tls && labels[`${key}.tls`] !== 'false',
        entrypoints: (labels[`${key}.entrypoints`] ?? '').split(',').map((entrypoint: string) => entrypoint.trim()).filter(Boolean),
        hostnames: hostsInRule(labels[`${key}.rule`] ?? ''),
      });
    }
  }

  for (const upload of (attributes.upload ?? []) as { file?: string; content?: string }[]) {
    if (!upload.file || !/\.ya?ml$/.test(upload.file) || typeof upload.content !== 'string' || isReference(upload.content)) continue;
    let document: any;
    try {
      document = parse(upload.content.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{'));
    } catch {
      continue;
    }
    for (const [name, router] of Object.entries<any>(document?.http?.routers ?? {})) {
      routers.push({
        name: `${name}@file`,
        tls: router?.tls !== undefined && router?.tls !== false,
        entrypoints: router?.entryPoints ?? [],
        hostnames: hostsInRule(String(router?.rule ?? '')),
      });
    }
  }
  return routers;
}

function acceptance(resource: IConstruct, rule: PolicyRuleId): string | undefined {
  for (const scope of [...resource.node.scopes].reverse()) {
    const reason = accepted.get(scope)?.get(rule);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

function describeFinding(finding: PolicyFinding): string {
  return `${finding.rule} (${POLICY_RULES[finding.rule].title}) at ${finding.path}: ${finding.message}; ${POLICY_RULES[finding.rule].reason}. ` +
    `To accept: Policy.accept(<construct>, '${finding.rule}', '<why>')`;
}

// The memory budget of a host: the sum of its containers' memory limits against what the server
// type leaves usable, with headroom for the page cache and bursts.

import { ServerType } from './hetzner-catalog';

export interface MemoryConsumer {
  /** Container name. */
  readonly name: string;
  /** `platform` (edge, proxy, observability, SSO, backups), `app`, or an app's `companion`. */
  readonly role: 'platform' | 'app' | 'companion';
  readonly memoryMiB: number;
  /** The app it belongs to, for apps and companions. */
  readonly app?: string;
}

/** Share of usable memory kept free of container limits. */
export const HEADROOM_FRACTION = 0.1;

export interface MemoryBudget {
  readonly host: string;
  readonly serverType: string;
  readonly usableMiB: number;
  /** Usable memory less headroom: what the limits may add up to. */
  readonly limitMiB: number;
  readonly platformMiB: number;
  readonly appsMiB: number;
  readonly totalMiB: number;
  readonly fits: boolean;
  readonly consumers: readonly MemoryConsumer[];
}

export function memoryBudget(host: string, serverType: ServerType, consumers: readonly MemoryConsumer[]): MemoryBudget {
  const sum = (role?: MemoryConsumer['role'][]) =>
    consumers.filter((consumer) => !role || role.includes(consumer.role)).reduce((total, consumer) => total + consumer.memoryMiB, 0);
  const limitMiB = Math.floor(serverType.usableMemoryMiB * (1 - HEADROOM_FRACTION));
  const totalMiB = sum();
  return {
    host,
    serverType: serverType.name,
    usableMiB: serverType.usableMemoryMiB,
    limitMiB,
    platformMiB: sum(['platform']),
    appsMiB: sum(['app', 'companion']),
    totalMiB,
    fits: totalMiB <= limitMiB,
    consumers: [...consumers].sort((a, b) => b.memoryMiB - a.memoryMiB || a.name.localeCompare(b.name)),
  };
}

/** One line for the synth log when the budget fits. */
export function describeBudget(budget: MemoryBudget): string {
  return `host ${budget.host} (${budget.serverType}): ${budget.totalMiB} MiB of ${budget.limitMiB} MiB limit ` +
    `(${budget.usableMiB} MiB usable less ${HEADROOM_FRACTION * 100} % headroom): platform ${budget.platformMiB} MiB, ` +
    `apps ${budget.appsMiB} MiB, ${budget.limitMiB - budget.totalMiB} MiB free`;
}

/**
 * The error when it does not fit: totals, a table of the biggest consumers and, given the environment,
 * the platform.yaml paths to change.
 */
export function describeOverflow(budget: MemoryBudget, rows = 8, environment?: string): string {
  const table = budget.consumers.slice(0, rows).map((consumer) =>
    `    ${consumer.name.padEnd(36)} ${consumer.role.padEnd(10)} ${String(consumer.memoryMiB).padStart(6)} MiB`);
  const apps = [...new Set(budget.consumers.filter((consumer) => consumer.app && consumer.app !== 'backoffice').map((consumer) => consumer.app!))];
  const paths = environment === undefined ? [] : [
    `  In platform.yaml: environments.${environment}.hosts.${budget.host}.serverType` +
      (apps.length > 0 ? `, or ${apps.slice(0, 3).map((app) => `environments.${environment}.apps.${app}.memoryMiB`).join(', ')}` : ''),
  ];
  return [
    `host ${budget.host} (${budget.serverType}): container memory limits add up to ${budget.totalMiB} MiB, ` +
      `over the ${budget.limitMiB} MiB that fit (${budget.usableMiB} MiB usable less ${HEADROOM_FRACTION * 100} % headroom); ` +
      'expected smaller memoryMiB values, fewer apps on this host, or a larger serverType. Biggest consumers:',
    ...table,
    ...paths,
  ].join('\n');
}

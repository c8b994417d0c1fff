// Command-line flags for the two exporters the platform runs beside its apps: cAdvisor (per-container CPU,
// memory, OOM kills) and node exporter (the host). The metrics the alert rules and dashboards read depend
// on these flags, so they live with the renderers rather than in the construct.
import { ObservabilityAddresses, listenAddress, resolveAddresses } from './topology';

/** Docker label that names the app a container belongs to; logs and metrics are labelled with it. */
export const APP_LABEL = 'mambo.app';

/** The same label as Prometheus-style exporters and service discovery spell it. */
export const APP_LABEL_METRIC = 'container_label_mambo_app';

export interface CadvisorModel {
  readonly addresses?: Partial<ObservabilityAddresses>;
  /** Seconds between container stats collections. @default 30 */
  readonly housekeepingSeconds?: number;
}

/**
 * Flags for cAdvisor. Only Docker containers, stats every 30 s (not every second), and the collectors nobody
 * reads switched off: together they keep it inside its footprint. `oom_event` stays on for ContainerOomKilled.
 */
export function cadvisorFlags(model: CadvisorModel = {}): string[] {
  const addresses = resolveAddresses(model.addresses);
  const housekeeping = model.housekeepingSeconds ?? 30;
  if (!Number.isInteger(housekeeping) || housekeeping < 1) {
    throw new Error(`cadvisor housekeepingSeconds is ${housekeeping}; expected a whole number of seconds, at least 1`);
  }
  return [
    `--port=${Number(listenAddress(addresses.cadvisor).slice(1))}`,
    '--docker_only=true',
    `--housekeeping_interval=${housekeeping}s`,
    '--disable_metrics=advtcp,cpu_topology,cpuset,disk,diskIO,hugetlb,memory_numa,percpu,process,referenced_memory,resctrl,sched,tcp,udp',
    // Only the app label becomes a metric label (container_label_mambo_app); all labels would multiply series.
    '--store_container_labels=false',
    `--whitelisted_container_labels=${APP_LABEL}`,
  ];
}

export interface NodeExporterModel {
  readonly addresses?: Partial<ObservabilityAddresses>;
  /** Where the host's root is mounted in the container. @default '/rootfs' */
  readonly rootfsPath?: string;
  /** Directory of `*.prom` files that host scripts write (fail2ban, backups). @default '/textfile' */
  readonly textfileDirectory?: string;
}

/** Flags for node exporter reading the host through read-only mounts of /proc, /sys and /. */
export function nodeExporterFlags(model: NodeExporterModel = {}): string[] {
  const addresses = resolveAddresses(model.addresses);
  const rootfs = model.rootfsPath ?? '/rootfs';
  return [
    `--web.listen-address=${listenAddress(addresses.nodeExporter)}`,
    '--path.procfs=/host/proc',
    '--path.sysfs=/host/sys',
    `--path.rootfs=${rootfs}`,
    // Docker's own mounts would report every container layer as a filesystem.
    '--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run|var/lib/docker/.+)($|/)',
    `--collector.textfile.directory=${model.textfileDirectory ?? '/textfile'}`,
  ];
}

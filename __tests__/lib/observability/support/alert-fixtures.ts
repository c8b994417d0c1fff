// Synthetic series for each default alert rule, parameterised by the level of the quantity the rule
// measures, so the promtool unit tests follow the thresholds the model resolves (defaults or overrides).

/** One promtool input series: a selector and its expanding notation values. */
export interface PromtoolSeries {
  readonly series: string;
  readonly values: string;
}

export interface AlertFixture {
  /** Series that hold the measured quantity at `level`; `fireAt` is when the firing check runs (seconds). */
  series(level: number, fireAt: number): PromtoolSeries[];
  /** A level that breaches the threshold. */
  breach(threshold: number | undefined): number;
  /** A level just inside the threshold: it must never fire. */
  calm(threshold: number | undefined): number;
  /** Labels the alert carries besides the rule's own. */
  readonly labels: Readonly<Record<string, string>>;
  /** The `$value` the rule sees at `level`; the level itself unless this says otherwise. */
  value?(level: number): number;
  /** First evaluation at which the expression can hold (seconds); the `for` window starts no earlier. */
  readonly earliest: number;
  /** When the measured value is exact (windows full of samples), so annotations can be predicted. */
  settled(level: number): number;
}

/** Sample spacing of every fixture and of promtool's evaluation. */
export const STEP_SECONDS = 15;
const steps = (seconds: number): number => Math.ceil(seconds / STEP_SECONDS);

/** Enough samples to reach past the last evaluation of any test. */
const horizon = (fireAt: number): number => steps(fireAt) + 8;

const node = { instance: 'node-exporter:9100', job: 'node-exporter' };
const disk = { ...node, device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' };

function selector(name: string, labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  return `${name}{${pairs.join(', ')}}`;
}

/** A counter growing by `perStep` each step from zero. */
const counter = (perStep: number, fireAt: number): string => `0+${perStep}x${horizon(fireAt)}`;
const constant = (value: number, fireAt: number): string => `${value}x${horizon(fireAt)}`;

const above = (threshold: number | undefined): number => (threshold ?? 0) + 5;
const below = (threshold: number | undefined): number => (threshold ?? 0) - 1;

const cpu: AlertFixture = {
  series: (level, fireAt) => [{
    series: selector('node_cpu_seconds_total', { ...node, cpu: '0', mode: 'idle' }),
    values: counter(((100 - level) / 100) * STEP_SECONDS, fireAt),
  }],
  breach: (threshold) => Math.min(above(threshold), 100),
  calm: below,
  labels: { instance: node.instance },
  earliest: STEP_SECONDS,
  settled: () => 120,
};

const memory: AlertFixture = {
  series: (level, fireAt) => [
    { series: selector('node_memory_MemTotal_bytes', node), values: constant(4e9, fireAt) },
    { series: selector('node_memory_MemAvailable_bytes', node), values: constant((1 - level / 100) * 4e9, fireAt) },
  ],
  breach: (threshold) => Math.min(above(threshold), 100),
  calm: below,
  labels: node,
  earliest: 0,
  settled: () => 0,
};

const diskUsage: AlertFixture = {
  series: (level, fireAt) => [
    { series: selector('node_filesystem_size_bytes', disk), values: constant(1e11, fireAt) },
    { series: selector('node_filesystem_avail_bytes', disk), values: constant((1 - level / 100) * 1e11, fireAt) },
  ],
  breach: (threshold) => Math.min(above(threshold), 100),
  calm: below,
  labels: disk,
  earliest: 0,
  settled: () => 0,
};

// The level is the number of hours until the disk is full, seen at the firing check.
const diskFilling: AlertFixture = {
  series: (level, fireAt) => {
    const bytesPerStep = 1e9 / 3600 * STEP_SECONDS;
    const atStart = level * 1e9 + (fireAt / STEP_SECONDS) * bytesPerStep;
    return [{
      series: selector('node_filesystem_avail_bytes', disk),
      values: `${atStart}-${bytesPerStep}x${horizon(fireAt)}`,
    }];
  },
  breach: (threshold) => (threshold ?? 24) - 4,
  calm: (threshold) => (threshold ?? 24) + 1,
  labels: disk,
  earliest: STEP_SECONDS,
  settled: () => STEP_SECONDS,
};

const target: AlertFixture = {
  series: (level, fireAt) => [{
    series: selector('up', { instance: 'grafana:3000', job: 'grafana' }),
    values: constant(level, fireAt),
  }],
  breach: () => 0,
  calm: () => 1,
  labels: { instance: 'grafana:3000', job: 'grafana' },
  earliest: 0,
  settled: () => 0,
};

// The level is the number of days left on the certificate at the firing check.
const tls: AlertFixture = {
  series: (level, fireAt) => [{
    series: selector('traefik_tls_certs_not_after', { cn: 'shop.example.com', sans: 'shop.example.com', serial: '1' }),
    values: constant(fireAt + level * 86_400, fireAt),
  }],
  breach: (threshold) => (threshold ?? 7) - 4,
  calm: (threshold) => (threshold ?? 7) + 0.5,
  labels: { cn: 'shop.example.com' },
  earliest: 0,
  settled: () => 0,
};

// The level is 5xx responses per minute.
const serverErrors: AlertFixture = {
  series: (level, fireAt) => [{
    series: selector('traefik_service_requests_total', { code: '502', method: 'GET', protocol: 'http', service: 'shop@docker' }),
    values: counter(level / (60 / STEP_SECONDS), fireAt),
  }],
  breach: above,
  calm: (threshold) => threshold ?? 0,
  labels: { service: 'shop@docker' },
  earliest: STEP_SECONDS,
  settled: () => 60,
};

const cadvisor = { id: '/system.slice/docker-abc.scope', image: 'shop:1.0.0', name: 'shop' };

const containerMemory: AlertFixture = {
  series: (level, fireAt) => [
    { series: selector('container_spec_memory_limit_bytes', cadvisor), values: constant(1e9, fireAt) },
    { series: selector('container_memory_working_set_bytes', cadvisor), values: constant(level * 1e7, fireAt) },
  ],
  breach: (threshold) => Math.min(above(threshold), 100),
  calm: below,
  labels: { name: 'shop' },
  earliest: 0,
  settled: () => 0,
};

// The level is the number of OOM kills, all two minutes into the test.
const oomKills: AlertFixture = {
  series: (level, fireAt) => [{
    series: selector('container_oom_events_total', cadvisor),
    values: `0x${steps(120)} ${level}x${horizon(fireAt)}`,
  }],
  breach: (threshold) => (threshold ?? 0) + 1,
  calm: (threshold) => threshold ?? 0,
  labels: cadvisor,
  earliest: 0,
  settled: () => 180,
};

// The level is the number of restarts, one a minute from the start.
const restarts: AlertFixture = {
  series: (level, fireAt) => {
    const values: string[] = [];
    for (let restart = 0; restart <= level; restart += 1) values.push(`${1_700_000_000 + restart * 60}x${steps(60) - 1}`);
    values.push(`${1_700_000_000 + level * 60}x${horizon(fireAt)}`);
    return [{ series: selector('container_start_time_seconds', cadvisor), values: values.join(' ') }];
  },
  breach: (threshold) => threshold ?? 3,
  calm: (threshold) => (threshold ?? 3) - 1,
  labels: cadvisor,
  earliest: 0,
  settled: (level) => (level + 1) * 60,
};

const pipeline: AlertFixture = {
  series: (level, fireAt) => [{
    series: selector('up', { instance: 'vmagent:8429', job: 'vmagent' }),
    values: constant(level, fireAt),
  }],
  breach: () => 0,
  calm: () => 1,
  labels: {},
  value: () => 1,
  earliest: 0,
  settled: () => 0,
};

/** Fixtures by default rule name; every default rule must have one. */
export const ALERT_FIXTURES: Readonly<Record<string, AlertFixture>> = {
  HostCpuHigh: cpu,
  HostCpuCritical: cpu,
  HostMemoryHigh: memory,
  HostMemoryCritical: memory,
  HostDiskHigh: diskUsage,
  HostDiskCritical: diskUsage,
  HostDiskFillingUp: diskFilling,
  TargetDown: target,
  TlsCertificateExpiring: tls,
  HttpServerErrors: serverErrors,
  ContainerMemoryNearLimit: containerMemory,
  ContainerOomKilled: oomKills,
  ContainerRestarting: restarts,
  MetricsPipelineStalled: pipeline,
};

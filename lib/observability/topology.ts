// Where each observability component listens inside the platform's Docker network. Every renderer takes
// addresses from here instead of hard-coding them, so a test can point the same configs at 127.0.0.1.

/** `host:port` as seen from other containers, e.g. `victoriametrics:8428`. */
export type HostPort = string;

/** The addresses of the observability stack and of the exporters it scrapes. */
export interface ObservabilityAddresses {
  readonly victoriaMetrics: HostPort;
  readonly vmagent: HostPort;
  readonly vmalert: HostPort;
  readonly alertmanager: HostPort;
  readonly grafana: HostPort;
  readonly loki: HostPort;
  readonly nodeExporter: HostPort;
  readonly cadvisor: HostPort;
  /** Traefik's metrics entrypoint (not its dashboard API). */
  readonly traefik: HostPort;
  /** Alloy's or Promtail's HTTP server, which also serves its own metrics. */
  readonly logShipper: HostPort;
}

/** Container names are the service names; ports are each image's documented default. */
export const DEFAULT_ADDRESSES: ObservabilityAddresses = {
  victoriaMetrics: 'victoriametrics:8428',
  vmagent: 'vmagent:8429',
  vmalert: 'vmalert:8880',
  alertmanager: 'alertmanager:9093',
  grafana: 'grafana:3000',
  loki: 'loki:3100',
  nodeExporter: 'node-exporter:9100',
  cadvisor: 'cadvisor:8080',
  traefik: 'traefik:8082',
  logShipper: 'alloy:12345',
};

/** Fills the addresses a caller did not give with {@link DEFAULT_ADDRESSES} and checks each one. */
export function resolveAddresses(given: Partial<ObservabilityAddresses> = {}): ObservabilityAddresses {
  const addresses = { ...DEFAULT_ADDRESSES, ...given };
  for (const [component, address] of Object.entries(addresses)) splitHostPort(address, `addresses.${component}`);
  return addresses;
}

/** `victoriametrics:8428` → `{ host: 'victoriametrics', port: 8428 }`; throws naming `what` otherwise. */
export function splitHostPort(address: HostPort, what = 'address'): { host: string; port: number } {
  const match = /^([A-Za-z0-9._-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65_535) {
    throw new Error(`${what} "${address}" is not host:port; expected e.g. "victoriametrics:8428"`);
  }
  return { host: match[1], port };
}

/** The `-httpListenAddr` form of an address: every interface, same port (`:8428`). */
export function listenAddress(address: HostPort): string {
  return `:${splitHostPort(address).port}`;
}

/** `http://host:port` with an optional path. */
export function httpUrl(address: HostPort, path = ''): string {
  splitHostPort(address);
  return `http://${address}${path}`;
}

// An example app with a database: Miniflux (a feed reader) with PostgreSQL. It keeps no state of
// its own outside the database, so it suits blue/green releases: both colours share the database.

import type { AppDefinition } from '../lib/app-definition';

export const miniflux: AppDefinition = {
  description: 'Miniflux feed reader, with PostgreSQL',
  image: 'miniflux/miniflux:2.2.10',
  port: 8080,
  // A Go binary serving a few users: ~30 MiB resident.
  memoryMiB: 128,
  cpus: 0.5,
  env: {
    LISTEN_ADDR: '0.0.0.0:8080',
    RUN_MIGRATIONS: '1',
    METRICS_COLLECTOR: '1',
    METRICS_ALLOWED_NETWORKS: '172.16.0.0/12,10.0.0.0/8',
  },
  secrets: [],
  healthcheck: { command: ['CMD', '/usr/bin/miniflux', '-healthcheck', 'auto'], startPeriod: '30s' },
  middlewares: ['rate-global', 'security-headers', 'compression'],
  metrics: { path: '/metrics' },
  // Miniflux reads DATABASE_URL, which the platform builds from the companion's generated password.
  companions: {
    db: { kind: 'postgres', memoryMiB: 256, cpus: 0.5 },
  },
};

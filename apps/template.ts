// The app template: copy this file to apps/<your-app>.ts, fill it in, register it in apps/index.ts,
// and add `<name>: { from: <your-app>, hostnames: [...] }` under `apps:` in platform.yaml.
// Every field below is optional except image and port; platform.yaml may override any of them.

import type { AppDefinition } from '../lib/app-definition';

export const template: AppDefinition = {
  description: 'What this app does, in one line',

  // A pinned tag that publishes linux/arm64 (and linux/amd64 for x86 hosts); never `latest`.
  image: 'ghcr.io/your-org/your-app:1.0.0',
  port: 8080,

  // The container's share of the host; the synth fails when a host's apps do not fit.
  memoryMiB: 256,
  cpus: 0.5,

  env: { LOG_LEVEL: 'info' },
  // Each name becomes a sensitive Terraform variable app_<app>_<name>, fed by TF_VAR_app_<app>_<name>.
  secrets: [],

  healthcheck: { command: ['CMD', 'wget', '-q', '--spider', 'http://127.0.0.1:8080/health'] },

  // From the edge: rate-global | rate-strict | rate-api | security-headers | compression | cors-api | https-redirect
  middlewares: ['rate-global', 'security-headers', 'compression'],
  auth: 'none',

  // Each line below switches one feature on; uncomment it.
  // Blue/green releases (`npm run release`); platform.yaml holds the colours' images:
  // release: { strategy: 'blue-green', live: 'blue' },
  // Not critical, kept current by Watchtower (services.watchtower) when the image behind its tag changes:
  // critical: false, autoUpdate: true,
  // The image lives in the platform's private registry (services.registry): `image` becomes a path there:
  // privateRegistry: true,
  // Opt in to scraping: metrics: { path: '/metrics' },
  // Named volumes (backed up): volumes: { data: '/var/lib/your-app' },
  // A database on the app's own network:
  // companions: { db: { kind: 'postgres', memoryMiB: 256 } },
};

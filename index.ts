// The library: constructs to compose your own stacks, and the pure core (config loader, renderers,
// catalogs) they are built on. `main.ts` is the app that uses them for platform.yaml.

export * from './constructs/alert-rules';
export * from './constructs/authelia-sso';
export * from './constructs/backup-job';
export * from './constructs/docker-access';
export * from './constructs/dns-zone';
export * from './constructs/docker-host';
export * from './constructs/fail2ban-jail';
export * from './constructs/hetzner-arm-host';
export * from './constructs/infra-stack';
export * from './constructs/observability-stack';
export * from './constructs/platform-app';
export * from './constructs/platform-app-builder';
export * from './constructs/platform-container';
export * from './constructs/platform-report';
export * from './constructs/platform-stack';
export * from './constructs/policy';
export * from './constructs/portainer';
export * from './constructs/private-registry';
export * from './constructs/stack-variables';
export * from './constructs/state-backend';
export * from './constructs/traefik-edge';
export * from './constructs/watchtower';

export { APP_DEFINITIONS, backoffice } from './apps';

export * from './lib/app-definition';
export * from './lib/authelia';
export * from './lib/authelia-schema';
export * from './lib/backups';
export * from './lib/capacity';
export * from './lib/cloud-init';
export * from './lib/config';
export * from './lib/config-error';
export * from './lib/config-schema';
export * from './lib/dns-records';
export * from './lib/environment-schema';
export * from './lib/environments';
export * from './lib/fail2ban';
export * from './lib/hetzner-catalog';
export * from './lib/images';
export * from './lib/observability';
export * from './lib/observability-config';
export * from './lib/optional-services';
export * from './lib/policy';
export * from './lib/private-registry';
export * from './lib/release';
export * from './lib/report';
export * from './lib/smoke';
export * from './lib/spec';
export * from './lib/state-backend';
export * from './lib/sso';
export * from './lib/subnets';
export * from './lib/traefik';
export * from './lib/traefik-labels';
export * from './lib/uptime';

// The backup and maintenance scripts' models and renderers (their NtfyTarget differs from the observability one).
export * as scripts from './lib/scripts';
export * as hcloud from './.gen/providers/hcloud';

// The library: constructs to compose your own stacks, and the pure core (config loader, renderers,
// catalogs) they are built on. `main.ts` is the app that uses them for platform.yaml.

export * from './constructs/dns-zone';
export * from './constructs/hetzner-arm-host';
export * from './constructs/infra-stack';
export * from './constructs/platform-app-builder';

export * from './lib/cloud-init';
export * from './lib/config';
export * from './lib/config-error';
export * from './lib/config-schema';
export * from './lib/dns-records';
export * from './lib/hetzner-catalog';
export * from './lib/images';
export * from './lib/spec';

export * as hcloud from './.gen/providers/hcloud';

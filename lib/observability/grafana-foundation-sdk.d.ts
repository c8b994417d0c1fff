// The foundation SDK publishes its modules only through package.json `exports` (`…/dashboard`), which the
// repository's `moduleResolution: node` cannot see; these declarations point the type checker at the same
// files under dist/, while the runtime import still goes through `exports`.
// Limitation: remove this file when tsconfig moves to `moduleResolution: node16` or `bundler`.
declare module '@grafana/grafana-foundation-sdk/bargauge' { export * from '@grafana/grafana-foundation-sdk/dist/bargauge'; }
declare module '@grafana/grafana-foundation-sdk/cog' { export * from '@grafana/grafana-foundation-sdk/dist/cog'; }
declare module '@grafana/grafana-foundation-sdk/common' { export * from '@grafana/grafana-foundation-sdk/dist/common'; }
declare module '@grafana/grafana-foundation-sdk/dashboard' { export * from '@grafana/grafana-foundation-sdk/dist/dashboard'; }
declare module '@grafana/grafana-foundation-sdk/logs' { export * from '@grafana/grafana-foundation-sdk/dist/logs'; }
declare module '@grafana/grafana-foundation-sdk/loki' { export * from '@grafana/grafana-foundation-sdk/dist/loki'; }
declare module '@grafana/grafana-foundation-sdk/prometheus' { export * from '@grafana/grafana-foundation-sdk/dist/prometheus'; }
declare module '@grafana/grafana-foundation-sdk/stat' { export * from '@grafana/grafana-foundation-sdk/dist/stat'; }
declare module '@grafana/grafana-foundation-sdk/table' { export * from '@grafana/grafana-foundation-sdk/dist/table'; }
declare module '@grafana/grafana-foundation-sdk/timeseries' { export * from '@grafana/grafana-foundation-sdk/dist/timeseries'; }

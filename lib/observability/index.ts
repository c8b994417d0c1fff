// The pure side of observability: typed models and one renderer per config format, for the
// ObservabilityStack and AlertRules constructs to wire into containers.
export * from './alert-rules';
export * from './alertmanager';
export * from './community-dashboards';
export * from './dashboards';
export * from '../duration';
export * from './exporter-metrics';
export * from './exporters';
export * from './footprint';
export * from './grafana';
export * from './log-shipper';
export * from './loki';
export * from './topology';
export * from './victoria-metrics';
export * from './vmagent';
export * from './yaml';

// Builds the stacks of the default platform.yaml, optionally changed, for construct tests.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { App, Testing } from 'cdktf';
import { Document, parseDocument } from 'yaml';

import { APP_DEFINITIONS } from '../../apps';
import { buildPlatform } from '../../constructs/platform-app-builder';
import { InfraStack } from '../../constructs/infra-stack';
import { PlatformStack } from '../../constructs/platform-stack';
import { DEFAULT_CONFIG_FILE, loadPlatformText } from '../../lib/config';
import { PlatformSpec } from '../../lib/spec';

export const DEFAULT_TEXT = readFileSync(DEFAULT_CONFIG_FILE, 'utf8');
export const PRODUCTION = ['environments', 'production'];

/** The default config with changes applied to its parsed document. */
export function configText(change: (document: Document) => void = () => undefined): string {
  const document = parseDocument(DEFAULT_TEXT);
  change(document);
  return document.toString();
}

export function specOf(change?: (document: Document) => void): PlatformSpec {
  return loadPlatformText(configText(change), 'platform.yaml', APP_DEFINITIONS);
}

export interface BuiltEnvironment {
  readonly infra: InfraStack;
  readonly platform: PlatformStack;
  /** Synthesized JSON of each stack, from a whole-app synth as `cdktf synth` runs it (cross-stack references resolved, validations run). */
  readonly infraJson: string;
  readonly platformJson: string;
  readonly platformConfig: any;
}

export function buildEnvironment(change?: (document: Document) => void, environment = 'production'): BuiltEnvironment {
  const app = Testing.app() as App;
  const stacks = buildPlatform(app, specOf(change));
  app.synth();
  // Local state paths are absolute (the project root); make them the same on every machine.
  const stackJson = (id: string) => readFileSync(path.join(app.outdir, 'stacks', id, 'cdk.tf.json'), 'utf8')
    .split(process.cwd()).join('<project>');
  const infra = stacks.find((stack) => stack.node.id === `${environment}-infra`) as InfraStack;
  const platform = stacks.find((stack) => stack.node.id === `${environment}-platform`) as PlatformStack;
  const platformJson = stackJson(platform.node.id);
  return { infra, platform, infraJson: stackJson(infra.node.id), platformJson, platformConfig: JSON.parse(platformJson) };
}

/** Resources of one type in a synthesized stack, keyed by their logical id. */
export function resourcesOf(config: any, type: string): Record<string, any> {
  return config.resource?.[type] ?? {};
}

/** The docker_container whose `name` is given. */
export function containerNamed(config: any, name: string): any {
  const found = Object.values(resourcesOf(config, 'docker_container')).find((container: any) => container.name === name);
  if (!found) throw new Error(`no container named ${name}; have ${Object.values(resourcesOf(config, 'docker_container')).map((c: any) => c.name).join(', ')}`);
  return found;
}

export function labelsOf(container: any): Record<string, string> {
  return Object.fromEntries((container.labels ?? []).map((label: { label: string; value: string }) => [label.label, label.value]));
}

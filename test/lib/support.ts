import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StackProps } from 'aws-cdk-lib';
import { App, Stack } from 'aws-cdk-lib';

/** The feature flags `cdk synth` uses, so tests synthesize what the CLI would. */
export const CDK_JSON_CONTEXT = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

/** Options of {@link newApp}. */
export interface NewAppOptions {
  /** Extra context, e.g. the app's configuration keys. */
  readonly context?: Record<string, unknown>;
  /**
   * Run esbuild for the function. Off by default: templates do not depend on the bundle, and
   * each bundling costs seconds (`aws:cdk:bundling-stacks` is how `cdk` itself skips it).
   */
  readonly bundle?: boolean;
  /**
   * Run aws-cdk-lib's built-in CloudFormation validation at synth, as `cdk synth` does. Off by
   * default in template tests: starting its engine costs several seconds per test file; the
   * app-level test turns it on.
   */
  readonly cloudFormationValidation?: boolean;
  /** Cloud assembly directory. */
  readonly outdir?: string;
}

/** An App with cdk.json's feature flags. */
export function newApp(options: NewAppOptions = {}): App {
  return new App({
    context: {
      ...CDK_JSON_CONTEXT,
      ...(options.bundle === true ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
    builtinCloudFormationValidation: options.cloudFormationValidation ?? false,
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
  });
}

/** An environment-agnostic stack in a fresh App, as `cdk synth` without credentials makes. */
export function newStack(props: StackProps = {}): Stack {
  return new Stack(newApp(), 'TestStack', props);
}

/** A policy statement as CloudFormation sees it. */
export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
}

/** `Action` as an array. */
export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/**
 * Renders a CloudFormation string value (`Fn::Join` of literals, `Ref`s and `Fn::GetAtt`s) as
 * text, writing a `Ref` as `<Ref:Id>` and an attribute as `<Id.Attr>`: the JSON an environment
 * variable built with `Stack.toJsonString` holds, with placeholders for deploy-time values.
 */
export function renderCfnString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const join = record['Fn::Join'] as [string, unknown[]] | undefined;
    if (join !== undefined) return join[1].map(renderCfnString).join(join[0]);
    if (typeof record.Ref === 'string') return `<Ref:${record.Ref}>`;
    const getAtt = record['Fn::GetAtt'] as [string, string] | undefined;
    if (getAtt !== undefined) return `<${getAtt[0]}.${getAtt[1]}>`;
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/**
 * A cycle in the references between the resources of `template` (`Ref`, `Fn::GetAtt`,
 * `Fn::Sub` and `DependsOn`), as the logical IDs around it, or `undefined`: CloudFormation
 * refuses a template with one, which synth does not notice.
 */
export function dependencyCycle(template: {
  Resources: Record<string, { DependsOn?: string | string[] } & Record<string, unknown>>;
}): string[] | undefined {
  const ids = new Set(Object.keys(template.Resources));
  const edges = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    const targets = new Set<string>();
    const dependsOn = resource.DependsOn;
    for (const target of typeof dependsOn === 'string' ? [dependsOn] : (dependsOn ?? [])) {
      targets.add(target);
    }
    collectReferences(resource, targets);
    edges.set(id, new Set([...targets].filter((target) => ids.has(target) && target !== id)));
  }
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of ids) {
    const cycle = visit(id);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

function collectReferences(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectReferences(item, into);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if (typeof record.Ref === 'string') into.add(record.Ref);
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') into.add(getAtt[0]);
  const sub = record['Fn::Sub'];
  const subText: unknown =
    typeof sub === 'string' ? sub : Array.isArray(sub) ? (sub as unknown[])[0] : undefined;
  if (typeof subText === 'string') {
    for (const [, name] of subText.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[^}]*)?\}/g)) {
      if (name !== undefined) into.add(name);
    }
  }
  for (const value of Object.values(record)) collectReferences(value, into);
}

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

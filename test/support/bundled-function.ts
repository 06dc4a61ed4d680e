/**
 * The built function bundle (dist/function/index.js) in an execution environment of its own: a
 * child process that loads it as Lambda's Node.js runtime does and is configured only by its
 * environment, as the stack configures the function. Build it first: `npm run build -- --no-types`.
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TriggerSummary } from '../../lambda/pipeline/process-trigger';
import { localLambdaContextFields } from './lambda-context';

export const FUNCTION_BUNDLE = join(__dirname, '..', '..', 'dist', 'function', 'index.js');
const RUNNER = join(__dirname, 'bundled-function-runner.cjs');

/** An invocation the handler failed, as Lambda reports it: the error's name and message. */
export class InvocationError extends Error {
  public constructor(name: string, message: string) {
    super(`${name}: ${message}`);
    this.name = 'InvocationError';
  }
}

/** One execution environment of the bundled function. */
export interface BundledFunction {
  /** Invokes the handler; rejects with an {@link InvocationError} when the handler throws. */
  invoke(event: unknown): Promise<TriggerSummary>;
  /** Ends the environment's process. */
  stop(): Promise<void>;
}

type RunnerMessage =
  | { readonly ready: true }
  | { readonly id: number; readonly ok: true; readonly summary: TriggerSummary }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly name: string; readonly message: string };
    };

/**
 * Starts an environment with `env` as its whole environment (the function reads it on its first
 * invocation) and resolves once the bundle is loaded. Each invocation gets `timeoutMs` as its
 * remaining time, as Lambda's context gives the function's timeout.
 */
export async function startBundledFunction(
  env: NodeJS.ProcessEnv,
  options: { readonly timeoutMs?: number } = {},
): Promise<BundledFunction> {
  if (!existsSync(FUNCTION_BUNDLE)) {
    throw new Error(`${FUNCTION_BUNDLE} is missing: run npm run build -- --no-types first`);
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child: ChildProcess = fork(RUNNER, [], { env, execArgv: [], stdio: 'inherit' });
  const pending = new Map<number, (message: RunnerMessage | Error) => void>();
  let ready: (() => void) | undefined;
  child.on('message', (message: RunnerMessage) => {
    if ('ready' in message) ready?.();
    else pending.get(message.id)?.(message);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    for (const settle of pending.values()) settle(new Error('The bundled function exited'));
  });
  await new Promise<void>((resolve, reject) => {
    ready = resolve;
    void exited.then(() => reject(new Error('The bundled function exited while loading')));
  });
  let nextId = 0;
  return {
    invoke: (event) => {
      const id = (nextId += 1);
      return new Promise<TriggerSummary>((resolve, reject) => {
        pending.set(id, (message) => {
          pending.delete(id);
          if (message instanceof Error) reject(message);
          else if ('ready' in message) return;
          else if (message.ok) resolve(message.summary);
          else reject(new InvocationError(message.error.name, message.error.message));
        });
        const context = localLambdaContextFields(`local-${child.pid ?? 0}-${id}`);
        child.send({ id, event, context, timeoutMs });
      });
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

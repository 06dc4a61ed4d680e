/**
 * Local S3/SNS/SQS for tests and the demo: the fauxqs emulator, in-process, on loopback only.
 *
 *   node scripts/local-aws.mjs [--port N]      (or LOCAL_AWS_PORT=N; default: a free port)
 *
 * Prints one JSON line, `{"endpoint":"http://127.0.0.1:<port>"}`, once it listens, and runs until
 * its stdin closes or it gets SIGTERM/SIGINT. Plain ESM JavaScript because fauxqs is ESM-only
 * and jest runs CommonJS: test/support/local-aws.ts spawns this file instead of importing it.
 *
 * fauxqs's `startFauxqs()` always binds 0.0.0.0; `buildApp()` plus our own `listen()` keeps an
 * unauthenticated emulator off the network.
 */
import { buildApp } from 'fauxqs';

function portFrom(argv, env) {
  const flag = argv.findIndex((arg) => arg === '--port' || arg.startsWith('--port='));
  const raw =
    flag === -1
      ? env.LOCAL_AWS_PORT
      : argv[flag].includes('=')
        ? argv[flag].slice('--port='.length)
        : argv[flag + 1];
  if (raw === undefined || raw === '') return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid port: ${raw}`);
  }
  return port;
}

const app = buildApp({ logger: false });
const endpoint = await app.listen({
  host: '127.0.0.1',
  port: portFrom(process.argv.slice(2), process.env),
});
process.stdout.write(`${JSON.stringify({ endpoint })}\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await app.close();
    process.exit(0);
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
}

process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
process.stdin.once('end', () => void stop());
process.stdin.once('close', () => void stop());
process.stdin.resume();

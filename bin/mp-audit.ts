/**
 * The `mp-audit` executable (bin/mp-audit.js loads this through tsx). The command line itself
 * is cli/main.ts.
 */
import { run } from '../cli/main';

export { main, run } from '../cli/main';

if (require.main === module) {
  run();
}

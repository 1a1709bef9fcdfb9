/** T1: escrow happy path vs a no-op workflow on the same Temporal dev server. Not built yet: no figure. */
import { notYet } from './support/bench.ts';

notYet('t1', 'Escrow happy path vs no-op workflow', 'not built yet (issue 19 left T1 open)');
process.exit(0);

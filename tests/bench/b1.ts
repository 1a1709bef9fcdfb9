/** B1: gym booking under contention. Waits for issue 16 (gym): no figure until it lands. */
import { notYet } from './support/bench.ts';

notYet('b1', 'Gym booking under contention', 'needs issue 16 (gym)');
process.exit(0);

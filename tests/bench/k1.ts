/** K1: kitchen print, Faena vs Celery + Redis. Waits for issue 18 (POS processes): no figure until it lands. */
import { notYet } from './support/bench.ts';

notYet('k1', 'Kitchen print, order sent to ESC/POS bytes received', 'needs issue 18 (POS processes)');
process.exit(0);

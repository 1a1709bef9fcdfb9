/**
 * T1's other side: a deal of the escrow's shape with nothing in it. It answers the escrow's own
 * `status` query and `markCompleted` / `approve` Updates (the contract's definitions, so one driver
 * runs both), and calls a no-op activity as many times, at the same points and as many at once, as
 * the escrow's happy path calls activities (`NoopShape`, read from an escrow history by t1.ts: the
 * activities one workflow task schedules run side by side, as the escrow's notifications do). What
 * is left between the two sides is the escrow's own work: its workflow code and real activities.
 */
import { allHandlersFinished, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import {
  approve,
  markCompleted,
  statusQuery,
  type EscrowStatus,
} from '../../../workflows/src/escrow/contract.ts';

/**
 * The escrow happy path's activities in each stretch (see t1.ts `shapeOf`), as batches: each number
 * is how many one workflow task scheduled together.
 */
export interface NoopShape {
  /** Up to and including the one that holds the money (the deal is funded after it). */
  funding: number[];
  /** While in progress, before the professional's completion is recorded. */
  funded: number[];
  /** From the completion's record until the approval's. */
  completed: number[];
  /** From the approval's record until and including the payout (the approval answers then). */
  payout: number[];
  /** After the payout. */
  closing: number[];
}

export interface NoopActivities {
  noop(step: number): Promise<void>;
}

const { noop } = proxyActivities<NoopActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export async function benchNoopDeal(shape: NoopShape): Promise<EscrowStatus['state']> {
  let state: EscrowStatus['state'] = 'awaiting_payment';
  let completed = false;
  let approved = false;
  let paidOut = false;
  let step = 0;
  const run = async (batches: number[]) => {
    for (const n of batches) await Promise.all(Array.from({ length: n }, () => noop(step++)));
  };
  /** Only the state: the driver reads nothing else. */
  const status = () => ({ state }) as EscrowStatus;
  setHandler(statusQuery, status);
  setHandler(
    markCompleted,
    (_completion) => {
      completed = true;
      state = 'completed_by_professional';
      return status();
    },
    {
      validator: (_completion) => {
        if (state !== 'in_progress') throw new Error(`deal is ${state}`);
      },
    },
  );
  setHandler(
    approve,
    async (_approval) => {
      approved = true;
      await condition(() => paidOut);
      return status();
    },
    {
      validator: (_approval) => {
        if (state !== 'completed_by_professional') throw new Error(`deal is ${state}`);
      },
    },
  );
  await run(shape.funding);
  state = 'in_progress';
  await run(shape.funded);
  await condition(() => completed);
  await run(shape.completed);
  await condition(() => approved);
  state = 'approved';
  await run(shape.payout);
  paidOut = true;
  state = 'paid_out';
  await run(shape.closing);
  await condition(allHandlersFinished);
  return state;
}

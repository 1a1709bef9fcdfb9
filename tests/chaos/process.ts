/**
 * What a business process brings to the chaos run. The escrow deal is the first; membership
 * renewal, kitchen printing or cash closure join by implementing the same shape and being listed
 * in run.ts's PROCESSES:
 *
 *   { name, scenarios, prepare(), plan(), drive(), expected(), check() }
 *
 * `drive` works only through the public HTTP APIs, like a client app; `check` reads the outcome
 * (API and database) once the faults have stopped and the run has settled.
 */
import type pg from 'pg';
import type { PlannedFault } from './faults.ts';
import type { Rng } from './rng.ts';

/** Addresses of the chaos run (all loopback). */
export interface Urls {
  identity: string;
  payments: string;
  marketplace: string;
  gym: string;
  pos: string;
  notifications: string;
  sandbox: string;
  /** The harness's own webhook receiver, registered with notifications. */
  receiver: string;
}

export interface RunContext {
  seed: number;
  /** Short id of this run, part of every name and key the driver creates. */
  runId: string;
  urls: Urls;
  /** Seconds since the drive began (the timeline's clock). */
  clock: () => number;
  log: (msg: string) => void;
  /** Drive and settle stop here (epoch ms). */
  deadline: number;
  signal: AbortSignal;
  /** A client of the chaos database (read-only use). */
  db: () => Promise<pg.Client>;
  /** Shared between processes and faults: provider payments seen so far (for the webhook faults). */
  providerPayments: Array<{ caseId: string; providerPaymentId: string; at: number }>;
  /** The sandbox's state file, when it keeps one. */
  sandboxStateFile: string;
}

/** One instance of a process (one deal). `data` is the process's own (ids, amounts, observations). */
export interface Case<S extends string = string> {
  id: string;
  process: string;
  scenario: S;
  rng: Rng;
  data: Record<string, unknown>;
  /** What the driver did, in order, with the seconds it happened at. */
  steps: Array<{ at: number; step: string; result: string }>;
  /** The driver could not complete its part (gave up after retries, unexpected answer). */
  driverError?: string;
}

/** Where a case must end. */
export interface Expectation {
  /** Any of these is the expected final state. */
  states: readonly string[];
  /** Free-form expected values (amounts…) shown in the report. */
  values?: Record<string, string | number>;
}

/** The verdict of one case after the run. */
export interface Verdict {
  caseId: string;
  scenario: string;
  expected: Expectation;
  final: string | null;
  /** The case waits for a documented operator action (e.g. a *_blocked state → retry). */
  waiting?: string;
  lost: string[];
  duplicated: string[];
  notes: string[];
}

export interface ChaosProcess<S extends string = string> {
  name: string;
  /**
   * How many of the run's `deals` cases this process takes (default: an equal share). The first
   * process takes what the others leave.
   */
  cases?: (deals: number) => number;
  /** Scenario → weight for the seeded draw; every scenario is drawn at least once when there are enough cases. */
  scenarios: Readonly<Record<S, number>>;
  /** One-time setup before the faults begin (tenants, users, provider accounts). */
  prepare(ctx: RunContext, cases: Array<Case<S>>): Promise<void>;
  /**
   * Faults the process needs at its own moments (drive seconds), added to the run's seeded plan when
   * the drive begins — e.g. a Temporal restart timed at a schedule's firing. Called once, with the
   * drive's clock at 0.
   */
  faults?(ctx: RunContext, cases: Array<Case<S>>): PlannedFault[];
  /** Fills a case's data (amounts, options) from its own generator. */
  plan(c: Case<S>): void;
  /** Takes one case through its scenario via the public APIs, until done or the deadline. */
  drive(ctx: RunContext, c: Case<S>): Promise<void>;
  /** What the case must end in. */
  expected(c: Case<S>): Expectation;
  /** True once the case's state is final (or waits for an operator): the settle phase polls it. */
  settled(ctx: RunContext, c: Case<S>): Promise<boolean>;
  /** The verdicts, from the APIs and the database. */
  check(ctx: RunContext, cases: Array<Case<S>>): Promise<Verdict[]>;
}

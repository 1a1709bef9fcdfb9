/**
 * The waitlist's outbox: "this occurrence's process must look again", recorded in the SAME
 * transaction as the change of its seats or line (`markChanged`), so a change committed is never
 * lost between the commit and the signal (an API that dies in between, Temporal down). Each row
 * counts the changes (`version`) and the last one a signal is known to have reached the process
 * with (`signalled`). The API signals right after its commit and records it (`markSignalled` with
 * the version it read before signalling: the fast path); the gym worker's dispatcher
 * (`waitlist-dispatcher.ts`) signals (with start) every row still pending after a grace, and
 * records the version it read — a change committed meanwhile keeps the row pending.
 */
import type { EntityManager } from '@mikro-orm/postgresql';

/** Where an occurrence's outbox stands: changes recorded, and the last one a signal delivered. */
export interface OutboxState {
  version: number;
  signalled: number;
}

/**
 * Records a change of the occurrence's seats or line; call inside the change's transaction. Answers
 * the row as this change left it: its `version` is this change's (the row's lock orders them), so
 * a signal sent after the commit may mark it delivered without reading the row again.
 */
export async function markChanged(
  tx: EntityManager,
  tenantId: string,
  occurrenceId: string,
): Promise<OutboxState> {
  const [row] = await tx.execute<OutboxState[]>(
    `insert into gym.waitlist_outbox (occurrence_id, tenant_id, version, signalled, changed_at)
       values (?, ?, 1, 0, now())
     on conflict (occurrence_id) do update
       set version = gym.waitlist_outbox.version + 1, changed_at = now()
     returning version, signalled`,
    [occurrenceId, tenantId],
  );
  return { version: Number(row!.version), signalled: Number(row!.signalled) };
}

/** The occurrence's outbox (version 0: never changed), read before a signal is sent. */
export async function outboxState(em: EntityManager, occurrenceId: string): Promise<OutboxState> {
  const [row] = await em.execute<OutboxState[]>(
    `select version, signalled from gym.waitlist_outbox where occurrence_id = ?`,
    [occurrenceId],
  );
  return { version: Number(row?.version ?? 0), signalled: Number(row?.signalled ?? 0) };
}

/** A signal sent after `version` was read reached the process: changes up to it are delivered. */
export async function markSignalled(em: EntityManager, occurrenceId: string, version: number): Promise<void> {
  if (version <= 0) return;
  await em.execute(
    `update gym.waitlist_outbox set signalled = greatest(signalled, least(?, version)) where occurrence_id = ?`,
    [version, occurrenceId],
  );
}

export interface PendingOccurrence {
  tenantId: string;
  occurrenceId: string;
  version: number;
}

/**
 * Occurrences (every tenant: system work) whose last change has not reached the process and is
 * older than `before` (the API's fast path gets its chance first), oldest first.
 */
export async function pendingOccurrences(
  em: EntityManager,
  before: Date,
  limit: number,
): Promise<PendingOccurrence[]> {
  const rows = await em.execute<Array<{ tenant_id: string; occurrence_id: string; version: number }>>(
    `select tenant_id, occurrence_id, version from gym.waitlist_outbox
      where signalled < version and changed_at <= ? order by changed_at limit ?`,
    [before, limit],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, occurrenceId: r.occurrence_id, version: r.version }));
}

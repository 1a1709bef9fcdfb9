/**
 * What a branch's nightly cash closure (workflows/src/cash-closure) reads of the cash sessions: the
 * sessions of the business date's window — closed (or counted and pending approval) within it, or
 * still open and opened before its end — with their expected, counted and difference per method
 * (an open one: what it should hold now, flagged `needsCount`), and the business's approval
 * threshold. Read only: the closure never closes a drawer nobody counted.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ClosureSession } from '@faena/workflows/cash-closure/contract';
import { cashSettings, expectedOf } from './cash.ts';
import { CashSession } from './entities.ts';

export async function closureSessions(
  em: EntityManager,
  tenantId: string,
  input: { branchId: string; from: Date; to: Date },
): Promise<{ sessions: ClosureSession[]; approvalThreshold: string }> {
  const rows = await em.find(
    CashSession,
    {
      branchId: input.branchId,
      $or: [
        { closedAt: { $gte: input.from, $lt: input.to } },
        { status: 'open', openedAt: { $lt: input.to } },
      ],
    },
    { orderBy: { openedAt: 'asc', id: 'asc' } },
  );
  const sessions: ClosureSession[] = [];
  for (const s of rows) {
    const open = s.status === 'open';
    sessions.push({
      id: s.id,
      drawerId: s.drawerId,
      status: s.status,
      openedAt: s.openedAt.toISOString(),
      closedAt: s.closedAt?.toISOString() ?? null,
      expected: open ? await expectedOf(em, s.id) : (s.expected ?? {}),
      counted: open ? null : (s.counted ?? {}),
      difference: open ? null : (s.difference ?? {}),
      needsCount: open,
    });
  }
  const { approvalThreshold } = await cashSettings(em, tenantId);
  return { sessions, approvalThreshold: approvalThreshold.toString() };
}

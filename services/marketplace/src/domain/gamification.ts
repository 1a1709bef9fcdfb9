/**
 * Gamification: professionals earn XP from completed jobs and good reviews; XP sets the level, and
 * the level sets the platform's commission. The rate is snapshotted on the job when the offer is
 * accepted (`jobs.commission_bps`), so a later level change never alters a running deal.
 */
export interface Level {
  level: number;
  name: string;
  /** XP needed to reach the level. */
  minXp: number;
  /** Platform commission in basis points (1250 = 12.5%). */
  commissionBps: number;
}

export const LEVELS: readonly Level[] = [
  { level: 1, name: 'bronze', minXp: 0, commissionBps: 1500 },
  { level: 2, name: 'silver', minXp: 100, commissionBps: 1300 },
  { level: 3, name: 'gold', minXp: 300, commissionBps: 1100 },
  { level: 4, name: 'platinum', minXp: 700, commissionBps: 1000 },
  { level: 5, name: 'diamond', minXp: 1500, commissionBps: 800 },
];

/** XP for a job paid out (or resolved with a payout to the professional). */
export const XP_JOB_COMPLETED = 50;
/** XP for a review of 4 or 5 stars (nothing for lower ratings). */
export const xpForReview = (rating: number): number => (rating >= 5 ? 20 : rating === 4 ? 10 : 0);

export function levelFor(xp: number): Level {
  let current = LEVELS[0]!;
  for (const l of LEVELS) if (xp >= l.minXp) current = l;
  return current;
}

export const commissionBpsFor = (level: number): number =>
  (LEVELS.find((l) => l.level === level) ?? LEVELS[0]!).commissionBps;

/** Where `xp` stands: the level, the next one and how much XP is still missing (null at the top). */
export function progress(xp: number): {
  level: Level;
  next: Level | null;
  xpToNextLevel: number | null;
} {
  const level = levelFor(xp);
  const next = LEVELS.find((l) => l.level === level.level + 1) ?? null;
  return { level, next, xpToNextLevel: next ? next.minXp - xp : null };
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { GymSettings } from './entities.ts';

export interface Settings {
  bookingOpensDays: number;
  bookingClosesMinutes: number;
  cancelHours: number;
  timeZone: string;
  /** A seat offered from the waitlist is held this many minutes. */
  offerHoldMinutes: number;
  /** A booking not checked in this many minutes after the start is a no-show. */
  noShowGraceMinutes: number;
}

const DEFAULTS: Settings = {
  bookingOpensDays: 7,
  bookingClosesMinutes: 30,
  cancelHours: 2,
  timeZone: 'UTC',
  offerHoldMinutes: 15,
  noShowGraceMinutes: 15,
};

export const presentSettings = (s: Settings): Settings => ({
  bookingOpensDays: s.bookingOpensDays,
  bookingClosesMinutes: s.bookingClosesMinutes,
  cancelHours: s.cancelHours,
  timeZone: s.timeZone,
  offerHoldMinutes: s.offerHoldMinutes,
  noShowGraceMinutes: s.noShowGraceMinutes,
});

/** The business's booking rules (the defaults until it sets them). */
export async function settingsOf(em: EntityManager, tenantId: string): Promise<Settings> {
  return (await em.findOne(GymSettings, { tenantId })) ?? DEFAULTS;
}

export async function saveSettings(
  em: EntityManager,
  tenantId: string,
  patch: Partial<Settings>,
): Promise<Settings> {
  const row =
    (await em.findOne(GymSettings, { tenantId })) ?? em.create(GymSettings, { tenantId, ...DEFAULTS });
  Object.assign(row, patch);
  await em.flush();
  return row;
}

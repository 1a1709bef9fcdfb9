import type { EntityManager } from '@mikro-orm/core';
import { CHANNELS, Preference, type ChannelName } from './entities.ts';
import { EVENT_TYPES, templateOf, type ChannelDefault } from './templates.ts';

/** The catalog default of a channel for a recipient with `roles` (no roles known: on unless off for all). */
export function defaultEnabled(
  value: ChannelDefault | undefined,
  roles: readonly string[] | undefined,
): boolean {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  return roles === undefined || roles.length === 0 ? true : roles.some((r) => value.includes(r));
}

export interface EffectivePreference {
  event: string;
  channel: ChannelName;
  enabled: boolean;
  source: 'default' | 'user' | 'mandatory';
}

/** Whether `event` may reach the user on `channel`: mandatory events always; else their choice, else the role default. */
export async function isEnabled(
  em: EntityManager,
  userId: string | undefined,
  event: string,
  channel: ChannelName,
  roles: readonly string[] | undefined,
): Promise<boolean> {
  const template = templateOf(event)!;
  if (template.mandatory) return true;
  if (userId) {
    const choice = await em.findOne(Preference, { userId, eventType: event, channel });
    if (choice) return choice.enabled;
  }
  return defaultEnabled(template.channels[channel], roles);
}

/** Every event and channel the user can receive, with the value in force and where it comes from. */
export async function preferencesOf(
  em: EntityManager,
  userId: string,
  roles: readonly string[],
): Promise<EffectivePreference[]> {
  const choices = await em.find(Preference, { userId });
  return EVENT_TYPES.flatMap((event) => {
    const template = templateOf(event)!;
    return CHANNELS.filter((c) => template.channels[c] !== undefined).map((channel): EffectivePreference => {
      if (template.mandatory) return { event, channel, enabled: true, source: 'mandatory' };
      const choice = choices.find((c) => c.eventType === event && c.channel === channel);
      return choice
        ? { event, channel, enabled: choice.enabled, source: 'user' }
        : { event, channel, enabled: defaultEnabled(template.channels[channel], roles), source: 'default' };
    });
  });
}

import type { ErrorItem } from './errors.ts';

export interface SuccessEnvelope<T> {
  success: true;
  data: T;
  meta?: Record<string, unknown>;
}
export interface ErrorEnvelope {
  success: false;
  errors: ErrorItem[];
}

export const ok = <T>(data: T, meta?: Record<string, unknown>): SuccessEnvelope<T> =>
  meta ? { success: true, data, meta } : { success: true, data };

export const fail = (errors: ErrorItem[]): ErrorEnvelope => ({ success: false, errors });

import type { Trigger } from './trigger';

/** Fires once, at `at`. */
export function oneShotTrigger(kind: 'date' | 'soon', at: Date): Trigger {
  return {
    kind,
    next: (after: Date) => (at.getTime() > after.getTime() ? new Date(at.getTime()) : null),
  };
}

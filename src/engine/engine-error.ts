/**
 * A backup, restore or admin run that cannot go on, with a message meant for the operator
 * (bad option, missing key, tampered data, unsafe archive member, storage refused...). The agent
 * logs the message and reports the action as `fail`; it never means a bug.
 */
export class EngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
  }
}

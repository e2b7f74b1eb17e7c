/**
 * The agent cannot start, or cannot go on, until the operator changes something (credentials
 * refused, a jobs directory it cannot secure...). `permafrost agent` prints the message as one
 * line and exits with status 2; the message says what to fix.
 */
export class StartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartError';
  }
}

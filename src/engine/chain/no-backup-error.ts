/** Nothing on storage matches a restore request; the message is the stock agent's. */
export class NoBackupError extends Error {
  constructor(readonly hbn: string) {
    super(`No matching backup name "${hbn}" found`);
    this.name = 'NoBackupError';
  }
}

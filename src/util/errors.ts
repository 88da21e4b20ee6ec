/**
 * The base of every error this package raises on purpose, so callers can tell ours from
 * programming errors with one `instanceof`. `code` is stable and safe to show to HTTP callers.
 */
export class DurableTaskError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Human-readable output by default, JSON with --json; progress goes to stderr. */
export class Output {
  private progressShown = false;

  constructor(
    private readonly json: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream | NodeJS.WritableStream = process.stderr,
  ) {}

  result(data: unknown, lines: string[]): void {
    this.stdout.write(this.json ? `${JSON.stringify(data, null, 2)}\n` : `${lines.join('\n')}\n`);
  }

  text(text: string): void {
    this.stdout.write(text);
  }

  /** On a terminal the line is rewritten in place; elsewhere each update is its own line. */
  progress(line: string): void {
    const tty = (this.stderr as NodeJS.WriteStream).isTTY === true;
    this.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
    this.progressShown = tty;
  }

  progressDone(): void {
    if (this.progressShown) this.stderr.write('\n');
    this.progressShown = false;
  }
}

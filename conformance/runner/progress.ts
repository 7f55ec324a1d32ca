/** A one-line progress bar on a terminal; silent when the output is a pipe or a CI log. */
export class ProgressBar {
  private readonly stream: NodeJS.WriteStream;
  private readonly total: number;
  private readonly enabled: boolean;
  private failed = 0;

  constructor(total: number, stream: NodeJS.WriteStream = process.stderr) {
    this.stream = stream;
    this.total = total;
    this.enabled = stream.isTTY === true && total > 0 && !process.env.CI;
  }

  tick(done: number, passed: boolean): void {
    if (!passed) this.failed += 1;
    if (!this.enabled) return;
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    this.stream.write(`\r${bar} ${done}/${this.total}${this.failed ? `  ${this.failed} failed` : ""}`);
  }

  done(): void {
    if (this.enabled) this.stream.write("\r\x1b[K");
  }
}

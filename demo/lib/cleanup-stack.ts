// Things to undo, undone last-first; each undo runs once, and one failing does not stop the rest.
export class CleanupStack {
  private readonly undo: Array<{ what: string; fn: () => unknown }> = [];

  push(what: string, fn: () => unknown): void {
    this.undo.push({ what, fn });
  }

  /** Runs every undo, newest first; returns what failed. */
  async run(): Promise<string[]> {
    const failed: string[] = [];
    for (let u = this.undo.pop(); u; u = this.undo.pop()) {
      try {
        await u.fn();
      } catch (err) {
        failed.push(`${u.what}: ${(err as Error).message}`);
      }
    }
    return failed;
  }
}

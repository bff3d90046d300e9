/** A one-line progress bar on stderr, redrawn at most every 100 ms; silent when not on a terminal. */
export function createProgress(enabled: boolean, total: number): { tick(done: number): void; done(): void } {
  if (!enabled || total === 0) return { tick() {}, done() {} };
  let last = 0;
  const draw = (done: number) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${Math.floor((done / total) * 100)}% ${done}/${total}`);
  };
  return {
    tick(done) {
      const now = Date.now();
      if (now - last >= 100) {
        last = now;
        draw(done);
      }
    },
    done() {
      draw(total);
      process.stderr.write('\n');
    },
  };
}

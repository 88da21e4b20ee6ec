import { Backoff } from '../../src/backend/azureStorage/backoff';

async function timed(work: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

describe('Backoff', () => {
  const never = () => false;

  test('after messages from elsewhere the next poll comes at the shortest delay', async () => {
    const backoff = new Backoff(5_000);
    backoff.reset();
    expect(await timed(() => backoff.wait(never))).toBeLessThan(150);
  });

  test('after messages this process sent itself the next poll waits longer, unless a send wakes it', async () => {
    const backoff = new Backoff(5_000);
    backoff.resetAfterLocal();
    expect(await timed(() => backoff.wait(never))).toBeGreaterThanOrEqual(200);
    backoff.resetAfterLocal();
    setTimeout(() => backoff.wake(), 20);
    expect(await timed(() => backoff.wait(never))).toBeLessThan(150);
  });

  test('never waits longer than the maximum polling interval', async () => {
    const backoff = new Backoff(60);
    backoff.resetAfterLocal();
    expect(await timed(() => backoff.wait(never))).toBeLessThan(150);
  });
});

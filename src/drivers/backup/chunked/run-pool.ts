// Runs `work(i)` for i in 0..count-1 with at most `width` running at once, in index order of
// start; the first failure stops new work and is thrown once those running have settled, so
// no write is still in flight when the caller cleans up.
export async function runPool(count: number, width: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < count) {
      const i = next++;
      try {
        await work(i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, count)) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
}

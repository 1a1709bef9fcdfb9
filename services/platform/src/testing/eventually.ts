/**
 * Retries `check` until it passes or `withinMs` elapses, then rethrows its last failure. For
 * behaviour promised "within N seconds" (cache invalidation across processes), never for speed.
 */
export async function eventually<T>(check: () => Promise<T>, withinMs = 5000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

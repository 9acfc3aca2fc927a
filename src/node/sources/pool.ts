// Runs an async function over a stream of items, up to `concurrency` at once,
// and yields the results in the items' order. At most 2 × concurrency results
// wait for their turn, so memory stays bounded when one item is slow. The
// first failure stops everything: the others are aborted through the signal
// given to `fn`, and awaited, before the error is thrown.

interface Slot<R> {
  done: boolean;
  value?: R;
  promise: Promise<void>;
}

export async function* orderedMap<T, R>(items: AsyncIterable<T>, concurrency: number, signal: AbortSignal, fn: (item: T, signal: AbortSignal) => Promise<R>): AsyncGenerator<R> {
  const it = items[Symbol.asyncIterator]();
  const inner = new AbortController();
  const onAbort = (): void => inner.abort(signal.reason);
  signal.addEventListener('abort', onAbort);
  if (signal.aborted) onAbort();
  const queue: Slot<R>[] = [];
  const limit = Math.max(1, concurrency);
  let active = 0;
  let exhausted = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let finished = false;
  try {
    for (;;) {
      const woken = new Promise<void>((r) => (wake = r));
      while (!exhausted && !failure && !inner.signal.aborted && active < limit && queue.length < 2 * limit) {
        const next = await it.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        active++;
        const slot: Slot<R> = { done: false, promise: Promise.resolve() };
        slot.promise = fn(next.value, inner.signal).then(
          (value) => {
            slot.value = value;
            slot.done = true;
          },
          (error: unknown) => {
            failure ??= { error };
            inner.abort(error);
          },
        ).finally(() => {
          active--;
          const w = wake;
          wake = undefined;
          w?.();
        });
        queue.push(slot);
      }
      if (failure) throw failure.error;
      const head = queue[0];
      if (!head) {
        finished = true;
        return;
      }
      if (!head.done) await Promise.race([head.promise, woken]);
      const failed = failure as { error: unknown } | undefined; // set by a task meanwhile
      if (failed) throw failed.error;
      if (head.done) {
        queue.shift();
        yield head.value as R;
      }
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!finished) {
      inner.abort(new Error('stopped'));
      await Promise.all(queue.map((s) => s.promise));
      await it.return?.();
    }
  }
}

// The event-loop probe the "longest synchronous slice" numbers come from: a
// 1 ms timer that remembers the longest gap between its ticks.
export function startProbe() {
  let longest = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  /** Stops the probe; the longest gap in ms. */
  return () => {
    clearInterval(timer);
    return longest;
  };
}

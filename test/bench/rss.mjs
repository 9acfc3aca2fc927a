// The peak resident set size of this process, in KB, for the benches' child
// processes: VmHWM of /proc/self/status, the high-water mark of this
// process image's memory, which exec starts afresh. getrusage's maxRSS
// (process.resourceUsage().maxRSS) is not that: a child forked from a
// parent holding 327 MB of generated rows reported 327 MB for every kind
// of run (one run alone: 194 MB), the parent's peak carried over the fork
// and exec. Where /proc is not there, maxRSS it is.
import { readFileSync } from 'node:fs';

export function peakRssKB() {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

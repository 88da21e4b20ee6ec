import * as fs from 'fs';

/** Busy and total CPU time of the whole machine so far (all cores, from /proc/stat); undefined off Linux. */
function cpuTimes(): { busy: number; total: number } | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    // idle and iowait are the 4th and 5th fields.
    return { busy: total - fields[3] - (fields[4] ?? 0), total };
  } catch {
    return undefined;
  }
}

/**
 * Starts measuring; the returned function gives the share of all cores' time that was busy since
 * (0–1), undefined where /proc/stat is missing. Near 1 means the workload was CPU-bound on this
 * machine: the emulator, the engines and their workers share its cores.
 */
export function measureCpuBusy(): () => number | undefined {
  const start = cpuTimes();
  return () => {
    const end = cpuTimes();
    if (!start || !end || end.total === start.total) return undefined;
    return (end.busy - start.busy) / (end.total - start.total);
  };
}

// CPU time the calling thread has used, for the sweep's own timings: Node 20 gives only the whole process's
// (process.cpuUsage), and on a shared machine a thread's CPU says how much work it did where its wall time says
// how busy the machine was. Linux only (/proc/thread-self/stat, in clock ticks of 10 ms); NaN elsewhere.
import fs from 'node:fs'

/** Clock ticks per second of /proc's counters (USER_HZ: 100 on every Linux build Node supports). */
const TICKS_PER_S = 100

export function threadCpuMs(): number {
  try {
    const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8')
    // fields after the command name (which may hold spaces, so cut at its closing parenthesis): utime is the 14th
    // field of the line, stime the 15th, i.e. the 12th and 13th after it
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(after[11]) + Number(after[12])
    return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_S : Number.NaN
  } catch {
    return Number.NaN
  }
}

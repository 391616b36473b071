// CPU time of the processes of a benchmark run, from /proc/<pid>/stat (Linux; elsewhere the
// figures are left out). CPU milliseconds per request are what a loaded machine changes least,
// so they say where an ack's cost goes even when latencies are not comparable between runs.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Milliseconds of CPU (user + system) the process has used so far; undefined when unreadable. */
export function cpuTimeInMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) in parentheses: utime is the 14th
    // field of the line, stime the 15th, in clock ticks (USER_HZ, 100 on Linux).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU milliseconds each named process used between start and stop (undefined pids and unreadable ones are left out). */
export function startCpuMeter(processes: Record<string, number | undefined>): { stop(): Record<string, number> } {
  const started = new Map<string, { pid: number; at: number }>();
  for (const [name, pid] of Object.entries(processes)) {
    const at = pid === undefined ? undefined : cpuTimeInMs(pid);
    if (pid !== undefined && at !== undefined) started.set(name, { pid, at });
  }
  return {
    stop() {
      const used: Record<string, number> = {};
      for (const [name, { pid, at }] of started) {
        const now = cpuTimeInMs(pid);
        if (now !== undefined) used[name] = now - at;
      }
      return used;
    },
  };
}

/**
 * Established TCP connections from process `pid` to `port` on this machine (Linux /proc; undefined
 * elsewhere): how many sockets a host holds open to Azurite, i.e. whether its enqueues can run
 * side by side or wait for one connection.
 */
export function socketsTo(pid: number, port: number): number | undefined {
  try {
    const inodes = new Set<string>();
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      let text: string;
      try {
        text = readFileSync(table, "utf8");
      } catch {
        continue;
      }
      for (const line of text.split("\n").slice(1)) {
        const columns = line.trim().split(/\s+/);
        // local_address rem_address st … inode (10th column); state 01 = ESTABLISHED.
        const remotePort = Number.parseInt(columns[2]?.split(":")[1] ?? "", 16);
        if (remotePort === port && columns[3] === "01" && columns[9]) inodes.add(columns[9]);
      }
    }
    let count = 0;
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) count++;
      } catch {
        // The descriptor closed while we looked.
      }
    }
    return count;
  } catch {
    return undefined;
  }
}

/** The process ids of `pid`'s children whose command line contains `match` (Linux /proc; [] elsewhere). */
export function childProcesses(pid: number, match: string): number[] {
  try {
    const children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter((id) => id.trim() !== ""),
    );
    return children.map(Number).filter((child) => {
      try {
        return readFileSync(`/proc/${child}/cmdline`, "utf8").includes(match);
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { promisify } from 'node:util';
import { exitOf, serverUrlOf, spawnTs } from '../test/helpers/process';

export interface BenchProcess {
  url: string;
  pid: number;
  /** Whether it runs on SERVER_CPU alone. */
  pinned: boolean;
  /** Resident set size now, in MB, read from /proc (the child is node itself, not a wrapper). */
  rssMb(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Servers run on the first CPU and load generators on the second, so that neither takes the
 * other's core and every server is measured on one core of its own. Without taskset (util-linux)
 * or a second CPU, processes are left where the OS puts them.
 */
export const SERVER_CPU = 0;
export const LOAD_CPU = 1;

export async function pinToCpu(pid: number, cpu: number): Promise<boolean> {
  if (cpus().length < 2) return false;
  try {
    // -a: every thread the process has; threads it starts later inherit the affinity.
    await promisify(execFile)('taskset', ['-a', '-p', '-c', String(cpu), String(pid)]);
    return true;
  } catch {
    return false;
  }
}

/** Runs a server entry point as its own process and waits for it to write `<dataDir>/server.json`. */
export async function startProcess(entry: string, args: string[], dataDir: string, env: Record<string, string>): Promise<BenchProcess> {
  const child = spawnTs(entry, args, env);
  const pinned = await pinToCpu(child.pid!, SERVER_CPU);
  const url = await announcedUrl(dataDir, child);
  return {
    url,
    pid: child.pid!,
    pinned,
    async rssMb() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
    },
    async stop() {
      child.kill('SIGTERM');
      const { code, signal } = await exitOf(child);
      if (code !== 0) throw new Error(`${entry} exited with ${code ?? signal}: ${child.output()}`);
    },
  };
}

/**
 * serverUrlOf gives up after 10 s, and loading, indexing and compacting 100k bindings can take
 * longer on busy shared cores: keep waiting while the server is alive, for a minute at most.
 */
async function announcedUrl(dataDir: string, child: ReturnType<typeof spawnTs>): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await serverUrlOf(dataDir, child);
    } catch (error) {
      if (child.exitCode === null && attempt < 6) continue;
      child.kill('SIGKILL');
      throw error;
    }
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The environment of a spawned server or CLI: this one's, plus `env`. MONGODB_URI and MONGODB_DB
 * are left out unless `env` names them: a server on MongoDB writes no server.json for the CLI, and
 * the CLI would write into the database the URI names, never dropped.
 */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const { MONGODB_URI: _uri, MONGODB_DB: _db, ...inherited } = process.env;
  return { ...inherited, ...env };
}

/** Runs a TypeScript entry point of the project as its own process, as `npm start` would. */
export function spawnTs(entry: string, args: string[], env: Record<string, string>): ChildProcess & { output: () => string } {
  return spawnNode(['--import', 'tsx', path.join(ROOT, entry), ...args], env);
}

/** Node itself on `nodeArgs` from the project's root, its output kept for error messages. */
export function spawnNode(nodeArgs: string[], env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return Object.assign(child, { output: () => output });
}

export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Waits for a server process to announce itself in its data dir's server.json. */
export async function serverUrlOf(dataDir: string, child: ChildProcess & { output: () => string }): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    try {
      const { url, pid } = JSON.parse(await readFile(path.join(dataDir, 'server.json'), 'utf8'));
      if (pid === child.pid) return url;
    } catch {
      // not written yet
    }
    if (child.exitCode !== null) throw new Error(`server exited early: ${child.output()}`);
    await sleep(50);
  }
  throw new Error(`server did not start: ${child.output()}`);
}

/** Runs a TypeScript script of the project to completion. */
export async function runTs(entry: string, args: string[], env: Record<string, string> = {}) {
  const child = spawnTs(entry, args, env);
  const { code } = await exitOf(child);
  return { code, output: child.output() };
}

/** Runs the operator CLI to completion. */
export const runCli = (args: string[], env: Record<string, string>) => runTs('server/src/cli/main.ts', args, env);

/** A port nothing listens on right now, for a server whose own URL must be known before it starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

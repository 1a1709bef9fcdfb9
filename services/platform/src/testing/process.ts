import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { parseJsonObject } from '../guards.ts';
import { ROOT } from './env.ts';

export interface SpawnedService {
  child: ChildProcessWithoutNullStreams;
  /** Port the process reported in its `listening` log line. */
  port: number;
  /** Every JSON log line printed so far. */
  logs: () => Array<Record<string, unknown>>;
  stderr: () => string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
}

/**
 * Starts a TypeScript entry point the way production does (`node --import telemetry/register`)
 * and waits for its `listening` log line.
 */
export function spawnService(
  entry: string,
  env: Record<string, string>,
  opts: { timeoutMs?: number } = {},
): Promise<SpawnedService> {
  const register = path.join(ROOT, 'services/platform/src/telemetry/register.ts');
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', '--import', register, entry],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    },
  );
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map(parseJsonObject);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${entry} did not start in time.\nstdout: ${out}\nstderr: ${err}`)),
      opts.timeoutMs ?? 20000,
    );
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const port = logs().find((l) => l.message === 'listening')?.port;
      if (typeof port === 'number') {
        clearTimeout(timer);
        resolve({ child, port, logs, stderr: () => err, exited });
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before listening.\nstderr: ${err}`));
    });
  });
}

/** Runs an entry point to completion (for config failures) and returns its exit code and output. */
export function runToExit(
  entry: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

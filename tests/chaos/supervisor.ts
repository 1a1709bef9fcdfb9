/**
 * The chaos supervisor: every process of the run is a real child (its own process group, its
 * output appended to `.data/chaos/logs/<name>.log`), started and waited for until it serves, killed
 * and restarted on demand, restarted by itself when it crashes, and stopped — all of them — at the
 * end. The pids are kept in `.data/chaos/pids.json` so `run.ts --cleanup` (scripts/chaos.sh's exit
 * trap) can stop what a killed harness left behind, and nothing else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './config.ts';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Resolves true once the process serves (polled). */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Signal of a graceful stop (default SIGTERM). */
  stopSignal?: NodeJS.Signals;
  /** Text its command line keeps (`--cleanup` checks it before stopping a recorded pid); default the entry file. */
  marker?: string;
}

export interface SupervisorEvent {
  at: number;
  name: string;
  event: 'start' | 'ready' | 'exit' | 'crash' | 'kill' | 'stop';
  detail?: string;
}

interface Running {
  child: ChildProcess;
  exited: Promise<number | string | null>;
  /** Set when the harness itself ends it (fault or stop): no automatic restart. */
  expected: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pids a run recorded: what `--cleanup` may stop. */
interface PidFile {
  harness: number;
  children: Record<string, { pid: number; marker: string }>;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};
const killGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
};

export class Supervisor {
  readonly events: SupervisorEvent[] = [];
  private readonly specs = new Map<string, ProcessSpec>();
  private readonly running = new Map<string, Running>();
  /** Processes a fault holds down: not restarted when they exit. */
  private readonly held = new Set<string>();
  private readonly starts = new Map<string, number>();
  private stopping = false;
  private readonly logsDir: string;
  private readonly pidFile: string;
  private readonly clock: () => number;
  private readonly log: (msg: string) => void;

  constructor(opts: { logsDir: string; pidFile: string; clock: () => number; log: (msg: string) => void }) {
    this.logsDir = opts.logsDir;
    this.pidFile = opts.pidFile;
    this.clock = opts.clock;
    this.log = opts.log;
  }

  add(spec: ProcessSpec): void {
    this.specs.set(spec.name, spec);
  }

  get names(): string[] {
    return [...this.specs.keys()];
  }

  /** Unexpected exits so far (each was restarted). */
  get crashes(): SupervisorEvent[] {
    return this.events.filter((e) => e.event === 'crash');
  }

  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  /**
   * Whether `name` still serves: running and its readiness probe passing within `withinMs` (a
   * worker whose database pool is exhausted fails it — its probe queries through the same pool).
   */
  async serves(name: string, withinMs: number): Promise<boolean> {
    const spec = this.specs.get(name);
    if (!spec || !this.running.has(name)) return false;
    const deadline = Date.now() + withinMs;
    do {
      if (await spec.ready().catch(() => false)) return true;
      await new Promise((r) => setTimeout(r, 500));
    } while (Date.now() < deadline);
    return false;
  }

  private event(name: string, event: SupervisorEvent['event'], detail?: string) {
    this.events.push({ at: this.clock(), name, event, ...(detail && { detail }) });
  }

  private savePids() {
    const children: PidFile['children'] = {};
    for (const [name, r] of this.running)
      if (r.child.pid) children[name] = { pid: r.child.pid, marker: this.marker(name) };
    writeFileSync(this.pidFile, JSON.stringify({ harness: process.pid, children } satisfies PidFile));
  }

  private marker(name: string) {
    const spec = this.specs.get(name)!;
    return spec.marker ?? spec.args.find((a) => a.endsWith('.ts') || a.endsWith('.js')) ?? spec.command;
  }

  private spawn(name: string): Running {
    const spec = this.specs.get(name);
    if (!spec) throw new Error(`no process ${name}`);
    const n = (this.starts.get(name) ?? 0) + 1;
    this.starts.set(name, n);
    const logFile = path.join(this.logsDir, `${name}.log`);
    const fd = openSync(logFile, n === 1 ? 'w' : 'a');
    writeSync(fd, `--- chaos: start #${n} at ${new Date().toISOString()} ---\n`);
    const child = spawn(spec.command, spec.args, {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        ...(process.env.TMPDIR && { TMPDIR: process.env.TMPDIR }),
        ...spec.env,
      },
      detached: true, // its own process group: a kill reaches its children, Ctrl-C reaches only the harness
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    const r: Running = {
      child,
      expected: false,
      exited: new Promise((resolve) =>
        child
          .once('exit', (code, signal) => resolve(signal ?? code))
          .once('error', (err) => resolve(err.message)),
      ),
    };
    this.running.set(name, r);
    this.savePids();
    this.event(name, 'start', `pid ${child.pid}`);
    void r.exited.then((how) => this.exited(name, r, how));
    return r;
  }

  private exited(name: string, r: Running, how: number | string | null) {
    if (this.running.get(name) === r) this.running.delete(name);
    if (!this.stopping) this.savePids();
    if (r.expected || this.stopping) {
      this.event(name, 'exit', String(how));
      return;
    }
    this.event(name, 'crash', `exited ${how}`);
    this.log(`${name} exited by itself (${how}); restarting`);
    if (this.held.has(name)) return;
    if ((this.starts.get(name) ?? 0) > 30) {
      this.log(`${name} keeps crashing; not restarted again`);
      return;
    }
    void sleep(1000).then(async () => {
      if (this.stopping || this.held.has(name) || this.running.has(name)) return;
      await this.start(name).catch((err: unknown) => this.log(`${name} restart failed: ${String(err)}`));
    });
  }

  /** Starts `name` and waits until it serves. */
  async start(name: string): Promise<void> {
    if (this.stopping) throw new Error('stopping');
    this.held.delete(name);
    const spec = this.specs.get(name)!;
    const r = this.running.get(name) ?? this.spawn(name);
    const deadline = Date.now() + (spec.readyTimeoutMs ?? 60000);
    let gone = false;
    void r.exited.then(() => (gone = true));
    while (Date.now() < deadline) {
      if (gone) throw new Error(`${name} exited before it was ready (see ${this.logPath(name)})`);
      if (await spec.ready().catch(() => false)) {
        this.event(name, 'ready');
        return;
      }
      await sleep(250);
    }
    throw new Error(
      `${name} was not ready within ${spec.readyTimeoutMs ?? 60000} ms (see ${this.logPath(name)})`,
    );
  }

  logPath(name: string): string {
    return path.relative(ROOT, path.join(this.logsDir, `${name}.log`));
  }

  /** Ends `name` with `signal` (SIGKILL: a crash) and waits for it; it stays down until `start`. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL', graceMs = 8000): Promise<void> {
    this.held.add(name);
    const r = this.running.get(name);
    if (!r?.child.pid) return;
    r.expected = true;
    this.event(name, signal === 'SIGKILL' ? 'kill' : 'stop', signal);
    killGroup(r.child.pid, signal);
    const done = await Promise.race([r.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      killGroup(r.child.pid, 'SIGKILL');
      await r.exited;
    }
  }

  /** Stops every process: graceful signal, then SIGKILL after `graceMs`. */
  async stopAll(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const all = [...this.running.entries()];
    for (const [name, r] of all) {
      r.expected = true;
      if (r.child.pid) killGroup(r.child.pid, this.specs.get(name)?.stopSignal ?? 'SIGTERM');
    }
    await Promise.race([Promise.all(all.map(([, r]) => r.exited)), sleep(graceMs)]);
    // Whatever is left of each process group (the leader, or a child it forked) ends now.
    for (const [, r] of all) if (r.child.pid) killGroup(r.child.pid, 'SIGKILL');
    await Promise.race([Promise.all(all.map(([, r]) => r.exited)), sleep(2000)]);
    writeFileSync(this.pidFile, JSON.stringify({ harness: process.pid, children: {} } satisfies PidFile));
  }
}

/**
 * Stops what a previous harness recorded and left running (it was killed before its own stop):
 * only pids whose command line still names the entry point they were started with.
 */
export async function cleanupRecorded(pidFile: string, log: (msg: string) => void): Promise<number> {
  if (!existsSync(pidFile)) return 0;
  let recorded: PidFile;
  try {
    recorded = JSON.parse(readFileSync(pidFile, 'utf8')) as PidFile;
  } catch {
    return 0;
  }
  if (
    recorded.harness !== process.pid &&
    alive(recorded.harness) &&
    cmdline(recorded.harness).includes('chaos')
  )
    throw new Error(`another chaos run (pid ${recorded.harness}) is still going`);
  const left = Object.entries(recorded.children).filter(
    ([, c]) => alive(c.pid) && cmdline(c.pid).includes(c.marker),
  );
  for (const [name, c] of left) {
    log(`stopping ${name} (pid ${c.pid}) left by an earlier run`);
    killGroup(c.pid, 'SIGTERM');
  }
  for (let i = 0; i < 20 && left.some(([, c]) => alive(c.pid)); i++) await sleep(250);
  for (const [, c] of left) if (alive(c.pid)) killGroup(c.pid, 'SIGKILL');
  writeFileSync(pidFile, JSON.stringify({ harness: process.pid, children: {} } satisfies PidFile));
  return left.length;
}

import { execFileSync } from 'node:child_process';
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listeningPort } from '../server.ts';

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = listeningPort(srv);
      srv.close(() => resolve(port));
    });
  });

/**
 * A private PostgreSQL server (own data folder and port) that a test may stop and start without
 * disturbing the shared one. Runs as the `postgres` system user when the tests run as root.
 */
export async function startScratchPostgres(): Promise<{
  url: string;
  stop(): void;
  /** `pg_ctl stop -m immediate`: a crash, no goodbye to the connected clients' transactions. */
  crash(): void;
  start(): void;
  destroy(): void;
}> {
  const dir = mkdtempSync(path.join(tmpdir(), 'faena-pg-'));
  chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  const port = await freePort();
  const asPg = (cmd: string, args: string[]) => {
    const full = [path.join(BIN, cmd), ...args];
    if (process.getuid?.() === 0)
      execFileSync('su', ['postgres', '-c', full.map((a) => `'${a}'`).join(' ')], { stdio: 'pipe' });
    else execFileSync(full[0]!, full.slice(1), { stdio: 'pipe' });
  };
  asPg('initdb', ['-D', data, '-U', 'faena', '--auth=trust', '-E', 'UTF8']);
  const start = () =>
    asPg('pg_ctl', [
      '-D',
      data,
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
      '-w',
      '-l',
      path.join(dir, 'log'),
      'start',
    ]);
  const stop = () => asPg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  const crash = () => asPg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  start();
  return {
    url: `postgres://faena@127.0.0.1:${port}/postgres`,
    start,
    stop,
    crash,
    destroy: () => {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

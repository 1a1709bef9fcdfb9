import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatLine, printLogs } from '../src/log-view.ts';
import { eventually } from '../src/testing/index.ts';

const entry = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    level: 'info',
    message: 'job status recorded',
    service: 'marketplace-worker',
    jobId: 'j-1',
    status: 'approved',
    correlationId: '01a2-corr',
    traceId: 't',
    spanId: 's',
    timestamp: '2026-12-01T11:23:13.328Z',
    ...over,
  });

describe('readable development logs (make dev, make logs)', () => {
  it('one line per entry: time, process, level, message, fields and correlation id', () => {
    expect(formatLine('marketplace-worker', entry())).toBe(
      '11:23:13.328 marketplace-worker  INFO  job status recorded  jobId=j-1 status=approved  [corr 01a2-corr]',
    );
    expect(
      formatLine(
        'payments',
        entry({ level: 'warn', message: 'slow', correlationId: undefined, jobId: { a: 1 } }),
        { width: 10 },
      ),
    ).toBe('11:23:13.328 payments    WARN  slow  jobId={"a":1} status=approved');
  });

  it('an error keeps its stack under it, and a line that is not JSON is shown as it is', () => {
    expect(
      formatLine(
        'identity',
        entry({ level: 'error', message: 'boom', stack: 'Error: boom\n    at f' }),
      ).split('\n'),
    ).toEqual([
      '11:23:13.328 identity  ERROR boom  jobId=j-1 status=approved  [corr 01a2-corr]',
      '              Error: boom',
      '                  at f',
    ]);
    expect(formatLine('mail', 'MailDev webapp running at http://127.0.0.1:1080')).toBe(
      '             mail  MailDev webapp running at http://127.0.0.1:1080',
    );
  });

  it('follows a folder of logs: new lines, files that appear later, a file emptied by a new make dev', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'faena-logs-'));
    const out: string[] = [];
    const stop = new AbortController();
    try {
      writeFileSync(path.join(dir, 'payments.log'), `${entry({ message: 'before' })}\n`);
      const following = printLogs([dir], { follow: true, signal: stop.signal }, (t) => out.push(t));
      appendFileSync(
        path.join(dir, 'payments.log'),
        `${entry({ message: 'after' })}\n${entry({ message: 'half' })}`,
      );
      writeFileSync(path.join(dir, 'identity.log'), `${entry({ message: 'new file' })}\n`);
      await eventually(async () => expect(out.join('')).toContain('new file'), 5000, 100);
      appendFileSync(path.join(dir, 'payments.log'), '\n'); // the half line is complete now
      await eventually(async () => expect(out.join('')).toContain('half'), 5000, 100);
      writeFileSync(path.join(dir, 'payments.log'), `${entry({ message: 'restarted' })}\n`);
      await eventually(async () => expect(out.join('')).toContain('restarted'), 5000, 100);
      stop.abort();
      await following;
      const messages = out.map((l) => / {2}[A-Z]+ +(\w[\w ]*?) {2}/.exec(l)?.[1]);
      // Each line once (files are read in name order within a scan); `before` was there already.
      expect(messages.sort()).toEqual(['after', 'half', 'new file', 'restarted']);
    } finally {
      stop.abort();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--raw prints the JSON lines as written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'faena-logs-'));
    try {
      writeFileSync(path.join(dir, 'payments.log'), `${entry()}\n`);
      const out: string[] = [];
      await printLogs([path.join(dir, 'payments.log')], { raw: true }, (t) => out.push(t));
      expect(out).toEqual([`${entry()}\n`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Read-only look at the chaos Temporal server, for what the public API cannot say: whether a
 * deal's workflow is still running, and why it failed when it did (the report names the cause).
 * Every look is bounded (a hung server must not hang the harness).
 */
import { Connection, WorkflowClient, WorkflowFailedError } from '@temporalio/client';
import { PORTS } from './config.ts';

export interface TemporalProbe {
  describe(workflowId: string): Promise<{ status: string; failure?: string }>;
  close(): Promise<void>;
}

export interface TemporalLister extends TemporalProbe {
  /** The executions a visibility query finds (every run, closed ones too). */
  list(query: string): Promise<Array<{ workflowId: string; runId: string; status: string; type: string }>>;
}

const within = <T>(ms: number, p: Promise<T>): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`Temporal did not answer in ${ms} ms`)), ms).unref(),
    ),
  ]);

/** The innermost causes name it: WorkflowFailed ← ActivityFailure ← ApplicationFailure INSUFFICIENT_BALANCE. */
function causes(err: unknown): string {
  const chain: string[] = [];
  for (let e = err instanceof WorkflowFailedError ? err.cause : (err as Error); e; e = e.cause as Error) {
    const type = (e as { type?: string }).type;
    chain.push(`${type ? `${type}: ` : ''}${e.message}`);
  }
  return chain.join(' ← ');
}

export function temporalProbe(): TemporalLister {
  let connection: Connection | null = null;
  let client: WorkflowClient | null = null;
  const get = async () => {
    if (!client) {
      connection = await Connection.connect({ address: `127.0.0.1:${PORTS.temporal}`, connectTimeout: 3000 });
      client = new WorkflowClient({ connection, namespace: 'default' });
    }
    return client;
  };
  async function describe(workflowId: string) {
    const handle = (await get()).getHandle(workflowId);
    const status = (await handle.describe()).status.name;
    if (status !== 'FAILED' && status !== 'TERMINATED' && status !== 'TIMED_OUT') return { status };
    const failure = await handle.result().then(() => undefined, causes);
    return { status, ...(failure && { failure }) };
  }
  async function list(query: string) {
    const out: Array<{ workflowId: string; runId: string; status: string; type: string }> = [];
    for await (const w of (await get()).list({ query }))
      out.push({ workflowId: w.workflowId, runId: w.runId, status: w.status.name, type: w.type });
    return out;
  }
  return {
    describe: (workflowId) => within(8000, describe(workflowId)),
    list: (query) => within(8000, list(query)),
    close: async () => {
      await connection?.close();
    },
  };
}

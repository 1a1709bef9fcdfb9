import { trace, context, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { redact, REDACTED, runWithContext } from '../src/index.ts';
import { captureLogger } from '../src/testing/index.ts';

describe('redact', () => {
  it('hides sensitive keys at any depth, whatever their case', () => {
    const out = redact({
      user: {
        email: 'ana@example.com',
        Password: 'hunter2hunter2',
        profile: { refresh_token: 'abc', apiKey: 'k' },
      },
      headers: { Authorization: 'Bearer eyJhbGciOi.x.y', cookie: 'sid=1' },
      payment: { cardNumber: '4111111111111111', cvv: '123', amount: 1500 },
      list: [{ secret: 's' }],
    });
    expect(out).toEqual({
      user: {
        email: 'ana@example.com',
        Password: REDACTED,
        profile: { refresh_token: REDACTED, apiKey: REDACTED },
      },
      headers: { Authorization: REDACTED, cookie: REDACTED },
      payment: { cardNumber: REDACTED, cvv: REDACTED, amount: 1500 },
      list: [{ secret: REDACTED }],
    });
  });

  it('hides secrets inside free text: bearer tokens, key=value pairs, URL credentials and card numbers', () => {
    expect(redact('auth failed for Bearer eyJhbGciOiJFUzI1NiJ9.payload.sig')).toBe(
      `auth failed for Bearer ${REDACTED}`,
    );
    expect(redact('connect postgres://faena:s3cret@db:5432/faena failed')).toBe(
      `connect postgres://faena:${REDACTED}@db:5432/faena failed`,
    );
    expect(redact('retry with password=hunter2 and token: abc123')).toBe(
      `retry with password=${REDACTED} and token: ${REDACTED}`,
    );
    expect(redact('card 4111 1111 1111 1111 declined')).toBe(`card ${REDACTED} declined`);
    expect(redact('order 1234 total 1500')).toBe('order 1234 total 1500');
    expect(redact('at 1732370000001 ms')).toBe('at 1732370000001 ms'); // not a Luhn-valid number
  });
});

describe('logger', () => {
  beforeAll(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  afterAll(() => context.disable());

  it('writes JSON lines with service, context ids, active trace ids, and redacts', () => {
    const { logger, lines, raw } = captureLogger('orders');
    const spanContext = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
    };
    context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), () => {
      runWithContext({ correlationId: 'c-1', tenantId: 't-1', userId: 'u-1' }, () => {
        logger.info('order created', { orderId: 'o-1', password: 'nope', note: 'Bearer abc.def' });
      });
    });
    const [line] = lines();
    expect(line).toMatchObject({
      level: 'info',
      message: 'order created',
      service: 'orders',
      correlationId: 'c-1',
      tenantId: 't-1',
      userId: 'u-1',
      traceId: spanContext.traceId,
      spanId: spanContext.spanId,
      orderId: 'o-1',
      password: REDACTED,
      note: `Bearer ${REDACTED}`,
    });
    expect(typeof line?.timestamp).toBe('string');
    expect(raw()).not.toContain('nope');
  });
});

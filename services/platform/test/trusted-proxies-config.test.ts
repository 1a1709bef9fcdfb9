import Joi from 'joi';
import { httpConfigSchema } from '../src/config.ts';

const parse = (value: string) => Joi.attempt(value, httpConfigSchema.TRUSTED_PROXIES);

describe('TRUSTED_PROXIES', () => {
  it('is a hop count or the proxies CIDRs', () => {
    expect(parse('0')).toBe(0);
    expect(parse('1')).toBe(1);
    expect(parse('10.0.0.0/8, 192.168.1.4,fd00::/8')).toEqual(['10.0.0.0/8', '192.168.1.4/32', 'fd00::/8']);
    expect(() => parse('11')).toThrow();
    expect(() => parse('10.0.0.0/33')).toThrow();
    expect(() => parse('the ingress')).toThrow();
  });
});

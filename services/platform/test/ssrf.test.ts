import Joi from 'joi';
import { createOutboundGuard, outboundGuardConfigSchema, type Resolver } from '../src/net/ssrf.ts';

const answers = new Map<string, string[]>();
const resolve: Resolver = async (host) => {
  const a = answers.get(host);
  if (!a) throw new Error('ENOTFOUND');
  return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('outbound guard (SSRF)', () => {
  const guard = createOutboundGuard({ allowHttp: true, resolve });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::7f00:1', 'IPv4-compatible IPv6'],
    ['::ffff:5db8:d822', 'IPv4-mapped IPv6'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2002:7f00:1::1', '6to4'],
    ['64:ff9b::7f00:1', 'IPv4-translated IPv6'],
  ])('refuses %s (%s)', (address, what) => {
    expect(guard.refusal(address)).toBe(what);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:2800:220:1:248:1893:25c8:1946'])(
    'lets %s through',
    (address) => expect(guard.refusal(address)).toBeNull(),
  );

  it.each([
    'http://127.1/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0177.0.0.1/',
    'http://[::ffff:127.0.0.1]/',
    'http://[0:0:0:0:0:ffff:7f00:1]/',
    'http://127.0.0.1./',
    'http://0/',
  ])('normalises %s and refuses it', async (url) => {
    await expect(guard.check(url)).rejects.toMatchObject({ reason: 'destination not allowed' });
  });

  it('is https only by default, refuses credentials, and refuses a name when any answer is private', async () => {
    answers.set('hooks.example.com', ['93.184.216.34']);
    answers.set('mixed.example.com', ['93.184.216.34', '192.168.0.10']);
    const strict = createOutboundGuard({ resolve });
    await expect(strict.check('http://hooks.example.com/')).rejects.toMatchObject({
      reason: 'scheme not allowed',
    });
    await expect(strict.check('https://hooks.example.com/')).resolves.toMatchObject({
      hostname: 'hooks.example.com',
    });
    await expect(strict.check('https://u:p@hooks.example.com/')).rejects.toMatchObject({
      reason: 'credentials in URL',
    });
    await expect(strict.check('https://mixed.example.com/')).rejects.toMatchObject({
      reason: 'destination not allowed',
    });
    await expect(strict.check('https://nowhere.example.com/')).rejects.toMatchObject({
      reason: 'host not found',
    });
  });

  it('takes extra denied ranges and an allow-list from config', () => {
    const config = Joi.attempt(
      { TENANT_URL_DENY_CIDRS: '93.184.216.0/24, 2606:2800::/32', TENANT_URL_ALLOW_CIDRS: '127.0.0.1/32' },
      Joi.object(outboundGuardConfigSchema),
    );
    expect(config).toEqual({
      TENANT_URL_ALLOW_HTTP: false,
      TENANT_URL_DENY_CIDRS: ['93.184.216.0/24', '2606:2800::/32'],
      TENANT_URL_ALLOW_CIDRS: ['127.0.0.1/32'],
    });
    const g = createOutboundGuard({
      denyCidrs: config.TENANT_URL_DENY_CIDRS,
      allowCidrs: config.TENANT_URL_ALLOW_CIDRS,
    });
    expect(g.refusal('93.184.216.34')).toBe('denied range');
    expect(g.refusal('2606:2800:220:1::1')).toBe('denied range');
    expect(g.refusal('127.0.0.1')).toBeNull();
    expect(g.refusal('127.0.0.2')).toBe('loopback');
    expect(() =>
      Joi.attempt({ TENANT_URL_DENY_CIDRS: '10.0.0.0/33' }, Joi.object(outboundGuardConfigSchema)),
    ).toThrow(/not a CIDR/);
    expect(Joi.attempt({}, Joi.object(outboundGuardConfigSchema))).toEqual({
      TENANT_URL_ALLOW_HTTP: false,
      TENANT_URL_DENY_CIDRS: [],
      TENANT_URL_ALLOW_CIDRS: [],
    });
  });

  describe('a LAN device (checkHost with lan: kitchen printers)', () => {
    // The cluster's pod and service ranges, as operators list them in TENANT_URL_DENY_CIDRS.
    const lan = createOutboundGuard({
      resolve,
      denyCidrs: ['10.42.0.0/16', '10.43.0.0/16', 'fd42::/48'],
    });

    it.each([
      '10.0.0.50',
      '172.16.4.2',
      '172.31.255.254',
      '192.168.1.50',
      'fd12::50',
      'fc00::1',
      '93.184.216.34',
    ])('lets %s through: private (the restaurant network) or public', async (address) => {
      expect(lan.refusal(address, { lan: true })).toBeNull();
      await expect(lan.checkHost(address, { lan: true })).resolves.toEqual({
        host: address,
        addresses: [{ address, family: address.includes(':') ? 6 : 4 }],
        address: { address, family: address.includes(':') ? 6 : 4 },
      });
    });

    it.each([
      ['127.0.0.1', 'loopback'],
      ['::1', 'loopback'],
      ['0.0.0.0', 'unspecified'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['100.64.0.1', 'shared (CGNAT)'],
      ['224.0.0.251', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['240.0.0.1', 'reserved'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:192.168.1.50', 'IPv4-mapped IPv6'],
      ['::c0a8:132', 'IPv4-compatible IPv6'],
      ['64:ff9b::c0a8:132', 'IPv4-translated IPv6'],
      ['10.42.7.9', 'denied range'],
      ['10.43.0.10', 'denied range'],
      ['fd42::10', 'denied range'],
    ])('refuses %s (%s)', async (address, what) => {
      expect(lan.refusal(address, { lan: true })).toBe(what);
      await expect(lan.checkHost(address, { lan: true })).rejects.toMatchObject({
        name: 'OutboundUrlError',
        reason: 'destination not allowed',
        // The address as the URL parser normalises it (::ffff:127.0.0.1 is ::ffff:7f00:1).
        refused: {
          address: new URL(`http://${address.includes(':') ? `[${address}]` : address}/`).hostname.replace(
            /^\[(.*)\]$/,
            '$1',
          ),
          what,
        },
      });
    });

    it('normalises what getaddrinfo would read as loopback and refuses it', async () => {
      for (const host of ['127.1', '2130706433', '0x7f000001', '0177.0.0.1', '127.0.0.1.', '[::1]', '0'])
        await expect(lan.checkHost(host, { lan: true })).rejects.toMatchObject({
          reason: 'destination not allowed',
        });
    });

    it('resolves a name once and answers the checked address; a name resolving to a refused address is refused', async () => {
      answers.set('cocina.lan', ['192.168.1.50']);
      answers.set('metadata.evil.example', ['169.254.169.254']);
      answers.set('half.evil.example', ['192.168.1.50', '127.0.0.1']);
      answers.set('cluster.evil.example', ['10.43.0.1']);
      const asked: string[] = [];
      const counting = createOutboundGuard({
        denyCidrs: ['10.43.0.0/16'],
        resolve: async (host) => {
          asked.push(host);
          return resolve(host);
        },
      });
      await expect(counting.checkHost('cocina.lan', { lan: true })).resolves.toEqual({
        host: 'cocina.lan',
        addresses: [{ address: '192.168.1.50', family: 4 }],
        address: { address: '192.168.1.50', family: 4 },
      });
      expect(asked).toEqual(['cocina.lan']);
      await expect(counting.checkHost('metadata.evil.example', { lan: true })).rejects.toMatchObject({
        reason: 'destination not allowed',
        refused: { address: '169.254.169.254', what: 'link-local' },
        message: expect.stringContaining('metadata.evil.example resolves to 169.254.169.254 (link-local)'),
      });
      await expect(counting.checkHost('half.evil.example', { lan: true })).rejects.toMatchObject({
        refused: { address: '127.0.0.1', what: 'loopback' },
      });
      await expect(counting.checkHost('cluster.evil.example', { lan: true })).rejects.toMatchObject({
        refused: { address: '10.43.0.1', what: 'denied range' },
      });
      await expect(counting.checkHost('nowhere.lan', { lan: true })).rejects.toMatchObject({
        reason: 'host not found',
      });
      for (const bad of ['', 'cocina.lan:9100', 'http://cocina.lan', 'a/b', 'u@cocina.lan', ' '])
        await expect(counting.checkHost(bad, { lan: true })).rejects.toMatchObject({
          reason: 'invalid host',
        });
    });

    it('without lan a host is checked like a URL (private refused); TENANT_URL_ALLOW_CIDRS still exempts', async () => {
      await expect(lan.checkHost('192.168.1.50')).rejects.toMatchObject({
        refused: { address: '192.168.1.50', what: 'private' },
      });
      const tests = createOutboundGuard({
        resolve,
        allowCidrs: ['127.0.0.1/32'],
        denyCidrs: ['10.43.0.0/16'],
      });
      await expect(tests.checkHost('127.0.0.1', { lan: true })).resolves.toMatchObject({
        address: { address: '127.0.0.1', family: 4 },
      });
      expect(tests.refusal('127.0.0.2', { lan: true })).toBe('loopback');
      expect(tests.refusal('169.254.169.254', { lan: true })).toBe('link-local');
    });
  });
});

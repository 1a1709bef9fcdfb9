/**
 * The one way out to a URL or device address a tenant chose (webhook endpoints, kitchen printers):
 * SSRF-guarded.
 *
 *   const guard = createOutboundGuard(outboundGuardOptions(config));
 *   await guard.check(url);                        // at registration: throws OutboundUrlError
 *   const { status } = await guard.post(url, {…}); // at delivery: checks again, then connects
 *   const { address } = await guard.checkHost(host, { lan: true }); // a LAN device: connect to `address`
 *
 * - https only, unless `TENANT_URL_ALLOW_HTTP` (dev and tests);
 * - the host is resolved once and refused when ANY address is special-purpose: loopback, private,
 *   link-local (the cloud metadata address), CGNAT, multicast, unspecified, broadcast, reserved,
 *   documentation, IPv4-mapped/compatible/6to4/Teredo/NAT64 IPv6, anything outside global unicast —
 *   or inside `TENANT_URL_DENY_CIDRS` (the cluster's service and pod ranges);
 * - the socket goes to the address that was checked (a `lookup` that answers it), while the Host
 *   header and TLS SNI stay the URL's hostname, so a DNS answer that changes in between (rebinding)
 *   is never followed;
 * - redirects are not followed (a 3xx is the caller's failure), the request has a timeout, and the
 *   answer's body is never read: callers get a status or a short reason.
 *
 * `checkHost(host, { lan: true })` is the same check for a device on the tenant's own network (a
 * kitchen printer's `host`): the `private` class (RFC 1918, fc00::/7) is allowed, everything else
 * above is still refused — loopback, unspecified, link-local (metadata), CGNAT, multicast,
 * broadcast, reserved, the IPv6 forms carrying IPv4, and `TENANT_URL_DENY_CIDRS`, which is why the
 * cluster's own pod and service ranges (usually private too) must be listed there. The host is
 * resolved once and the caller connects to the answered address only (no rebinding in between).
 *
 * `TENANT_URL_ALLOW_CIDRS` (default empty) exempts ranges from the refusal: the test harness and
 * `.env.example` set 127.0.0.1/32 so that local receivers work; production leaves it empty.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import Joi from 'joi';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
/** Answers every address of a hostname (default: `dns.promises.lookup` with `all: true`). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/**
 * A URL or host the guard refuses; `reason` is short and safe to store or show (it never holds
 * remote text): `invalid URL`, `invalid host`, `scheme not allowed`, `credentials in URL`,
 * `host not found`, `destination not allowed` (then `refused` names the class: `loopback`, …).
 */
export class OutboundUrlError extends Error {
  readonly reason: string;
  /** For `destination not allowed`: the refused address and why (`'link-local'`, `'denied range'`, …). */
  readonly refused?: { address: string; what: string };
  constructor(reason: string, message: string, refused?: { address: string; what: string }) {
    super(message);
    this.name = 'OutboundUrlError';
    this.reason = reason;
    if (refused) this.refused = refused;
  }
}

/** A request that went out and failed: `reason` is short ('timed out', 'connection failed (ECONNREFUSED)'). */
export class OutboundRequestError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.name = 'OutboundRequestError';
    this.reason = reason;
  }
}

/** Special-purpose ranges (IANA registries), refused as destinations, by what they are. */
const REFUSED: Array<{ what: string; v4?: string[]; v6?: string[] }> = [
  { what: 'loopback', v4: ['127.0.0.0/8'], v6: ['::1/128'] },
  { what: 'unspecified', v4: ['0.0.0.0/8'], v6: ['::/128'] },
  { what: 'private', v4: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'], v6: ['fc00::/7'] },
  { what: 'link-local', v4: ['169.254.0.0/16'], v6: ['fe80::/10'] },
  { what: 'shared (CGNAT)', v4: ['100.64.0.0/10'] },
  { what: 'multicast', v4: ['224.0.0.0/4'], v6: ['ff00::/8'] },
  { what: 'broadcast', v4: ['255.255.255.255/32'] },
  {
    what: 'reserved',
    v4: [
      '192.0.0.0/24',
      '192.0.2.0/24',
      '192.88.99.0/24',
      '198.18.0.0/15',
      '198.51.100.0/24',
      '203.0.113.0/24',
      '240.0.0.0/4',
    ],
    v6: ['2001::/23', '2001:db8::/32', '100::/64', '3fff::/20'],
  },
  // IPv6 forms that carry an IPv4 address (which may be any of the above).
  { what: 'IPv4-compatible IPv6', v6: ['::/96'] },
  { what: 'IPv4-mapped IPv6', v6: ['::ffff:0:0/96'] },
  { what: 'IPv4-translated IPv6', v6: ['64:ff9b::/96', '64:ff9b:1::/48'] },
  { what: '6to4', v6: ['2002::/16'] },
];

const blockList = (cidrs: readonly string[]): net.BlockList => {
  const list = new net.BlockList();
  for (const cidr of cidrs.map(parseCidr)) {
    const [address, bits] = cidr.split('/');
    const family = net.isIPv6(address ?? '') ? 'ipv6' : 'ipv4';
    list.addSubnet(address ?? '', Number(bits ?? (family === 'ipv6' ? 128 : 32)), family);
  }
  return list;
};

// Kept apart by family: an IPv6 rule would also match IPv4 addresses (net.BlockList maps them).
const refused = REFUSED.map((r) => ({ what: r.what, v4: blockList(r.v4 ?? []), v6: blockList(r.v6 ?? []) }));
/** IPv6 destinations must be global unicast. */
const globalUnicast = blockList(['2000::/3']);

const familyOf = (address: string): 'ipv4' | 'ipv6' => (net.isIPv6(address) ? 'ipv6' : 'ipv4');

/**
 * Whether an address is in one of `cidrs` (families kept apart; an IPv4-mapped IPv6 address, as a
 * dual-stack socket reports IPv4 peers, is read as its IPv4 address).
 */
export function cidrMatcher(cidrs: readonly string[]): (address: string) => boolean {
  const v4 = blockList(cidrs.filter((c) => !net.isIPv6(c.split('/')[0] ?? '')));
  const v6 = blockList(cidrs.filter((c) => net.isIPv6(c.split('/')[0] ?? '')));
  return (raw) => {
    const address = /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(raw) ? raw.slice(7) : raw;
    if (!net.isIP(address)) return false;
    return familyOf(address) === 'ipv6' ? v6.check(address, 'ipv6') : v4.check(address, 'ipv4');
  };
}

/** A CIDR (`10.0.0.0/8`, `fd00::/8`, or one address) as `net.BlockList` takes it; throws when malformed. */
export function parseCidr(cidr: string): string {
  const [address = '', bits, extra] = cidr.trim().split('/');
  const family = net.isIP(address);
  const max = family === 6 ? 128 : 32;
  const n = bits === undefined ? max : Number(bits);
  if (!family || extra !== undefined || !Number.isInteger(n) || n < 0 || n > max || bits === '')
    throw new Error(`not a CIDR: ${cidr}`);
  return `${address}/${n}`;
}

/** Env list of CIDRs, comma separated (empty: none), to `string[]`. */
export const cidrListSchema = Joi.alternatives(Joi.array().items(Joi.string()), Joi.string().allow(''))
  .default([])
  .custom((value: string | string[], helpers) => {
    const items = (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter(Boolean);
    try {
      return items.map(parseCidr);
    } catch (err) {
      return helpers.message({ custom: err instanceof Error ? err.message : String(err) });
    }
  });

/** Config keys of every process that sends requests to tenant-chosen URLs. */
export const outboundGuardConfigSchema = {
  TENANT_URL_ALLOW_HTTP: Joi.boolean()
    .default(false)
    .description('accept http:// tenant URLs (dev and tests only; production is https only)'),
  TENANT_URL_DENY_CIDRS: cidrListSchema.description(
    "extra ranges tenant URLs may not reach, comma separated (the cluster's service and pod CIDRs)",
  ),
  TENANT_URL_ALLOW_CIDRS: cidrListSchema.description(
    'ranges exempt from the private-address refusal, comma separated; empty in production (tests and dev: 127.0.0.1/32)',
  ),
};
export interface OutboundGuardConfig {
  TENANT_URL_ALLOW_HTTP: boolean;
  TENANT_URL_DENY_CIDRS: string[];
  TENANT_URL_ALLOW_CIDRS: string[];
}

export interface OutboundGuardOptions {
  allowHttp?: boolean;
  denyCidrs?: readonly string[];
  allowCidrs?: readonly string[];
  resolve?: Resolver;
  /**
   * Tests only, never from config: where the socket goes for a destination that passed the check
   * (e.g. a public test address → the local receiver). It runs after the check, so the check is
   * what the test exercises; no environment variable or setting reaches it.
   */
  testConnectOverride?: (checked: ResolvedAddress) => ResolvedAddress;
}

export const outboundGuardOptions = (config: Partial<OutboundGuardConfig>): OutboundGuardOptions => ({
  allowHttp: config.TENANT_URL_ALLOW_HTTP ?? false,
  denyCidrs: config.TENANT_URL_DENY_CIDRS ?? [],
  allowCidrs: config.TENANT_URL_ALLOW_CIDRS ?? [],
});

export interface CheckedUrl {
  url: URL;
  /** The host without IPv6 brackets. */
  hostname: string;
  /** Every address the host resolved to (all allowed); requests connect to the first. */
  addresses: ResolvedAddress[];
}

export interface CheckedHost {
  /** The host as checked (normalised, without IPv6 brackets). */
  host: string;
  /** Every address the host resolved to (all allowed). */
  addresses: ResolvedAddress[];
  /** The one to connect to (the first): never resolve the host again. */
  address: ResolvedAddress;
}

export interface RefusalOptions {
  /**
   * A device on the tenant's own network (a kitchen printer): the `private` class may be reached;
   * every other class, and `TENANT_URL_DENY_CIDRS`, is still refused.
   */
  lan?: boolean;
}

export interface OutboundGuard {
  /** Parses, resolves once and checks every address; throws `OutboundUrlError`. */
  check(url: string): Promise<CheckedUrl>;
  /**
   * A bare host (name, IPv4 or IPv6, brackets allowed; no port) resolved once and every address
   * checked; answers the address to connect to. Throws `OutboundUrlError` (`invalid host`,
   * `host not found`, `destination not allowed` with `refused`).
   */
  checkHost(host: string, opts?: RefusalOptions): Promise<CheckedHost>;
  /** Why an address is refused (`'loopback'`, …), or null when it may be reached. */
  refusal(address: string, opts?: RefusalOptions): string | null;
  /**
   * POSTs `body` to the URL, checked again now, on a fresh connection to the checked address; no
   * redirects followed, the body of the answer never read. Throws `OutboundUrlError` (refused) or
   * `OutboundRequestError` (sent and failed, short reason).
   */
  post(
    url: string,
    request: { headers: Record<string, string>; body: string; timeoutMs: number },
  ): Promise<{ status: number }>;
}

export function createOutboundGuard(opts: OutboundGuardOptions = {}): OutboundGuard {
  const resolve = opts.resolve ?? systemResolver;
  const deny = blockList(opts.denyCidrs ?? []);
  const allow = blockList(opts.allowCidrs ?? []);

  function refusal(address: string, { lan = false }: RefusalOptions = {}): string | null {
    if (!net.isIP(address)) return 'not an IP address';
    const family = familyOf(address);
    if (allow.check(address, family)) return null;
    let lanPrivate = false;
    // An IPv6 address is checked against the IPv4 ranges too: ::ffff:127.0.0.1 is loopback (and
    // ::ffff:10.0.0.1, private in IPv4 terms, is still refused on a LAN as IPv4-mapped IPv6).
    for (const r of refused)
      if (r.v4.check(address, family) || (family === 'ipv6' && r.v6.check(address, 'ipv6'))) {
        if (lan && r.what === 'private') lanPrivate = true;
        else return r.what;
      }
    if (family === 'ipv6' && !lanPrivate && !globalUnicast.check(address, 'ipv6'))
      return 'not global unicast';
    if (deny.check(address, family)) return 'denied range';
    return null;
  }

  /** Resolves once (an IP is its own answer) and refuses when any answer is refused. */
  async function resolveChecked(
    hostname: string,
    lan: boolean,
    refusedMessage: (shown: string, why: string) => string,
  ): Promise<ResolvedAddress[]> {
    let addresses: ResolvedAddress[];
    if (net.isIP(hostname)) addresses = [{ address: hostname, family: net.isIPv6(hostname) ? 6 : 4 }];
    else {
      try {
        addresses = await resolve(hostname);
      } catch {
        throw new OutboundUrlError('host not found', `The host ${hostname} does not resolve`);
      }
      if (!addresses.length)
        throw new OutboundUrlError('host not found', `The host ${hostname} does not resolve`);
    }
    for (const a of addresses) {
      const why = refusal(a.address, { lan });
      if (why)
        throw new OutboundUrlError(
          'destination not allowed',
          refusedMessage(
            hostname === a.address ? `is ${a.address}` : `${hostname} resolves to ${a.address}`,
            why,
          ),
          { address: a.address, what: why },
        );
    }
    return addresses;
  }

  async function check(raw: string): Promise<CheckedUrl> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new OutboundUrlError('invalid URL', 'The URL cannot be parsed');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && opts.allowHttp))
      throw new OutboundUrlError(
        'scheme not allowed',
        opts.allowHttp ? 'The URL must be http or https' : 'The URL must be https',
      );
    if (url.username || url.password)
      throw new OutboundUrlError('credentials in URL', 'The URL may not carry a user name or password');
    // WHATWG parsing has already normalised 127.1, 2130706433, 0x7f000001, 0177.0.0.1 and [::ffff:127.0.0.1].
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const addresses = await resolveChecked(
      hostname,
      false,
      (shown, why) => `The URL's host ${shown} (${why}); only public addresses can be reached`,
    );
    return { url, hostname, addresses };
  }

  async function checkHost(raw: string, { lan = false }: RefusalOptions = {}): Promise<CheckedHost> {
    const trimmed = raw.trim();
    const bare = trimmed.replace(/^\[(.*)\]$/, '$1');
    const invalid = () =>
      new OutboundUrlError('invalid host', `${JSON.stringify(raw)} is not a host name or IP address`);
    // A name or an address only: no port, path, user or anything a URL parser would read past.
    if (!bare || (!net.isIPv6(bare) && !/^[A-Za-z0-9._-]+$/.test(bare))) throw invalid();
    let host: string;
    try {
      // The WHATWG parser normalises what getaddrinfo would also read as an address (127.1,
      // 2130706433, 0x7f000001, 0177.0.0.1, 127.0.0.1.): the same as check().
      host = new URL(`http://${net.isIPv6(bare) ? `[${bare}]` : bare}/`).hostname.replace(/^\[(.*)\]$/, '$1');
    } catch {
      throw invalid();
    }
    const addresses = await resolveChecked(
      host,
      lan,
      (shown, why) =>
        `The host ${shown} (${why}); only ${lan ? 'addresses of your own network or public ones' : 'public addresses'} can be reached`,
    );
    return { host, addresses, address: addresses[0]! };
  }

  async function post(
    raw: string,
    request: { headers: Record<string, string>; body: string; timeoutMs: number },
  ): Promise<{ status: number }> {
    const target = await check(raw);
    const checked = target.addresses[0]!;
    const to = opts.testConnectOverride ? opts.testConnectOverride(checked) : checked;
    const signal = AbortSignal.timeout(request.timeoutMs);
    const client = target.url.protocol === 'https:' ? https : http;
    return new Promise((resolvePromise, reject) => {
      const req = client.request(
        target.url,
        {
          method: 'POST',
          headers: { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) },
          // A fresh connection each time (no pooled socket from another resolution), to the checked
          // address; Host and SNI come from the URL's hostname.
          agent: false,
          lookup: (_host, options, callback) => {
            if (options.all) callback(null, [{ address: to.address, family: to.family }]);
            else callback(null, to.address, to.family);
          },
          signal,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          res.destroy(); // the remote body is never read
          resolvePromise({ status });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (signal.aborted) reject(new OutboundRequestError('timed out'));
        else reject(new OutboundRequestError(`connection failed${err.code ? ` (${err.code})` : ''}`));
      });
      req.end(request.body);
    });
  }

  return { check, checkHost, refusal, post };
}

// Which subscription URLs Herald may POST to. Used twice: when a subscription is created or
// changed (so a bad URL is refused up front with a clear 400) and by the HTTP client before
// every attempt (the configuration may predate a policy change, and literal IPs never reach
// the DNS hook that guards host names).
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type UrlCheck = { ok: true } | { ok: false; reason: string };

export interface UrlPolicyOptions {
  /** HERALD_ALLOW_INSECURE_URLS: permits http:, any port and private or loopback targets. */
  allowInsecure: boolean;
}

/**
 * True when Herald must not connect to this address: everything ipaddr.js does not class as
 * plain `unicast` (loopback, private, link-local, CGNAT, unique-local, multicast, reserved,
 * 6to4, Teredo, NAT64 …). An IPv4-mapped IPv6 address is judged by the IPv4 address inside it,
 * since that is where the kernel actually connects. Anything unparsable is forbidden: the guard
 * fails closed.
 */
export function isForbiddenAddress(ip: string): boolean {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  // A zone index (fe80::1%eth0) only ever appears on link-local addresses.
  if (bare.includes('%')) return true;
  if (!isIP(bare)) return true;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(bare);
  } catch {
    return true;
  }
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  }
  return addr.range() !== 'unicast';
}

/** The host of a URL without IPv6 brackets, and whether it is a literal IP address. */
export function literalIpHost(url: URL): string | null {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) ? host : null;
}

/**
 * Checks a subscription URL against docs/contract.md §2: absolute, no credentials, and unless insecure
 * URLs are allowed `https:` on port 443 and no forbidden literal IP. Host names are not resolved
 * here: an answer checked now could change before the connection, so the HTTP client checks the
 * address it actually connects to.
 */
export function checkSubscriptionUrl(url: string, { allowInsecure }: UrlPolicyOptions): UrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'not an absolute URL' };
  }
  // Credentials in a URL end up in logs and in the Temporal history: refused even in dev mode.
  if (parsed.username !== '' || parsed.password !== '') {
    return { ok: false, reason: 'the URL must not contain a username or password' };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return { ok: false, reason: `unsupported scheme ${parsed.protocol.replace(/:$/, '')}` };
  }
  if (parsed.hostname === '') return { ok: false, reason: 'the URL has no host' };
  if (allowInsecure) return { ok: true };

  if (parsed.protocol !== 'https:') {
    return { ok: false, reason: 'only https: URLs are allowed (HERALD_ALLOW_INSECURE_URLS is off)' };
  }
  // URL drops the default port, so an empty port is 443.
  if (parsed.port !== '' && parsed.port !== '443') {
    return { ok: false, reason: 'only port 443 is allowed (HERALD_ALLOW_INSECURE_URLS is off)' };
  }
  const literal = literalIpHost(parsed);
  if (literal !== null && isForbiddenAddress(literal)) {
    return {
      ok: false,
      reason: `the address ${literal} is loopback, private or otherwise not publicly routable`,
    };
  }
  return { ok: true };
}

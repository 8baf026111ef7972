/**
 * Addresses MX delivery and the link check do not connect to unless told
 * (--release-allow-private, --allow-internal-http-requests):
 * loopback, private, link-local, shared (CGNAT), documentation, benchmarking,
 * multicast and reserved ranges (IANA special-purpose registries, RFC 6890), and the
 * IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4, Teredo). An allowed
 * domain whose MX points inside the network, or a link in a caught message, must not
 * turn Letterbox into a way in (server-side request forgery).
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32],
  ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) blocked.addSubnet(network, prefix, 'ipv6');

/** True for an address not to connect to by default (anything not a plain public IP). */
export function isSpecialUseAddress(ip: string): boolean {
  if (isIPv4(ip)) return blocked.check(ip, 'ipv4');
  if (isIPv6(ip)) return blocked.check(ip, 'ipv6');
  return true;
}

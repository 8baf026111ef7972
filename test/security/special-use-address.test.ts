import { describe, expect, it } from 'vitest';
import { isSpecialUseAddress } from '../../server/security/special-use-address.js';

describe('special-use addresses MX delivery and the link check avoid by default', () => {
  it('refuses loopback, private, shared, link-local, documentation and IPv4-embedding IPv6 forms', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '100.64.0.1', '169.254.169.254', '0.0.0.0', '192.0.2.1', '224.0.0.1', '255.255.255.255',
      '::1', '::', '::ffff:127.0.0.1', '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '2002:7f00:1::', '2001:0:4136:e378::1', 'fd00::1', 'fe80::1', 'ff02::1', 'not-an-ip']) {
      expect(isSpecialUseAddress(ip), ip).toBe(true);
    }
  });

  it('allows public addresses', () => {
    for (const ip of ['93.184.215.14', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) expect(isSpecialUseAddress(ip), ip).toBe(false);
  });
});

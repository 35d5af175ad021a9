import { isIPv4, isIPv6 } from 'node:net';

/** How a guest is shown to others: the network part of the address only. */
export function maskIp(raw: string | undefined): string {
  const ip = (raw ?? '').replace(/^::ffff:/, '');
  if (isIPv4(ip)) return ip.split('.').slice(0, 2).concat('xxx', 'xxx').join('.');
  if (isIPv6(ip)) return `${ip.split(':').slice(0, 2).join(':')}:xxxx::`;
  return 'unknown';
}

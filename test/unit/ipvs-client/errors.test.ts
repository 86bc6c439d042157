import { describe, expect, it } from 'vitest';
import { AddressError } from '../../../src/ipvs/addr.js';
import {
  describeDestination,
  describeServiceKey,
  errnoDetail,
  IpvsError,
  IpvsUnavailableError,
  toIpvsError,
} from '../../../src/ipvs/errors.js';
import { LvsdError } from '../../../src/errors.js';
import { errnoName, errnoNumber, strerror } from '../../../src/netlink/errno.js';
import { NetlinkDecodeError, NetlinkEncodeError } from '../../../src/netlink/errors.js';
import { NetlinkRequestError } from '../../../src/netlink/genl-client.js';
import { TransportError } from '../../../src/netlink/transport.js';

describe('errno table', () => {
  it('names and glibc texts', () => {
    expect([errnoName(17), strerror(17)]).toEqual(['EEXIST', 'File exists']);
    expect([errnoName(3), strerror(3)]).toEqual(['ESRCH', 'No such process']);
    expect([errnoName(95), strerror(95)]).toEqual(['EOPNOTSUPP', 'Operation not supported']);
    expect([errnoName(92), strerror(92)]).toEqual(['ENOPROTOOPT', 'Protocol not available']);
    expect([errnoName(524), strerror(524)]).toEqual(['ENOTSUPP', 'Unknown error 524']);
    expect([errnoName(9999), strerror(9999)]).toEqual(['E9999', 'Unknown error 9999']);
    expect(errnoNumber('EBUSY')).toBe(16);
    expect(errnoNumber('EWOULDBLOCK')).toBe(11);
    expect(errnoNumber('ENOTSUP')).toBe(95);
    expect(errnoNumber('NOPE')).toBeUndefined();
  });

  it('agrees with node on every name node knows', async () => {
    const { constants } = await import('node:os');
    for (const [name, n] of Object.entries(constants.errno)) {
      if (['EWOULDBLOCK', 'ENOTSUP', 'EDEADLOCK'].includes(name)) continue;
      expect(errnoName(n), name).toBe(name);
    }
  });
});

describe('IpvsError', () => {
  it('describes objects as ipvsadm users read them', () => {
    expect(describeServiceKey({ protocol: 'tcp', address: '192.0.2.10', port: 80 })).toBe('tcp 192.0.2.10:80');
    expect(describeServiceKey({ protocol: 'sctp', address: '2001:db8::1', port: 3868 })).toBe('sctp [2001:db8::1]:3868');
    expect(describeServiceKey({ fwmark: 7, family: 'ipv6' })).toBe('fwmark 7 ipv6');
    expect(describeDestination({ protocol: 'udp', address: '192.0.2.10', port: 53 }, { address: '2001:db8::2', port: 53 })).toBe(
      'udp 192.0.2.10:53 -> [2001:db8::2]:53',
    );
    expect(errnoDetail(2)).toBe('No such file or directory (ENOENT)');
  });

  it('wraps every kind of failure with a code, an errno and the operation', () => {
    const kernel = toIpvsError('addService', 'tcp 192.0.2.10:80', new NetlinkRequestError(17, 'IPVS_CMD_NEW_SERVICE'));
    expect(kernel).toBeInstanceOf(IpvsError);
    expect(kernel).toBeInstanceOf(LvsdError);
    expect(kernel).toMatchObject({ code: 'EEXIST', errno: 17, op: 'addService', target: 'tcp 192.0.2.10:80', name: 'IpvsError' });
    expect(kernel.message).toBe('addService tcp 192.0.2.10:80: File exists (EEXIST)');
    expect(kernel.cause).toBeInstanceOf(NetlinkRequestError);

    expect(toIpvsError('flush', undefined, TransportError.fromErrno(105, 'recvmsg'))).toMatchObject({
      code: 'ENOBUFS',
      errno: 105,
      message: 'flush: recvmsg: No buffer space available (ENOBUFS)',
    });
    expect(toIpvsError('addService', 'x', new NetlinkEncodeError('bad'))).toMatchObject({ code: 'EINVAL', errno: 22 });
    expect(toIpvsError('addService', 'x', new AddressError('bad'))).toMatchObject({ code: 'EINVAL', errno: 22 });
    expect(toIpvsError('info', undefined, new NetlinkDecodeError('short'))).toMatchObject({ code: 'EDECODE', errno: 0 });
    expect(toIpvsError('info', undefined, 'weird')).toMatchObject({ code: 'EUNKNOWN', message: 'info: weird' });
    const same = new IpvsError('a', undefined, 1, 'EPERM', 'x');
    expect(toIpvsError('b', undefined, same)).toBe(same);
  });

  it("IpvsUnavailableError carries what lvsadm needs to print ipvsadm's message", () => {
    const e = new IpvsUnavailableError(2, 'IPVS is not available');
    expect(e).toBeInstanceOf(IpvsError);
    expect(e).toMatchObject({ code: 'EIPVSUNAVAILABLE', errno: 92, familyErrno: 2, op: 'open' });
    // ipvsadm: "Can't initialize ipvs: Protocol not available"
    expect(strerror(e.errno)).toBe('Protocol not available');
  });
});

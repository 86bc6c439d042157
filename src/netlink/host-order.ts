/**
 * Netlink integers are in the host's byte order (except where a protocol says "be16/be32").
 * These helpers read and write host-order integers; every caller checks bounds first.
 */
import { endianness } from 'node:os';

/** True on little-endian hosts (x86-64, arm64): the case the golden fixtures are written for. */
export const HOST_IS_LE: boolean = endianness() === 'LE';

/** Reads a host-order unsigned 16-bit integer. */
export function readU16(buf: Buffer, off: number): number {
  return HOST_IS_LE ? buf.readUInt16LE(off) : buf.readUInt16BE(off);
}

/** Reads a host-order unsigned 32-bit integer. */
export function readU32(buf: Buffer, off: number): number {
  return HOST_IS_LE ? buf.readUInt32LE(off) : buf.readUInt32BE(off);
}

/** Reads a host-order signed 32-bit integer. */
export function readI32(buf: Buffer, off: number): number {
  return HOST_IS_LE ? buf.readInt32LE(off) : buf.readInt32BE(off);
}

/** Reads a host-order unsigned 64-bit integer. */
export function readU64(buf: Buffer, off: number): bigint {
  return HOST_IS_LE ? buf.readBigUInt64LE(off) : buf.readBigUInt64BE(off);
}

/**
 * Writes a host-order unsigned 16-bit integer. Byte stores, without Buffer#writeUInt16LE's
 * argument checks: every caller has checked the value and the offset (hot in batch encoding).
 */
export function writeU16(buf: Buffer, value: number, off: number): void {
  if (HOST_IS_LE) {
    buf[off] = value & 0xff;
    buf[off + 1] = (value >>> 8) & 0xff;
  } else {
    buf[off] = (value >>> 8) & 0xff;
    buf[off + 1] = value & 0xff;
  }
}

/** Writes a host-order unsigned 32-bit integer (byte stores; see writeU16). */
export function writeU32(buf: Buffer, value: number, off: number): void {
  if (HOST_IS_LE) {
    buf[off] = value & 0xff;
    buf[off + 1] = (value >>> 8) & 0xff;
    buf[off + 2] = (value >>> 16) & 0xff;
    buf[off + 3] = (value >>> 24) & 0xff;
  } else {
    buf[off] = (value >>> 24) & 0xff;
    buf[off + 1] = (value >>> 16) & 0xff;
    buf[off + 2] = (value >>> 8) & 0xff;
    buf[off + 3] = value & 0xff;
  }
}

/** Writes a host-order signed 32-bit integer. */
export function writeI32(buf: Buffer, value: number, off: number): void {
  if (HOST_IS_LE) buf.writeInt32LE(value, off);
  else buf.writeInt32BE(value, off);
}

/** Writes a host-order unsigned 64-bit integer. */
export function writeU64(buf: Buffer, value: bigint, off: number): void {
  if (HOST_IS_LE) buf.writeBigUInt64LE(value, off);
  else buf.writeBigUInt64BE(value, off);
}

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

/** Writes a host-order unsigned 16-bit integer. */
export function writeU16(buf: Buffer, value: number, off: number): void {
  if (HOST_IS_LE) buf.writeUInt16LE(value, off);
  else buf.writeUInt16BE(value, off);
}

/** Writes a host-order unsigned 32-bit integer. */
export function writeU32(buf: Buffer, value: number, off: number): void {
  if (HOST_IS_LE) buf.writeUInt32LE(value, off);
  else buf.writeUInt32BE(value, off);
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

import { LvsdError } from '../errors.js';

/**
 * Bytes received from the kernel (or a capture) do not form a valid netlink structure:
 * a truncated header, a length field out of range, an attribute of the wrong size, a
 * missing mandatory attribute or an unknown enumeration value. Decoders throw only this.
 */
export class NetlinkDecodeError extends LvsdError {
  constructor(message: string) {
    super('EDECODE', message);
  }
}

/**
 * A value handed to an encoder cannot be represented on the wire (out of range, too long,
 * not an integer, unbalanced nests). Raised before any byte is sent.
 */
export class NetlinkEncodeError extends LvsdError {
  constructor(message: string) {
    super('EENCODE', message);
  }
}

/**
 * The IPVS generic netlink codec in one import: request encoders (lvsd → kernel), reply
 * decoders (kernel → lvsd), and, for tests and kernel fakes, reply builders and a request decoder.
 * Everything here is pure: no sockets, no I/O.
 */
export {
  type DaemonRef,
  type DestinationRef,
  type EncodeOptions,
  encodeDelDaemon,
  encodeDelDest,
  encodeDelService,
  encodeFlush,
  encodeGetDaemons,
  encodeGetDests,
  encodeGetInfo,
  encodeGetService,
  encodeGetServices,
  encodeGetTimeouts,
  encodeNewDaemon,
  encodeNewDest,
  encodeNewService,
  encodeSetDest,
  encodeSetService,
  encodeSetTimeouts,
  encodeZero,
  type FrameOptions,
  frameRequest,
  type IpvsRequest,
  type ServiceRef,
} from './requests.js';
export {
  decodeDaemonNest,
  decodeDaemonReply,
  decodeDestNest,
  decodeDestReply,
  decodeInfoReply,
  decodeServiceNest,
  decodeServiceReply,
  decodeTimeoutsReply,
  formatVersionCode,
  openIpvsMessage,
} from './replies.js';
export {
  encodeDaemonReply,
  encodeDestReply,
  encodeInfoReply,
  encodeServiceReply,
  encodeTimeoutsReply,
  frameReply,
  type ReplyFrame,
  type ReplyOptions,
} from './reply-builders.js';
export {
  type DecodedRequest,
  decodeIpvsRequest,
  type RequestDaemon,
  type RequestDest,
  type RequestService,
} from './request-decoder.js';

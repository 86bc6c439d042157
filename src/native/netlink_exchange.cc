// Native code, part 3: a blocking netlink socket for short-lived commands (lvsadm). JavaScript hands over framed
// requests and gets every answer back in one Buffer, from one call: no event loop, no callback per datagram. In the
// kernel lab a listing of 1,000 services makes about 2,000 dumps, and the event-driven socket (the `netlink` package:
// a peeking recvmsg, a JavaScript callback, a promise per datagram) spent more time there than the kernel did.
//
//   open(protocol, rcvbuf, timeoutMs) -> [handle, portId, rcvbufGranted]
//   exchange(handle, block, whole)    -> Buffer: every datagram received, end to end
//   close(handle)
//
// exchange sends `block` either whole, as one datagram (whole = true), or message by message (whole = false), and
// after each send reads until the answer to the last message sent is complete: its NLMSG_DONE or NLMSG_ERROR for a
// dump (NLM_F_DUMP), its NLMSG_ERROR (the acknowledgement) otherwise. That last message must therefore carry
// NLM_F_ACK or NLM_F_DUMP. Only one request is in flight at a time: the kernel runs one dump per socket, and the
// answers to a datagram are all queued while it is sent, so the receive buffer holds at most one datagram's answers.
// Failures throw an Error with `errno`, `syscall`, `index` (the request being answered: 0 for a whole block) and
// `received` (what had arrived before).
#include <node_api.h>

#include "napi_helpers.h"

#include <errno.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace {

using lvsd_napi::getArgs;
using lvsd_napi::getBytes;
using lvsd_napi::throwType;

struct Sock {
  int fd = -1;
};

void closeSock(Sock* s) {
  if (s->fd >= 0) {
    close(s->fd);
    s->fd = -1;
  }
}

void finalizeSock(napi_env, void* data, void*) {
  Sock* s = static_cast<Sock*>(data);
  closeSock(s);
  delete s;
}

// An Error for a failed system call, `syscall: strerror` with errno and syscall properties (and the extras of an
// exchange, when `received` is given).
napi_value makeErrno(napi_env env, const char* syscall, int err) {
  char text[160];
  snprintf(text, sizeof text, "%s: %s", syscall, strerror(err));
  napi_value msg, error, v;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, nullptr, msg, &error);
  napi_create_int32(env, err, &v);
  napi_set_named_property(env, error, "errno", v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, error, "syscall", v);
  return error;
}

napi_value throwErrno(napi_env env, const char* syscall, int err) {
  napi_throw(env, makeErrno(env, syscall, err));
  return nullptr;
}

Sock* getSock(napi_env env, napi_value v) {
  void* p = nullptr;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == nullptr) {
    throwType(env, "not a netlink exchange handle");
    return nullptr;
  }
  Sock* s = static_cast<Sock*>(p);
  if (s->fd < 0) {
    throwErrno(env, "exchange", EBADF);
    return nullptr;
  }
  return s;
}

// open(protocol, rcvbuf, timeoutMs): a NETLINK socket of `protocol` bound to a port the kernel picks. SO_RCVBUFFORCE
// (root) is tried before SO_RCVBUF, which net.core.rmem_max caps. A receive that waits timeoutMs fails (ETIMEDOUT).
napi_value Open(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!getArgs(env, info, 3, argv)) return nullptr;
  int32_t protocol = 0, rcvbuf = 0, timeoutMs = 0;
  if (napi_get_value_int32(env, argv[0], &protocol) != napi_ok || napi_get_value_int32(env, argv[1], &rcvbuf) != napi_ok ||
      napi_get_value_int32(env, argv[2], &timeoutMs) != napi_ok)
    return throwType(env, "open(protocol, rcvbuf, timeoutMs): numbers expected");
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
  if (fd < 0) return throwErrno(env, "socket", errno);
  if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (timeoutMs > 0) {
    struct timeval tv;
    tv.tv_sec = timeoutMs / 1000;
    tv.tv_usec = (timeoutMs % 1000) * 1000;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  struct sockaddr_nl addr;
  memset(&addr, 0, sizeof addr);
  addr.nl_family = AF_NETLINK;
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    close(fd);
    return throwErrno(env, "bind", e);
  }
  socklen_t alen = sizeof addr;
  int granted = 0;
  socklen_t glen = sizeof granted;
  if (getsockname(fd, reinterpret_cast<struct sockaddr*>(&addr), &alen) != 0 ||
      getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &glen) != 0) {
    int e = errno;
    close(fd);
    return throwErrno(env, "getsockname", e);
  }
  Sock* s = new Sock();
  s->fd = fd;
  napi_value handle, port, size, out;
  if (napi_create_external(env, s, finalizeSock, nullptr, &handle) != napi_ok) {
    closeSock(s);
    delete s;
    return nullptr;
  }
  napi_create_uint32(env, addr.nl_pid, &port);
  napi_create_int32(env, granted, &size);
  napi_create_array_with_length(env, 3, &out);
  napi_set_element(env, out, 0, handle);
  napi_set_element(env, out, 1, port);
  napi_set_element(env, out, 2, size);
  return out;
}

// The answers collected so far.
struct Output {
  uint8_t* data = nullptr;
  size_t len = 0;
  size_t cap = 0;

  // Room for `room` more bytes.
  bool reserve(size_t room) {
    if (cap - len >= room) return true;
    size_t want = cap == 0 ? 256 * 1024 : cap;
    while (want - len < room) want *= 2;
    uint8_t* p = static_cast<uint8_t*>(realloc(data, want));
    if (p == nullptr) return false;
    data = p;
    cap = want;
    return true;
  }
};

void freeOutput(napi_env, void* data, void*) { free(data); }

// Hands the output to JavaScript as a Buffer (its memory, without a copy, where the runtime allows it).
napi_value toBuffer(napi_env env, Output* out) {
  napi_value buf;
  if (out->len > 0 && napi_create_external_buffer(env, out->len, out->data, freeOutput, nullptr, &buf) == napi_ok) {
    out->data = nullptr;
    return buf;
  }
  void* copy = nullptr;
  napi_create_buffer_copy(env, out->len, out->data, &copy, &buf);
  free(out->data);
  out->data = nullptr;
  return buf;
}

napi_value throwExchange(napi_env env, const char* syscall, int err, uint32_t index, Output* out) {
  napi_value error = makeErrno(env, syscall, err), v;
  napi_create_uint32(env, index, &v);
  napi_set_named_property(env, error, "index", v);
  napi_set_named_property(env, error, "received", toBuffer(env, out));
  napi_throw(env, error);
  return nullptr;
}

// How much one read takes: a page (at most 8 KiB), which is at least NLMSG_GOODSIZE, the size of the kernel's dump
// datagrams and of its replies here. Not more: the kernel sizes every later dump datagram to the largest read the
// socket has made (up to 32 KiB), and allocates (and, with init_on_alloc, zeroes) that much per datagram. In the
// kernel lab a 64 KiB read made each of a listing's 2,000 datagrams cost an order-4 page allocation.
size_t readSize() {
  static size_t size = 0;
  if (size == 0) {
    long page = sysconf(_SC_PAGESIZE);
    size = page <= 0 ? 4096 : page > 8192 ? 8192 : static_cast<size_t>(page);
  }
  return size;
}

// Whether `datagram` holds the end of the answer to request `seq` (a dump: DONE or ERROR; otherwise: ERROR). Sets
// *bad when a message header does not fit.
bool answersEnd(const uint8_t* datagram, size_t n, uint32_t seq, bool dump, bool* bad) {
  size_t off = 0;
  while (off + sizeof(struct nlmsghdr) <= n) {
    struct nlmsghdr h;
    memcpy(&h, datagram + off, sizeof h);
    if (h.nlmsg_len < sizeof h || h.nlmsg_len > n - off) {
      *bad = true;
      return false;
    }
    if (h.nlmsg_seq == seq && (h.nlmsg_type == NLMSG_ERROR || (dump && h.nlmsg_type == NLMSG_DONE))) return true;
    off += NLMSG_ALIGN(h.nlmsg_len);
  }
  return false;
}

// Reads datagrams from the kernel into `out` until one ends the answer to request `seq` (see answersEnd). Returns 0,
// or the errno of the failed receive (ETIMEDOUT when SO_RCVTIMEO ran out).
int readAnswer(int fd, Output* out, uint32_t seq, bool dump) {
  for (;;) {
    if (!out->reserve(readSize() + NLMSG_ALIGNTO)) return ENOMEM;
    struct sockaddr_nl from;
    struct iovec iov = {out->data + out->len, readSize()};
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_name = &from;
    mh.msg_namelen = sizeof from;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    ssize_t n = recvmsg(fd, &mh, MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno;
    }
    // A datagram larger than a read is lost (cut short): an answer larger than the kernel's own datagrams.
    if (static_cast<size_t>(n) > iov.iov_len || (mh.msg_flags & MSG_TRUNC) != 0) return EMSGSIZE;
    if (from.nl_pid != 0) continue;  // not from the kernel: dropped
    bool bad = false;
    const bool done = answersEnd(out->data + out->len, static_cast<size_t>(n), seq, dump, &bad);
    const size_t aligned = NLMSG_ALIGN(static_cast<size_t>(n));
    memset(out->data + out->len + n, 0, aligned - static_cast<size_t>(n));
    out->len += aligned;
    if (bad) return EBADMSG;
    if (done) return 0;
  }
}

// exchange(handle, block, whole): see the top of the file.
napi_value Exchange(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!getArgs(env, info, 3, argv)) return nullptr;
  Sock* s = getSock(env, argv[0]);
  if (s == nullptr) return nullptr;
  size_t blockLen = 0;
  void* blockData = nullptr;
  if (!getBytes(env, argv[1], &blockData, &blockLen)) return nullptr;
  bool whole = false;
  if (napi_get_value_bool(env, argv[2], &whole) != napi_ok) return throwType(env, "whole: a boolean expected");
  const uint8_t* block = static_cast<const uint8_t*>(blockData);

  // Check the framing first: nothing is sent from a malformed block. Note where its last message starts.
  size_t off = 0;
  size_t lastOff = 0;
  while (off < blockLen) {
    struct nlmsghdr h;
    if (blockLen - off < sizeof h) return throwType(env, "block: a truncated netlink header");
    memcpy(&h, block + off, sizeof h);
    if (h.nlmsg_len < sizeof h || h.nlmsg_len > blockLen - off) return throwType(env, "block: a message length out of range");
    size_t next = off + NLMSG_ALIGN(h.nlmsg_len);
    bool last = whole ? next >= blockLen : true;
    if (last && (h.nlmsg_flags & (NLM_F_ACK | NLM_F_DUMP)) == 0)
      return throwType(env, "block: the last request of a datagram needs NLM_F_ACK or NLM_F_DUMP");
    lastOff = off;
    off = next > blockLen ? blockLen : next;
  }

  Output out;
  struct sockaddr_nl kernel;
  memset(&kernel, 0, sizeof kernel);
  kernel.nl_family = AF_NETLINK;
  uint32_t index = 0;
  for (off = 0; off < blockLen; index++) {
    // The datagram to send and the request whose answer ends it: the whole block and its last message, or the next
    // message alone.
    struct nlmsghdr last;
    memcpy(&last, block + (whole ? lastOff : off), sizeof last);
    size_t end = whole ? blockLen : off + NLMSG_ALIGN(last.nlmsg_len);
    if (end > blockLen) end = blockLen;
    ssize_t sent;
    do {
      sent = sendto(s->fd, block + off, end - off, 0, reinterpret_cast<struct sockaddr*>(&kernel), sizeof kernel);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) return throwExchange(env, "sendmsg", errno, index, &out);
    if (int err = readAnswer(s->fd, &out, last.nlmsg_seq, (last.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP))
      return throwExchange(env, "recvmsg", err, index, &out);
    off = end;
  }
  return toBuffer(env, &out);
}

napi_value Close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv)) return nullptr;
  void* p = nullptr;
  if (napi_get_value_external(env, argv[0], &p) != napi_ok || p == nullptr) return throwType(env, "not a netlink exchange handle");
  closeSock(static_cast<Sock*>(p));
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  return lvsd_napi::exportMethods(env, exports,
                                  {
                                      {"open", Open},
                                      {"exchange", Exchange},
                                      {"close", Close},
                                  });
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)

// Native code, part 1 (part 2: tcp_probe.cc): the raw sockets Node lacks. VRRP over IP protocol 112 (IPv4 and IPv6) bound to one
// interface, and an AF_PACKET socket to send whole Ethernet frames (gratuitous ARP). Plain N-API (node_api.h);
// reads are driven by a uv_poll on the fd and delivered to a JS callback. A handle is an external: close() (or
// garbage collection) stops the poll and closes the fd; the memory goes when both the poll and the external are gone.
#include <node_api.h>

#include "napi_helpers.h"
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using lvsd_napi::getArgs;
using lvsd_napi::getBytes;
using lvsd_napi::throwType;

struct Sock {
  int fd = -1;
  int family = 0;  // AF_INET, AF_INET6, AF_PACKET
  bool polling = false;
  bool externalGone = false;
  bool uvClosed = true;  // no uv handle open
  uv_poll_t poll;
  napi_env env = nullptr;
  napi_ref callback = nullptr;
  napi_async_context asyncCtx = nullptr;
};

void maybeFree(Sock* s) {
  if (s->externalGone && s->uvClosed) delete s;
}

void onUvClose(uv_handle_t* h) {
  Sock* s = static_cast<Sock*>(h->data);
  s->uvClosed = true;
  maybeFree(s);
}

// Releases everything but the memory. Safe to call twice.
void closeSock(Sock* s) {
  if (s->polling) {
    s->polling = false;
    uv_poll_stop(&s->poll);
    uv_close(reinterpret_cast<uv_handle_t*>(&s->poll), onUvClose);
  }
  if (s->callback != nullptr) {
    napi_delete_reference(s->env, s->callback);
    s->callback = nullptr;
  }
  if (s->asyncCtx != nullptr) {
    napi_async_destroy(s->env, s->asyncCtx);
    s->asyncCtx = nullptr;
  }
  if (s->fd >= 0) {
    close(s->fd);
    s->fd = -1;
  }
}

void finalizeSock(napi_env, void* data, void*) {
  Sock* s = static_cast<Sock*>(data);
  // Unreachable (or the env is going away) without close(): release everything; a running poll is closed by libuv
  // and the memory goes when its close callback has run.
  closeSock(s);
  s->externalGone = true;
  maybeFree(s);
}

napi_value throwErrno(napi_env env, const char* what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, message, error;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  const char* name = "EIO";
  switch (err) {
    case EPERM: name = "EPERM"; break;
    case EACCES: name = "EACCES"; break;
    case ENODEV: name = "ENODEV"; break;
    case EINVAL: name = "EINVAL"; break;
    case EADDRNOTAVAIL: name = "EADDRNOTAVAIL"; break;
    case ENETUNREACH: name = "ENETUNREACH"; break;
    case ENOBUFS: name = "ENOBUFS"; break;
    case EAGAIN: name = "EAGAIN"; break;
    case ENXIO: name = "ENXIO"; break;
    default: break;
  }
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, message, &error);
  napi_value errnoVal;
  napi_create_int32(env, err, &errnoVal);
  napi_set_named_property(env, error, "errno", errnoVal);
  napi_throw(env, error);
  return nullptr;
}

Sock* getSock(napi_env env, napi_value v) {
  void* p = nullptr;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &p) != napi_ok) {
    napi_throw_type_error(env, nullptr, "not a socket handle");
    return nullptr;
  }
  Sock* s = static_cast<Sock*>(p);
  if (s->fd < 0) {
    throwErrno(env, "socket is closed", EBADF);
    return nullptr;
  }
  return s;
}

bool getString(napi_env env, napi_value v, char* buf, size_t len) {
  size_t n;
  if (napi_get_value_string_utf8(env, v, buf, len, &n) != napi_ok) {
    napi_throw_type_error(env, nullptr, "expected a string");
    return false;
  }
  return true;
}

int32_t getInt(napi_env env, napi_value v) {
  int32_t i = 0;
  napi_get_value_int32(env, v, &i);
  return i;
}

napi_value wrap(napi_env env, Sock* s) {
  napi_value ext;
  if (napi_create_external(env, s, finalizeSock, nullptr, &ext) != napi_ok) {
    close(s->fd);
    delete s;
    return nullptr;
  }
  return ext;
}

// ifInfo(name) -> { index, mac: Buffer(6) }
napi_value IfInfo(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv)) return nullptr;
  char name[IFNAMSIZ + 1] = {0};
  if (!getString(env, argv[0], name, sizeof name)) return nullptr;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throwErrno(env, "socket", errno);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, name, strnlen(name, IFNAMSIZ - 1));
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
    int e = errno;
    close(fd);
    return throwErrno(env, name, e);
  }
  int index = ifr.ifr_ifindex;
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
    int e = errno;
    close(fd);
    return throwErrno(env, name, e);
  }
  close(fd);
  napi_value obj, idx, mac;
  napi_create_object(env, &obj);
  napi_create_int32(env, index, &idx);
  void* macData;
  napi_create_buffer_copy(env, 6, ifr.ifr_hwaddr.sa_data, &macData, &mac);
  napi_set_named_property(env, obj, "index", idx);
  napi_set_named_property(env, obj, "mac", mac);
  return obj;
}

// openVrrp(family 4|6, ifname, protocol) -> handle. TTL / hop limit 255, no multicast loop, multicast out of
// the interface, TTL / hop limit and packet info delivered with each packet.
napi_value OpenVrrp(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!getArgs(env, info, 3, argv)) return nullptr;
  int fam = getInt(env, argv[0]);
  char ifname[IFNAMSIZ + 1] = {0};
  if (!getString(env, argv[1], ifname, sizeof ifname)) return nullptr;
  int proto = getInt(env, argv[2]);
  if (fam != 4 && fam != 6) return throwType(env, "family must be 4 or 6");
  unsigned ifindex = if_nametoindex(ifname);
  if (ifindex == 0) return throwErrno(env, ifname, errno);
  int af = fam == 4 ? AF_INET : AF_INET6;
  int fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd < 0) return throwErrno(env, "socket", errno);
  const int one = 1, zero = 0, ttl = 255;
  const char* failed = nullptr;
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen(ifname)) < 0) failed = "SO_BINDTODEVICE";
  if (fam == 4) {
    struct ip_mreqn mr;
    memset(&mr, 0, sizeof mr);
    mr.imr_ifindex = static_cast<int>(ifindex);
    if (!failed && setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) < 0) failed = "IP_TTL";
    if (!failed && setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) < 0) failed = "IP_MULTICAST_TTL";
    if (!failed && setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof zero) < 0) failed = "IP_MULTICAST_LOOP";
    if (!failed && setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof mr) < 0) failed = "IP_MULTICAST_IF";
    if (!failed && setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) < 0) failed = "IP_PKTINFO";
    if (!failed && setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof one) < 0) failed = "IP_RECVTTL";
  } else {
    int idx = static_cast<int>(ifindex);
    if (!failed && setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl) < 0) failed = "IPV6_UNICAST_HOPS";
    if (!failed && setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof ttl) < 0) failed = "IPV6_MULTICAST_HOPS";
    if (!failed && setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof zero) < 0) failed = "IPV6_MULTICAST_LOOP";
    if (!failed && setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof idx) < 0) failed = "IPV6_MULTICAST_IF";
    if (!failed && setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) < 0) failed = "IPV6_RECVPKTINFO";
    if (!failed && setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one) < 0) failed = "IPV6_RECVHOPLIMIT";
  }
  if (failed) {
    int e = errno;
    close(fd);
    return throwErrno(env, failed, e);
  }
  Sock* s = new Sock();
  s->fd = fd;
  s->family = af;
  s->env = env;
  return wrap(env, s);
}

// membership(handle, group: Uint8Array(4|16), ifindex, join: boolean)
napi_value Membership(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!getArgs(env, info, 4, argv)) return nullptr;
  Sock* s = getSock(env, argv[0]);
  if (!s) return nullptr;
  void* g;
  size_t glen;
  if (!getBytes(env, argv[1], &g, &glen)) return nullptr;
  int ifindex = getInt(env, argv[2]);
  bool join = false;
  napi_get_value_bool(env, argv[3], &join);
  int r;
  if (s->family == AF_INET && glen == 4) {
    struct ip_mreqn mr;
    memset(&mr, 0, sizeof mr);
    memcpy(&mr.imr_multiaddr, g, 4);
    mr.imr_ifindex = ifindex;
    r = setsockopt(s->fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &mr, sizeof mr);
  } else if (s->family == AF_INET6 && glen == 16) {
    struct ipv6_mreq mr;
    memset(&mr, 0, sizeof mr);
    memcpy(&mr.ipv6mr_multiaddr, g, 16);
    mr.ipv6mr_interface = static_cast<unsigned>(ifindex);
    r = setsockopt(s->fd, IPPROTO_IPV6, join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP, &mr, sizeof mr);
  } else {
    return throwType(env, "group address does not match the socket family");
  }
  if (r < 0) return throwErrno(env, join ? "join group" : "leave group", errno);
  return nullptr;
}

// sendTo(handle, dst: Uint8Array(4|16), src: Uint8Array | null, ifindex, payload) -> bytes sent
napi_value SendTo(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!getArgs(env, info, 5, argv)) return nullptr;
  Sock* s = getSock(env, argv[0]);
  if (!s) return nullptr;
  void *dst, *payload, *src = nullptr;
  size_t dlen, plen, slen = 0;
  if (!getBytes(env, argv[1], &dst, &dlen)) return nullptr;
  napi_valuetype st;
  napi_typeof(env, argv[2], &st);
  if (st != napi_null && st != napi_undefined && !getBytes(env, argv[2], &src, &slen)) return nullptr;
  int ifindex = getInt(env, argv[3]);
  if (!getBytes(env, argv[4], &payload, &plen)) return nullptr;

  struct sockaddr_storage sa;
  memset(&sa, 0, sizeof sa);
  socklen_t salen;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(struct in6_pktinfo))];
  memset(control, 0, sizeof control);
  struct iovec iov = {payload, plen};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (s->family == AF_INET && dlen == 4 && (src == nullptr || slen == 4)) {
    auto* sin = reinterpret_cast<struct sockaddr_in*>(&sa);
    sin->sin_family = AF_INET;
    memcpy(&sin->sin_addr, dst, 4);
    salen = sizeof *sin;
    if (src != nullptr) {
      msg.msg_control = control;
      msg.msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo));
      struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
      struct in_pktinfo pi;
      memset(&pi, 0, sizeof pi);
      pi.ipi_ifindex = ifindex;
      memcpy(&pi.ipi_spec_dst, src, 4);
      memcpy(CMSG_DATA(c), &pi, sizeof pi);
    }
  } else if (s->family == AF_INET6 && dlen == 16 && (src == nullptr || slen == 16)) {
    auto* sin6 = reinterpret_cast<struct sockaddr_in6*>(&sa);
    sin6->sin6_family = AF_INET6;
    memcpy(&sin6->sin6_addr, dst, 16);
    sin6->sin6_scope_id = static_cast<uint32_t>(ifindex);
    salen = sizeof *sin6;
    if (src != nullptr) {
      msg.msg_control = control;
      msg.msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
      struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
      struct in6_pktinfo pi;
      memset(&pi, 0, sizeof pi);
      pi.ipi6_ifindex = static_cast<unsigned>(ifindex);
      memcpy(&pi.ipi6_addr, src, 16);
      memcpy(CMSG_DATA(c), &pi, sizeof pi);
    }
  } else {
    return throwType(env, "address does not match the socket family");
  }
  msg.msg_name = &sa;
  msg.msg_namelen = salen;
  ssize_t n = sendmsg(s->fd, &msg, 0);
  if (n < 0) return throwErrno(env, "sendmsg", errno);
  napi_value out;
  napi_create_int64(env, n, &out);
  return out;
}

void deliver(Sock* s, const uint8_t* data, size_t len, const void* src, const void* dst, size_t alen, int ttl) {
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, argv[4];
  void* tmp;
  napi_get_reference_value(env, s->callback, &cb);
  napi_get_global(env, &recv);
  napi_create_buffer_copy(env, len, data, &tmp, &argv[0]);
  napi_create_buffer_copy(env, alen, src, &tmp, &argv[1]);
  if (dst != nullptr) {
    napi_create_buffer_copy(env, alen, dst, &tmp, &argv[2]);
  } else {
    napi_get_null(env, &argv[2]);
  }
  napi_create_int32(env, ttl, &argv[3]);
  napi_value result;
  napi_make_callback(env, s->asyncCtx, recv, cb, 4, argv, &result);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  napi_close_handle_scope(env, scope);
}

void onReadable(uv_poll_t* h, int status, int) {
  Sock* s = static_cast<Sock*>(h->data);
  if (status < 0) return;
  uint8_t buf[65536];
  alignas(struct cmsghdr) char control[256];
  for (int i = 0; i < 64 && s->polling && s->fd >= 0; i++) {
    struct sockaddr_storage from;
    struct iovec iov = {buf, sizeof buf};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(s->fd, &msg, 0);
    if (n < 0) return;  // EAGAIN, or an error the next poll will report again
    if (s->family == AF_INET) {
      // Raw IPv4 sockets receive the IP header: take TTL and addresses from it and hand over the payload.
      if (n < 20) continue;
      const struct iphdr* ip = reinterpret_cast<const struct iphdr*>(buf);
      size_t hl = static_cast<size_t>(ip->ihl) * 4;
      if (ip->version != 4 || hl < 20 || hl > static_cast<size_t>(n)) continue;
      deliver(s, buf + hl, static_cast<size_t>(n) - hl, &ip->saddr, &ip->daddr, 4, ip->ttl);
    } else {
      const auto* sin6 = reinterpret_cast<const struct sockaddr_in6*>(&from);
      const void* dst = nullptr;
      int hops = -1;
      for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != IPPROTO_IPV6) continue;
        if (c->cmsg_type == IPV6_HOPLIMIT) memcpy(&hops, CMSG_DATA(c), sizeof hops);
        if (c->cmsg_type == IPV6_PKTINFO) dst = &reinterpret_cast<const struct in6_pktinfo*>(CMSG_DATA(c))->ipi6_addr;
      }
      deliver(s, buf, static_cast<size_t>(n), &sin6->sin6_addr, dst, 16, hops);
    }
  }
}

// startReceive(handle, cb(payload, src, dst | null, ttl)): reads become callbacks until close().
napi_value StartReceive(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!getArgs(env, info, 2, argv)) return nullptr;
  Sock* s = getSock(env, argv[0]);
  if (!s) return nullptr;
  if (s->family == AF_PACKET) return throwType(env, "packet sockets are send-only");
  if (s->polling) return throwType(env, "already receiving");
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t != napi_function) return throwType(env, "expected a callback");
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return nullptr;
  if (uv_poll_init(loop, &s->poll, s->fd) != 0) return throwErrno(env, "uv_poll_init", EINVAL);
  s->poll.data = s;
  s->uvClosed = false;
  napi_value name;
  napi_create_string_utf8(env, "lvsd:vrrp_socket", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, nullptr, name, &s->asyncCtx);
  napi_create_reference(env, argv[1], 1, &s->callback);
  s->polling = true;
  uv_poll_start(&s->poll, UV_READABLE, onReadable);
  return nullptr;
}

// unref(handle): the poll does not keep the event loop alive.
napi_value Unref(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv)) return nullptr;
  Sock* s = getSock(env, argv[0]);
  if (s && s->polling) uv_unref(reinterpret_cast<uv_handle_t*>(&s->poll));
  return nullptr;
}

// openPacket(ifindex) -> handle: an AF_PACKET socket to send Ethernet frames out of one interface.
napi_value OpenPacket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv)) return nullptr;
  int ifindex = getInt(env, argv[0]);
  // Protocol 0: receives nothing.
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throwErrno(env, "socket(AF_PACKET)", errno);
  struct sockaddr_ll ll;
  memset(&ll, 0, sizeof ll);
  ll.sll_family = AF_PACKET;
  ll.sll_ifindex = ifindex;
  ll.sll_protocol = 0;
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&ll), sizeof ll) < 0) {
    int e = errno;
    close(fd);
    return throwErrno(env, "bind(AF_PACKET)", e);
  }
  Sock* s = new Sock();
  s->fd = fd;
  s->family = AF_PACKET;
  s->env = env;
  return wrap(env, s);
}

// sendFrame(handle, ifindex, frame): a whole Ethernet frame (destination MAC first).
napi_value SendFrame(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!getArgs(env, info, 3, argv)) return nullptr;
  Sock* s = getSock(env, argv[0]);
  if (!s) return nullptr;
  if (s->family != AF_PACKET) return throwType(env, "not a packet socket");
  int ifindex = getInt(env, argv[1]);
  void* frame;
  size_t len;
  if (!getBytes(env, argv[2], &frame, &len)) return nullptr;
  if (len < 14) return throwType(env, "frame too short");
  const uint8_t* f = static_cast<const uint8_t*>(frame);
  struct sockaddr_ll ll;
  memset(&ll, 0, sizeof ll);
  ll.sll_family = AF_PACKET;
  ll.sll_ifindex = ifindex;
  ll.sll_halen = 6;
  memcpy(ll.sll_addr, f, 6);
  memcpy(&ll.sll_protocol, f + 12, 2);
  ssize_t n = sendto(s->fd, frame, len, 0, reinterpret_cast<struct sockaddr*>(&ll), sizeof ll);
  if (n < 0) return throwErrno(env, "sendto(AF_PACKET)", errno);
  napi_value out;
  napi_create_int64(env, n, &out);
  return out;
}

napi_value Close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv)) return nullptr;
  void* p = nullptr;
  if (napi_get_value_external(env, argv[0], &p) != napi_ok) return throwType(env, "not a socket handle");
  closeSock(static_cast<Sock*>(p));
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  return lvsd_napi::exportMethods(env, exports,
                                  {
                                      {"ifInfo", IfInfo},
                                      {"openVrrp", OpenVrrp},
                                      {"membership", Membership},
                                      {"sendTo", SendTo},
                                      {"startReceive", StartReceive},
                                      {"unref", Unref},
                                      {"openPacket", OpenPacket},
                                      {"sendFrame", SendFrame},
                                      {"close", Close},
                                  });
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)

// Health-check probes (the tcp check and the status-only plain-http check) as plain sockets driven by libuv,
// without a net.Socket each: a net.Socket's JavaScript objects are tied to a native wrapper that the young-generation
// collector treats as live, so every probe's socket graph was promoted and the old generation grew by megabytes a
// second at thousands of probes a second. Here a probe is a C struct; JavaScript sees only its id and one batched
// callback for the events of up to DELIVER_DELAY_MS (a timeout at once). Plain N-API (node_api.h).
//
// The sockets are watched by an epoll set of the prober's own, itself watched by one uv_poll: a probe costs an
// epoll_ctl to add its socket and one to switch it from writable to readable (closing the socket removes it), where
// a uv_poll per probe took five or six (libuv's pollable check, add, modify, delete) and an ioctl.
//
// A probe: socket (non-blocking), optional bind, connect. Without a request it ends at the connection (event
// CONNECTED, the socket closed at once). With one, it writes the request and reads until a response head (the bytes up
// to a blank line) is complete (HEAD), the peer closes (END), the unread head passes `headLimit` bytes (TOO_BIG), an
// error (CONNECT_ERROR / IO_ERROR with the errno), or its timer runs out (TIMEOUT; before giving up it takes any
// progress already possible, as if the poll phase had run first). A head whose status line looks interim (1xx but
// 101, when skipInterim) pauses the probe instead of ending it: JavaScript judges it, then resumes from a given
// offset or cancels. A final head that is plainly well formed (finalStatus) ends the probe with STATUS and its
// status code, without its bytes; any other head comes as HEAD with them, for JavaScript to judge and to word the
// reason. Every event but a paused HEAD ends the probe. Data events carry every byte read so far, as a latin1
// string.
#include <node_api.h>

#include "napi_helpers.h"
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace {

using lvsd_napi::throwType;

enum Event { CONNECTED = 1, HEAD = 2, END = 3, TOO_BIG = 4, CONNECT_ERROR = 5, IO_ERROR = 6, TIMEOUT = 7, STATUS = 8 };

struct Prober;

struct Probe {
  Prober* owner = nullptr;
  int32_t id = 0;
  int fd = -1;
  bool connected = false;
  bool paused = false;
  bool skipInterim = false;
  size_t headLimit = 0;
  std::string request;
  size_t written = 0;
  std::string data;
  size_t off = 0;   // start of the head being read (after interim heads JavaScript skipped)
  size_t scan = 0;  // where the blank-line search resumes
  uint32_t watching = 0;  // the epoll events asked for (0: not in the set)
  uv_timer_t timer;
};

struct Done {
  int32_t id;
  int32_t event;
  int32_t value;
  std::string data;
  bool hasData;
};

struct Prober {
  napi_env env = nullptr;
  napi_ref callback = nullptr;
  napi_async_context asyncCtx = nullptr;
  uv_loop_t* loop = nullptr;
  int epfd = -1;
  uv_poll_t epollPoll;
  uv_check_t check;
  uv_idle_t idle;
  bool idling = false;
  uv_timer_t deliverTimer;  // delivers a batch DELIVER_DELAY_MS after its first event (referenced while armed)
  bool deliverArmed = false;
  bool urgent = false;  // deliver this turn, in the check phase
  std::unordered_map<int32_t, Probe*> probes;
  std::vector<Done> done;
};

void onTimerClosed(uv_handle_t* h) { delete static_cast<Probe*>(h->data); }

// Stops the probe and closes its socket (which takes it out of the epoll set); the memory goes when libuv has let
// go of its timer, after any event already fetched for it in this turn (which finds fd < 0).
void finish(Probe* p) {
  p->owner->probes.erase(p->id);
  uv_close(reinterpret_cast<uv_handle_t*>(&p->timer), onTimerClosed);
  if (p->fd >= 0) close(p->fd);
  p->fd = -1;
}

// The events a paused probe asks for: none (it stays in the set).
constexpr uint32_t PAUSED = 0x80000000u;

// Asks the epoll set for `events` on the probe's socket (adding it the first time).
bool watch(Probe* p, uint32_t events) {
  if (p->watching == events) return true;
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = events == PAUSED ? 0 : events;
  ev.data.ptr = p;
  int op = p->watching == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
  if (epoll_ctl(p->owner->epfd, op, p->fd, &ev) != 0) return false;
  p->watching = events;
  return true;
}

void idleNoop(uv_idle_t*) {}

// How long a batch of events may wait for more (ms). Probes started together (the scheduler starts the checks due
// within its timer slack in one go) end within a few ms of each other; one JavaScript call for all of them instead
// of one per event-loop turn saves most of the fixed cost of a call (callback scope, microtask checkpoint).
constexpr uint64_t DELIVER_DELAY_MS = 5;
// A batch this large, or a timeout (the caller's own deadline is due too), is delivered in this turn.
constexpr size_t DELIVER_AT_ONCE = 64;

void deliver(Prober* pr);

void onDeliverTimer(uv_timer_t* t) {
  Prober* pr = static_cast<Prober*>(t->data);
  pr->deliverArmed = false;
  deliver(pr);
}

void queue(Prober* pr, int32_t id, int32_t event, int32_t value, const std::string* data) {
  pr->done.push_back(Done{id, event, value, data ? *data : std::string(), data != nullptr});
  if (event == TIMEOUT || pr->done.size() >= DELIVER_AT_ONCE) {
    // In the check phase of this turn; an idle handle keeps the poll phase from blocking until then.
    pr->urgent = true;
    if (!pr->idling) {
      pr->idling = true;
      uv_idle_start(&pr->idle, idleNoop);
    }
  } else if (!pr->deliverArmed) {
    pr->deliverArmed = true;
    uv_timer_start(&pr->deliverTimer, onDeliverTimer, DELIVER_DELAY_MS, 0);
  }
}

// Ends the probe with an event.
void end(Probe* p, int32_t event, int32_t value, bool withData) {
  queue(p->owner, p->id, event, value, withData ? &p->data : nullptr);
  finish(p);
}

// The status of a status line's start "HTTP/1.0 ddd" or "HTTP/1.1 ddd" (first digit 1-5) in [s, s + n), or -1.
int statusCode(const char* s, size_t n) {
  if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ') return -1;
  if (s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9') return -1;
  return (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
}

// "HTTP/1.x 1dd" followed by a space or the line end, but not 101: a response JavaScript may skip.
bool looksInterim(const char* s, size_t n) {
  int status = statusCode(s, n);
  if (status < 100 || status > 199 || status == 101) return false;
  return n == 12 || s[12] == ' ' || s[12] == '\r';
}

// The status of a final response head [s, s + n) (without its blank line) when it is plainly well formed: a status
// line "HTTP/1.0 ddd" or "HTTP/1.1 ddd" (first digit 1-5), then nothing or a space and a reason without CR or LF;
// every further line with a colon after its first byte. Else -1: JavaScript judges the head (headStatus in
// checks/http-plain.ts, which accepts exactly these and words the reason for the rest). An interim status that
// JavaScript would skip is left to it too.
int finalStatus(const char* s, size_t n, bool skipInterim) {
  int status = statusCode(s, n);
  if (status < 0 || (skipInterim && status < 200 && status != 101)) return -1;
  const char* end = s + n;
  const char* eol = static_cast<const char*>(memmem(s, n, "\r\n", 2));
  const char* lineEnd = eol != nullptr ? eol : end;
  if (lineEnd > s + 12) {
    if (s[12] != ' ') return -1;
    for (const char* c = s + 13; c < lineEnd; c++)
      if (*c == '\r' || *c == '\n') return -1;
  }
  while (eol != nullptr) {
    const char* line = eol + 2;
    eol = static_cast<const char*>(memmem(line, static_cast<size_t>(end - line), "\r\n", 2));
    lineEnd = eol != nullptr ? eol : end;
    const char* colon = static_cast<const char*>(memchr(line, ':', static_cast<size_t>(lineEnd - line)));
    if (colon == nullptr || colon == line) return -1;
  }
  return status;
}

// Looks for a complete head from p->off; true when the probe was ended or paused by it.
bool scanHead(Probe* p) {
  const std::string& d = p->data;
  size_t from = p->scan > p->off + 3 ? p->scan - 3 : p->off;
  size_t at = d.find("\r\n\r\n", from);
  if (at == std::string::npos) {
    p->scan = d.size();
    if (d.size() - p->off > p->headLimit) {
      end(p, TOO_BIG, 0, false);
      return true;
    }
    return false;
  }
  if (p->skipInterim && looksInterim(d.data() + p->off, at - p->off)) {
    p->paused = true;
    watch(p, PAUSED);  // nothing more until JavaScript resumes it (level-triggered epoll would repeat the read)
    queue(p->owner, p->id, HEAD, 1, &p->data);
    return true;
  }
  int status = finalStatus(d.data() + p->off, at - p->off, p->skipInterim);
  if (status >= 0)
    end(p, STATUS, status, false);
  else
    end(p, HEAD, 0, true);
  return true;
}

// Makes whatever progress the socket allows now; `ready` is the epoll readiness that woke it (0 from the timer).
// Returns true when the probe ended or paused.
bool progress(Probe* p, bool fromTimer, uint32_t ready = 0) {
  bool justWritten = false;
  if (!p->connected) {
    int err = 0;
    socklen_t len = sizeof err;
    if (fromTimer) {
      // Connected meanwhile (getpeername succeeds only then), or failed (SO_ERROR)? Otherwise still under way.
      struct sockaddr_storage peer;
      socklen_t plen = sizeof peer;
      if (getpeername(p->fd, reinterpret_cast<struct sockaddr*>(&peer), &plen) != 0) {
        if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0) {
          end(p, CONNECT_ERROR, err, false);
          return true;
        }
        return false;
      }
    } else if (ready & (EPOLLERR | EPOLLHUP)) {
      // Writable with an error or hang-up: the connect failed (SO_ERROR says why). Plain writability is a
      // completed connection, which needs no syscall to confirm.
      if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      if (err != 0) {
        end(p, CONNECT_ERROR, err, false);
        return true;
      }
    }
    p->connected = true;
    if (p->request.empty()) {
      end(p, CONNECTED, 0, false);
      return true;
    }
  }
  while (p->written < p->request.size()) {
    ssize_t n = send(p->fd, p->request.data() + p->written, p->request.size() - p->written, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!watch(p, EPOLLIN | EPOLLOUT)) {
          end(p, IO_ERROR, errno, false);
          return true;
        }
        return false;
      }
      end(p, IO_ERROR, errno, false);
      return true;
    }
    p->written += static_cast<size_t>(n);
    justWritten = !fromTimer;
  }
  if (p->paused) return true;
  // Just written: the answer cannot be there yet; wait for it (a read now would only say EAGAIN).
  if (justWritten) {
    if (!watch(p, EPOLLIN)) {
      end(p, IO_ERROR, errno, false);
      return true;
    }
    return false;
  }
  char buf[16384];
  for (;;) {
    ssize_t n = recv(p->fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      end(p, IO_ERROR, errno, false);
      return true;
    }
    if (n == 0) {
      // A head completed by the last read is judged before the close.
      if (scanHead(p)) return true;
      end(p, END, 0, true);
      return true;
    }
    p->data.append(buf, static_cast<size_t>(n));
    if (scanHead(p)) return true;
  }
  if (!watch(p, EPOLLIN)) {
    end(p, IO_ERROR, errno, false);
    return true;
  }
  return false;
}

// The epoll set is readable: handles every socket that is ready, without waiting. An error or hang-up shows as
// readiness too: connect's error is in SO_ERROR, a read or write reports its own.
void onEpoll(uv_poll_t* h, int, int) {
  Prober* pr = static_cast<Prober*>(h->data);
  struct epoll_event evs[256];
  for (;;) {
    int n = epoll_wait(pr->epfd, evs, 256, 0);
    if (n <= 0) return;
    for (int i = 0; i < n; i++) {
      Probe* p = static_cast<Probe*>(evs[i].data.ptr);
      if (p->fd >= 0 && !p->paused) progress(p, false, evs[i].events);
    }
    if (n < 256) return;
  }
}

void onTimer(uv_timer_t* t) {
  Probe* p = static_cast<Probe*>(t->data);
  if (p->fd < 0) return;
  if (!p->paused && progress(p, true)) return;
  if (p->fd < 0) return;
  end(p, TIMEOUT, p->connected ? 1 : 0, false);
}

// The check phase: delivers a batch that cannot wait (see queue).
void onCheck(uv_check_t* c) {
  Prober* pr = static_cast<Prober*>(c->data);
  if (pr->idling) {
    pr->idling = false;
    uv_idle_stop(&pr->idle);
  }
  if (!pr->urgent) return;
  deliver(pr);
}

// Delivers the queued events in one call: (Int32Array [id, event, value]..., (string | null)[]), the data as latin1
// strings (one character per byte).
void deliver(Prober* pr) {
  pr->urgent = false;
  if (pr->deliverArmed) {
    pr->deliverArmed = false;
    uv_timer_stop(&pr->deliverTimer);
  }
  if (pr->done.empty()) return;
  std::vector<Done> batch;
  batch.swap(pr->done);
  napi_env env = pr->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  size_t n = batch.size();
  napi_value ab, events, datas, cb, recv, undefined;
  void* raw = nullptr;
  napi_create_arraybuffer(env, n * 3 * sizeof(int32_t), &raw, &ab);
  int32_t* ints = static_cast<int32_t*>(raw);
  napi_create_array_with_length(env, n, &datas);
  napi_get_null(env, &undefined);
  for (size_t i = 0; i < n; i++) {
    ints[3 * i] = batch[i].id;
    ints[3 * i + 1] = batch[i].event;
    ints[3 * i + 2] = batch[i].value;
    napi_value d = undefined;
    // A latin1 string lives on the V8 heap, where the young generation reclaims it: a Buffer per probe would be
    // malloc'd memory that waits for the object that owns it.
    if (batch[i].hasData) napi_create_string_latin1(env, batch[i].data.data(), batch[i].data.size(), &d);
    napi_set_element(env, datas, static_cast<uint32_t>(i), d);
  }
  napi_create_typedarray(env, napi_int32_array, n * 3, ab, 0, &events);
  napi_get_reference_value(env, pr->callback, &cb);
  napi_get_global(env, &recv);
  napi_value argv[2] = {events, datas};
  napi_value result;
  if (napi_make_callback(env, pr->asyncCtx, recv, cb, 2, argv, &result) != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

Prober* prober(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<Prober*>(data);
}

bool parseAddress(napi_env env, napi_value v, int port, struct sockaddr_storage* ss, socklen_t* len) {
  char text[64];
  size_t n = 0;
  if (napi_get_value_string_utf8(env, v, text, sizeof text, &n) != napi_ok) return false;
  memset(ss, 0, sizeof *ss);
  auto* a4 = reinterpret_cast<struct sockaddr_in*>(ss);
  auto* a6 = reinterpret_cast<struct sockaddr_in6*>(ss);
  if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<uint16_t>(port));
    *len = sizeof *a4;
    return true;
  }
  if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<uint16_t>(port));
    *len = sizeof *a6;
    return true;
  }
  return false;
}

int32_t intArg(napi_env env, napi_value v) {
  int32_t i = 0;
  napi_get_value_int32(env, v, &i);
  return i;
}

void releaseProber(napi_env, void* data, void*) {
  Prober* pr = static_cast<Prober*>(data);
  for (auto& [id, p] : pr->probes) {
    uv_close(reinterpret_cast<uv_handle_t*>(&p->timer), onTimerClosed);
    if (p->fd >= 0) close(p->fd);
    p->fd = -1;
  }
  pr->probes.clear();
  // The check and idle handles are closed with the loop; the Prober itself is left (the environment is going away).
}

// init(callback): the one callback that receives every probe's events. Once per environment.
napi_value Init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  napi_valuetype t;
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_function) return throwType(env, "expected a callback");
  if (prober(env) != nullptr) return throwType(env, "already initialised");
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return throwType(env, "epoll_create1 failed");
  Prober* pr = new Prober();
  pr->env = env;
  pr->epfd = epfd;
  napi_get_uv_event_loop(env, &pr->loop);
  // Unreferenced: a probe's timer is what keeps the loop alive while it is under way.
  uv_poll_init(pr->loop, &pr->epollPoll, epfd);
  pr->epollPoll.data = pr;
  uv_poll_start(&pr->epollPoll, UV_READABLE, onEpoll);
  uv_unref(reinterpret_cast<uv_handle_t*>(&pr->epollPoll));
  napi_create_reference(env, argv[0], 1, &pr->callback);
  napi_value name;
  napi_create_string_utf8(env, "lvsd:tcp_probe", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, nullptr, name, &pr->asyncCtx);
  uv_check_init(pr->loop, &pr->check);
  pr->check.data = pr;
  uv_check_start(&pr->check, onCheck);
  uv_unref(reinterpret_cast<uv_handle_t*>(&pr->check));
  uv_idle_init(pr->loop, &pr->idle);
  uv_unref(reinterpret_cast<uv_handle_t*>(&pr->idle));
  uv_timer_init(pr->loop, &pr->deliverTimer);
  pr->deliverTimer.data = pr;
  napi_set_instance_data(env, pr, releaseProber, nullptr);
  return nullptr;
}

// start(id, address, port, bindAddress | null, bindPort, timeoutMs, request | null, headLimit, skipInterim)
//   -> 0 (under way: its events come to the callback) or the errno that ended it at once (socket, bind, connect).
napi_value Start(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 9) return throwType(env, "start: 9 arguments expected");
  Prober* pr = prober(env);
  if (pr == nullptr) return throwType(env, "init() first");
  int32_t id = intArg(env, argv[0]);
  int port = intArg(env, argv[2]);
  struct sockaddr_storage to, from;
  socklen_t toLen = 0, fromLen = 0;
  if (!parseAddress(env, argv[1], port, &to, &toLen)) return throwType(env, "start: not an IP address");
  napi_valuetype bt;
  napi_typeof(env, argv[3], &bt);
  int bindPort = intArg(env, argv[4]);
  bool bindAddr = bt == napi_string;
  if (bindAddr && !parseAddress(env, argv[3], bindPort, &from, &fromLen)) return throwType(env, "start: bad bind address");
  int64_t timeoutMs = 0;
  napi_get_value_int64(env, argv[5], &timeoutMs);
  napi_valuetype rt;
  napi_typeof(env, argv[6], &rt);
  void* req = nullptr;
  size_t reqLen = 0;
  if (rt != napi_null && rt != napi_undefined && napi_get_buffer_info(env, argv[6], &req, &reqLen) != napi_ok) {
    return throwType(env, "start: request must be a Buffer");
  }
  int32_t headLimit = intArg(env, argv[7]);
  bool skipInterim = false;
  napi_get_value_bool(env, argv[8], &skipInterim);

  int family = to.ss_family;
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  napi_value out;
  auto fail = [&](int err) {
    if (fd >= 0) close(fd);
    napi_create_int32(env, err, &out);
    return out;
  };
  if (fd < 0) return fail(errno);
  if (bindAddr || bindPort != 0) {
    if (!bindAddr) {
      memset(&from, 0, sizeof from);
      from.ss_family = static_cast<sa_family_t>(family);
      if (family == AF_INET) {
        reinterpret_cast<struct sockaddr_in*>(&from)->sin_port = htons(static_cast<uint16_t>(bindPort));
        fromLen = sizeof(struct sockaddr_in);
      } else {
        reinterpret_cast<struct sockaddr_in6*>(&from)->sin6_port = htons(static_cast<uint16_t>(bindPort));
        fromLen = sizeof(struct sockaddr_in6);
      }
    }
    if (from.ss_family != family) return fail(EINVAL);
    if (bindPort != 0) {
      int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    if (bind(fd, reinterpret_cast<struct sockaddr*>(&from), fromLen) != 0) return fail(errno);
  }
  int r;
  do {
    r = connect(fd, reinterpret_cast<struct sockaddr*>(&to), toLen);
  } while (r != 0 && errno == EINTR);
  if (r != 0 && errno != EINPROGRESS) return fail(errno);

  Probe* p = new Probe();
  p->owner = pr;
  p->id = id;
  p->fd = fd;
  p->skipInterim = skipInterim;
  p->headLimit = headLimit > 0 ? static_cast<size_t>(headLimit) : 65536;
  if (reqLen > 0) p->request.assign(static_cast<const char*>(req), reqLen);
  // Writable: connected (or failed, with the reason in SO_ERROR).
  if (!watch(p, EPOLLOUT)) {
    int e = errno;
    delete p;
    return fail(e);
  }
  uv_timer_init(pr->loop, &p->timer);
  p->timer.data = p;
  pr->probes[id] = p;
  uv_timer_start(&p->timer, onTimer, static_cast<uint64_t>(timeoutMs > 0 ? timeoutMs : 0), 0);
  napi_create_int32(env, 0, &out);
  return out;
}

// The probe under way whose id is the first of `want` arguments (the others in argv), or nullptr.
Probe* probeArg(napi_env env, napi_callback_info info, napi_value* argv, size_t want) {
  size_t argc = want;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Prober* pr = prober(env);
  if (pr == nullptr || argc < want) return nullptr;
  auto it = pr->probes.find(intArg(env, argv[0]));
  return it == pr->probes.end() ? nullptr : it->second;
}

// cancel(id): ends a probe without an event (aborted, or judged while paused). Unknown ids are ignored.
napi_value Cancel(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (Probe* p = probeArg(env, info, argv, 1)) finish(p);
  return nullptr;
}

// resume(id, offset): a paused probe reads on, the next head starting at `offset` of its data.
napi_value Resume(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  Probe* p = probeArg(env, info, argv, 2);
  if (p == nullptr) return nullptr;
  if (!p->paused) return throwType(env, "resume: the probe is not paused");
  int32_t offset = intArg(env, argv[1]);
  if (offset < 0 || static_cast<size_t>(offset) > p->data.size()) return throwType(env, "resume: offset out of range");
  p->paused = false;
  p->off = static_cast<size_t>(offset);
  p->scan = p->off;
  if (scanHead(p)) return nullptr;
  if (!watch(p, EPOLLIN)) end(p, IO_ERROR, errno, false);
  return nullptr;
}

// pending() -> the number of probes under way (for leak tests).
napi_value Pending(napi_env env, napi_callback_info) {
  Prober* pr = prober(env);
  napi_value out;
  napi_create_uint32(env, pr ? static_cast<uint32_t>(pr->probes.size()) : 0, &out);
  return out;
}

napi_value Register(napi_env env, napi_value exports) {
  return lvsd_napi::exportMethods(env, exports,
                                  {
                                      {"init", Init},
                                      {"start", Start},
                                      {"cancel", Cancel},
                                      {"resume", Resume},
                                      {"pending", Pending},
                                  });
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Register)

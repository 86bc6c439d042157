// Small N-API helpers shared by lvsd's addons (vrrp_socket.cc, tcp_probe.cc, netlink_exchange.cc): exports,
// argument fetching and TypeErrors. Header-only; each addon is its own shared object.
#pragma once

#include <node_api.h>

#include <stddef.h>

namespace lvsd_napi {

// One exported function of an addon.
struct Method {
  const char* name;
  napi_callback fn;
};

// Defines `methods` on the addon's exports (its module init): exportMethods(env, exports, {{"open", Open}, ...}).
template <size_t N>
napi_value exportMethods(napi_env env, napi_value exports, const Method (&methods)[N]) {
  napi_property_descriptor props[N];
  for (size_t i = 0; i < N; i++) props[i] = {methods[i].name, nullptr, methods[i].fn, nullptr, nullptr, nullptr, napi_enumerable, nullptr};
  napi_define_properties(env, exports, N, props);
  return exports;
}

// Throws a TypeError with `msg`; returns nullptr for `return throwType(...)` in a callback.
inline napi_value throwType(napi_env env, const char* msg) {
  napi_throw_type_error(env, nullptr, msg);
  return nullptr;
}

// The first `want` arguments of a callback into argv; false (with a TypeError thrown) when fewer were given.
inline bool getArgs(napi_env env, napi_callback_info info, size_t want, napi_value* argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < want) {
    throwType(env, "missing arguments");
    return false;
  }
  return true;
}

// The bytes of a Buffer or Uint8Array; false (with a TypeError thrown) for anything else.
inline bool getBytes(napi_env env, napi_value v, void** data, size_t* len) {
  bool isTa = false;
  napi_is_typedarray(env, v, &isTa);
  if (isTa) {
    napi_typedarray_type type;
    size_t length, offset;
    napi_value ab;
    if (napi_get_typedarray_info(env, v, &type, &length, data, &ab, &offset) == napi_ok && type == napi_uint8_array) {
      *len = length;
      return true;
    }
  }
  throwType(env, "expected a Uint8Array");
  return false;
}

}  // namespace lvsd_napi

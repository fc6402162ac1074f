// Self-registration of binding files: each *.cc adds its exports with NTP_BINDING(name) and
// addon.cc calls them all, so adding a native concept never edits a central list.
#pragma once
#include <napi.h>

#include <vector>

namespace ntp::binding {

using Initializer = void (*)(Napi::Env, Napi::Object);

inline std::vector<Initializer>& initializers() {
  static std::vector<Initializer> list;
  return list;
}

struct Registrar {
  explicit Registrar(Initializer init) { initializers().push_back(init); }
};

}  // namespace ntp::binding

#define NTP_BINDING(name)                                                           \
  static void ntp_binding_init_##name(Napi::Env env, Napi::Object exports);         \
  static const ::ntp::binding::Registrar ntp_binding_registrar_##name(              \
      &ntp_binding_init_##name);                                                    \
  static void ntp_binding_init_##name(Napi::Env env, Napi::Object exports)

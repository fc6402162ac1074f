#include <napi.h>

#include "registry.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (auto init : ntp::binding::initializers()) init(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(ntp_native, Init)

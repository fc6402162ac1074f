// deviceInfo(): what this build of the addon can do (for `ntp doctor` and backend choice).
// setThreads(n): the native thread pool's size for the kernels that follow (0 = the default).
#include <napi.h>

#include "../core/thread_pool.h"
#include "../cuda/cuda_api.h"
#include "registry.h"

namespace {

std::string simd_level() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return "avx512f";
  if (__builtin_cpu_supports("avx2")) return "avx2";
  if (__builtin_cpu_supports("sse4.2")) return "sse4.2";
  return "sse2";
#elif defined(__aarch64__)
  return "neon";
#else
  return "scalar";
#endif
}

std::string compiled_simd() {
#if defined(__AVX512F__)
  return "avx512f";
#elif defined(__AVX2__)
  return "avx2";
#elif defined(__SSE4_2__)
  return "sse4.2";
#elif defined(__aarch64__)
  return "neon";
#else
  return "baseline";
#endif
}

}  // namespace

NTP_BINDING(device) {
  exports.Set("deviceInfo", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    Napi::Env e = info.Env();
    const ntp::DeviceInfo& d = ntp::device_info();
    Napi::Object o = Napi::Object::New(e);
    o.Set("threads", Napi::Number::New(e, static_cast<double>(ntp::thread_count())));
    o.Set("cpuSimd", Napi::String::New(e, simd_level()));
    o.Set("compiledSimd", Napi::String::New(e, compiled_simd()));
    o.Set("cudaCompiled", Napi::Boolean::New(e, d.compiled));
    std::string why;
    o.Set("cuda", Napi::Boolean::New(e, ntp::cuda_usable(&why)));
    o.Set("cudaDeviceCount", Napi::Number::New(e, d.device_count));
    o.Set("cudaDevice", d.name.empty() ? e.Null() : Napi::String::New(e, d.name));
    o.Set("cudaMemory", d.memory ? Napi::Number::New(e, static_cast<double>(d.memory)) : e.Null());
    o.Set("cudaError", why.empty() ? e.Null() : Napi::String::New(e, why));
    return o;
  }, "deviceInfo"));
  exports.Set("setThreads", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    Napi::Env e = info.Env();
    const double n = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
    if (!(n >= 0 && n <= 1024 && n == static_cast<double>(static_cast<int>(n))))
      throw Napi::RangeError::New(e, "setThreads: threads must be an integer in [0, 1024] (0 = the default)");
    return Napi::Number::New(e, static_cast<double>(ntp::set_thread_count(static_cast<std::size_t>(n))));
  }, "setThreads"));
}

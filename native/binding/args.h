// Argument checks at the JS boundary: every binding reads its inputs through these, so a wrong
// type, length or value throws a JS TypeError/RangeError naming the field before any kernel
// touches memory. Element counts come from sizes.h (overflow-checked).
//
// Typed arrays: a sync call borrows them zero-copy, and checks them all again once every option
// has been read (a getter that runs later may have detached or shrunk one checked earlier), so
// contents read before that are only read at once into owned values (shapes), and contents read
// later through Job::check or the kernel. An async job must also survive a transfer of its
// buffers while it runs (structuredClone(x.buffer, {transfer: [x.buffer]})): the new owner frees
// the memory, and a Napi::Reference to the array does not stop that (it keeps the object, not
// its memory). Node-API has no way to hold the memory itself, so an async job holds V8's
// BackingStore of each buffer (shared ownership of the memory: a transfer moves the buffer's
// share, ours keeps the memory alive) plus a reference to the array for completion. Buffers
// that JS can shrink in place (resizable ArrayBuffers) are copied instead, outputs written back
// on completion. An output detached during the job makes the job fail, naming it.
#pragma once
#include <napi.h>
#include <v8.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "sizes.h"

namespace ntp::binding {

constexpr std::size_t kAnyLength = static_cast<std::size_t>(-1);

template <typename T> struct TypedArrayKind;
template <> struct TypedArrayKind<double> {
  static constexpr napi_typedarray_type type = napi_float64_array;
  static constexpr const char* name = "Float64Array";
};
template <> struct TypedArrayKind<float> {
  static constexpr napi_typedarray_type type = napi_float32_array;
  static constexpr const char* name = "Float32Array";
};
template <> struct TypedArrayKind<int32_t> {
  static constexpr napi_typedarray_type type = napi_int32_array;
  static constexpr const char* name = "Int32Array";
};
template <> struct TypedArrayKind<uint8_t> {
  static constexpr napi_typedarray_type type = napi_uint8_array;
  static constexpr const char* name = "Uint8Array";
};
template <> struct TypedArrayKind<int8_t> {
  static constexpr napi_typedarray_type type = napi_int8_array;
  static constexpr const char* name = "Int8Array";
};

enum class Access { kRead, kWrite };  // kWrite: an output the kernel fills (copied back when async)

// The typed arrays of one call (see the top of this file), and the working memory it declared.
class Views {
 public:
  Views(bool async, std::string where) : async_(async), where_(std::move(where)) {}
  Views(const Views&) = delete;
  Views& operator=(const Views&) = delete;

  // The pointer the kernel uses for `arr` (its own data, or the job's copy).
  void* add(Napi::TypedArray arr, const std::string& field, Access access) {
    View v;
    v.field = field;
    v.value = arr;
    v.write = access == Access::kWrite;
    v.bytes = arr.ByteLength();
    v.data = data_of(arr);
    if (async_) {
      v.ref = Napi::Persistent(static_cast<Napi::Object>(arr));
      v.store = backing_store(arr);
      if (!v.store) {
        staged_ += static_cast<double>(v.bytes);
        check_memory(where_, staged_);
        v.copy.reset(new unsigned char[v.bytes ? v.bytes : 8]);
        if (v.bytes) std::memcpy(v.copy.get(), v.data, v.bytes);
      }
    }
    views_.push_back(std::move(v));
    return views_.back().copy ? views_.back().copy.get() : views_.back().data;
  }

  // Working memory the kernel will allocate (see check_memory).
  void need(double bytes) { scratch_ += bytes; }

  // After every option was read: refuse above the memory limit, and check that each array still
  // has the data and length it was checked with (no JS ran since, so sync pointers stay valid).
  void seal(Napi::Env env) {
    check_memory(where_, scratch_ + staged_);
    for (const View& v : views_) {
      Napi::TypedArray arr = v.value.As<Napi::TypedArray>();
      if (arr.ByteLength() != v.bytes || data_of(arr) != v.data)
        throw Napi::TypeError::New(env, v.field + " was detached or resized while the options were read");
    }
  }

  // Async completion (JS thread): every output must still be attached with the same length (a
  // transfer during the job leaves the result in memory JS no longer sees); copies go back.
  void finish(Napi::Env env) {
    for (View& v : views_) {
      if (!v.write || !v.bytes) continue;
      Napi::TypedArray arr = v.ref.Value().As<Napi::TypedArray>();
      void* data = data_of(arr);
      if (arr.ByteLength() != v.bytes || !data || (!v.copy && data != v.data))
        throw Napi::Error::New(env, v.field + " was detached or resized while the job ran; its result is lost");
      if (v.copy) std::memcpy(data, v.copy.get(), v.bytes);
    }
  }

 private:
  struct View {
    std::string field;
    Napi::Value value;  // valid during the call that read it
    Napi::Reference<Napi::Object> ref;  // async: the array, held for the job's life
    std::shared_ptr<v8::BackingStore> store;  // async: its memory, held for the job's life
    std::unique_ptr<unsigned char[]> copy;  // async, resizable buffers: the job's copy
    void* data = nullptr;
    std::size_t bytes = 0;
    bool write = false;
  };

  static void* data_of(Napi::TypedArray arr) {
    void* data = nullptr;
    napi_typedarray_type type;
    size_t length = 0, offset = 0;
    napi_value buffer;
    napi_status st = napi_get_typedarray_info(arr.Env(), arr, &type, &length, &data, &buffer, &offset);
    NAPI_THROW_IF_FAILED(arr.Env(), st, nullptr);
    return data;
  }

  // The memory under `arr`, or null for a buffer JS can resize in place. (A napi_value is a
  // v8::Local under the hood; the addon is built against the Node it runs in.)
  static std::shared_ptr<v8::BackingStore> backing_store(Napi::TypedArray arr) {
    napi_value buffer = arr.ArrayBuffer();
    v8::Local<v8::Value> local;
    static_assert(sizeof(local) == sizeof(buffer), "napi_value is a v8::Local");
    std::memcpy(static_cast<void*>(&local), &buffer, sizeof(buffer));
    std::shared_ptr<v8::BackingStore> store = local->IsSharedArrayBuffer()
                                                  ? local.As<v8::SharedArrayBuffer>()->GetBackingStore()
                                                  : local.As<v8::ArrayBuffer>()->GetBackingStore();
    return store->IsResizableByUserJavaScript() ? nullptr : store;
  }

  bool async_;
  std::string where_;
  double scratch_ = 0, staged_ = 0;
  std::vector<View> views_;
};

class Args {
 public:
  // `where` prefixes every message, e.g. "buildWindows: options"; `views` records the typed
  // arrays read through this object and its children.
  Args(Napi::Env env, Napi::Value options, std::string where, Views& views)
      : env_(env), where_(std::move(where)), views_(&views) {
    if (!options.IsObject())
      throw Napi::TypeError::New(env_, where_ + " must be an object");
    obj_ = options.As<Napi::Object>();
  }

  // The nested options object at `key` (e.g. `out`), sharing this call's views.
  Args child(const char* key) const { return Args(env_, value(key), field(key), *views_); }
  // An element of an Array option, e.g. symbols[2].
  Args element(Napi::Value v, const std::string& name) const { return Args(env_, v, name, *views_); }

  bool has(const char* key) const {
    Napi::Value v = obj_.Get(key);
    return !v.IsUndefined() && !v.IsNull();
  }

  // A typed array of element type T read by the kernel; `length` (from count_of) checked unless
  // kAnyLength, the actual length stored in `out_length`.
  template <typename T>
  T* array(const char* key, std::size_t length = kAnyLength, std::size_t* out_length = nullptr) const {
    return view<T>(value(key), field(key), length, out_length, Access::kRead);
  }
  // The same for an array the kernel writes.
  template <typename T>
  T* output(const char* key, std::size_t length) const {
    return view<T>(value(key), field(key), length, nullptr, Access::kWrite);
  }

  template <typename T>
  T* optional_array(const char* key, std::size_t length = kAnyLength) const {
    return has(key) ? array<T>(key, length) : nullptr;
  }
  template <typename T>
  T* optional_output(const char* key, std::size_t length) const {
    return has(key) ? output<T>(key, length) : nullptr;
  }

  // Any value (an option or an Array element) as a typed array named `name`.
  template <typename T>
  T* view(Napi::Value v, const std::string& name, std::size_t length, std::size_t* out_length, Access access) const {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != TypedArrayKind<T>::type)
      throw Napi::TypeError::New(env_, name + " must be a " + TypedArrayKind<T>::name + " (got " + describe(v) + ")");
    auto arr = v.As<Napi::TypedArrayOf<T>>();
    if (length != kAnyLength && arr.ElementLength() != length)
      throw Napi::RangeError::New(env_, name + " has length " + std::to_string(arr.ElementLength()) + ", expected " +
                                            std::to_string(length));
    if (out_length) *out_length = arr.ElementLength();
    return static_cast<T*>(views_->add(arr, name, access));
  }

  // Declares working memory the kernel allocates beyond its arguments (refused above the limit).
  void need_memory(double bytes) const { views_->need(bytes); }

  double number(const char* key) const {
    Napi::Value v = obj_.Get(key);
    if (!v.IsNumber())
      throw Napi::TypeError::New(env_, field(key) + " must be a number (got " + describe(v) + ")");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d)) throw Napi::RangeError::New(env_, field(key) + " must be finite");
    return d;
  }
  double number(const char* key, double fallback) const { return has(key) ? number(key) : fallback; }

  int64_t integer(const char* key, int64_t min, int64_t max) const {
    double d = number(key);
    if (d != std::floor(d) || d < static_cast<double>(min) || d > static_cast<double>(max))
      throw Napi::RangeError::New(env_, field(key) + " must be an integer in [" +
                                            std::to_string(min) + ", " + std::to_string(max) +
                                            "] (got " + std::to_string(d) + ")");
    return static_cast<int64_t>(d);
  }
  int64_t integer(const char* key, int64_t min, int64_t max, int64_t fallback) const {
    return has(key) ? integer(key, min, max) : fallback;
  }

  std::string string(const char* key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    Napi::Value v = obj_.Get(key);
    if (!v.IsString())
      throw Napi::TypeError::New(env_, field(key) + " must be a string (got " + describe(v) + ")");
    return v.As<Napi::String>().Utf8Value();
  }

  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    Napi::Value v = obj_.Get(key);
    if (!v.IsBoolean())
      throw Napi::TypeError::New(env_, field(key) + " must be a boolean (got " + describe(v) + ")");
    return v.As<Napi::Boolean>().Value();
  }

  Napi::Value value(const char* key) const { return obj_.Get(key); }
  Napi::Object object() const { return obj_; }
  std::string field(const char* key) const { return where_ + "." + key; }
  Napi::Env env() const { return env_; }

  static std::string describe(Napi::Value v) {
    if (v.IsUndefined()) return "undefined";
    if (v.IsNull()) return "null";
    if (v.IsTypedArray()) {
      switch (v.As<Napi::TypedArray>().TypedArrayType()) {
        case napi_float64_array: return "Float64Array";
        case napi_float32_array: return "Float32Array";
        case napi_int32_array: return "Int32Array";
        case napi_uint8_array: return "Uint8Array";
        case napi_int8_array: return "Int8Array";
        default: return "another typed array";
      }
    }
    if (v.IsArray()) return "Array";
    if (v.IsNumber()) return "number";
    if (v.IsString()) return "string";
    if (v.IsBoolean()) return "boolean";
    return "object";
  }

 private:
  Napi::Env env_;
  std::string where_;
  Views* views_;
  Napi::Object obj_;
};

}  // namespace ntp::binding

// Argument checks at the JS boundary: every binding reads its inputs through these, so a wrong
// type, length or value throws a JS TypeError/RangeError naming the field before any kernel
// touches memory. Typed arrays are borrowed zero-copy.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

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

class Args {
 public:
  // `where` prefixes every message, e.g. "buildWindows: options".
  Args(Napi::Env env, Napi::Value options, std::string where)
      : env_(env), where_(std::move(where)) {
    if (!options.IsObject())
      throw Napi::TypeError::New(env_, where_ + " must be an object");
    obj_ = options.As<Napi::Object>();
  }

  bool has(const char* key) const {
    return obj_.Has(key) && !obj_.Get(key).IsUndefined() && !obj_.Get(key).IsNull();
  }

  // A typed array of element type T; `length` checked unless kAnyLength.
  template <typename T>
  T* array(const char* key, std::size_t length = kAnyLength, std::size_t* out_length = nullptr) const {
    Napi::Value v = obj_.Get(key);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != TypedArrayKind<T>::type)
      throw Napi::TypeError::New(env_, field(key) + " must be a " + TypedArrayKind<T>::name +
                                           " (got " + describe(v) + ")");
    auto arr = v.As<Napi::TypedArrayOf<T>>();
    if (length != kAnyLength && arr.ElementLength() != length)
      throw Napi::RangeError::New(env_, field(key) + " has length " +
                                            std::to_string(arr.ElementLength()) + ", expected " +
                                            std::to_string(length));
    if (out_length) *out_length = arr.ElementLength();
    return arr.Data();
  }

  template <typename T>
  T* optional_array(const char* key, std::size_t length = kAnyLength) const {
    return has(key) ? array<T>(key, length) : nullptr;
  }

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
  Napi::Object obj_;
};

}  // namespace ntp::binding

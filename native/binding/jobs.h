// Runs a prepared kernel call either on the JS thread (sync) or on libuv's pool (async,
// returning a Promise), translating C++ exceptions into JS errors in both cases. The values
// in `keep_alive` (the typed arrays the job reads and writes) stay referenced until it ends.
#pragma once
#include <napi.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/candles.h"

namespace ntp::binding {

struct Job {
  std::function<void()> work;                 // runs without touching any JS value
  std::function<Napi::Value(Napi::Env)> result;  // builds the JS result afterwards (JS thread)
  std::vector<Napi::Value> keep_alive;
};

// Bad input discovered by the kernel (std::invalid_argument, DataError) is a RangeError;
// anything else is a plain Error.
inline Napi::Error to_js_error(Napi::Env env, const std::string& where, const std::exception& e,
                               bool is_range) {
  const std::string msg = where + ": " + e.what();
  return is_range ? Napi::RangeError::New(env, msg) : Napi::Error::New(env, msg);
}

inline Napi::Value run_sync(Napi::Env env, const std::string& where, Job job) {
  try {
    job.work();
  } catch (const ntp::DataError& e) {
    throw to_js_error(env, where, e, true);
  } catch (const std::invalid_argument& e) {
    throw to_js_error(env, where, e, true);
  } catch (const std::exception& e) {
    throw to_js_error(env, where, e, false);
  }
  return job.result ? job.result(env) : env.Undefined();
}

class AsyncJob : public Napi::AsyncWorker {
 public:
  AsyncJob(Napi::Env env, std::string where, Job job)
      : Napi::AsyncWorker(env, where.c_str()), deferred_(Napi::Promise::Deferred::New(env)),
        where_(std::move(where)), job_(std::move(job)) {
    for (auto& v : job_.keep_alive) refs_.push_back(Napi::Persistent(v));
  }
  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      job_.work();
    } catch (const ntp::DataError& e) {
      fail(e, true);
    } catch (const std::invalid_argument& e) {
      fail(e, true);
    } catch (const std::exception& e) {
      fail(e, false);
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    try {
      deferred_.Resolve(job_.result ? job_.result(env) : env.Undefined());
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error&) override {
    Napi::Env env = Env();
    Napi::Error err = is_range_ ? Napi::RangeError::New(env, message_) : Napi::Error::New(env, message_);
    deferred_.Reject(err.Value());
  }

 private:
  void fail(const std::exception& e, bool range) {
    is_range_ = range;
    message_ = where_ + ": " + e.what();
    SetError(message_);
  }

  Napi::Promise::Deferred deferred_;
  std::string where_;
  Job job_;
  std::vector<Napi::Reference<Napi::Value>> refs_;
  bool is_range_ = false;
  std::string message_;
};

inline Napi::Value run_async(Napi::Env env, const std::string& where, Job job) {
  auto* worker = new AsyncJob(env, where, std::move(job));
  Napi::Promise p = worker->promise();
  worker->Queue();
  return p;
}

// Exports `name` (sync) and `nameAsync` (Promise) from one parser that validates the JS
// arguments and returns the prepared Job.
inline void export_job(Napi::Env env, Napi::Object exports, const std::string& name,
                       std::function<Job(const Napi::CallbackInfo&)> prepare) {
  exports.Set(name, Napi::Function::New(env, [name, prepare](const Napi::CallbackInfo& info) {
                return run_sync(info.Env(), name, prepare(info));
              }, name));
  const std::string async_name = name + "Async";
  exports.Set(async_name, Napi::Function::New(env, [async_name, prepare](const Napi::CallbackInfo& info) {
                return run_async(info.Env(), async_name, prepare(info));
              }, async_name));
}

}  // namespace ntp::binding

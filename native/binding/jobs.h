// Runs a prepared kernel call either on the JS thread (sync) or on libuv's pool (async,
// returning a Promise), translating C++ exceptions into JS errors in both cases. The call's
// typed arrays are read through Views (args.h): borrowed when sync, pinned when async.
#pragma once
#include <napi.h>

#include <functional>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "../core/data/candles.h"
#include "args.h"

namespace ntp::binding {

struct Job {
  // Runs on the calling thread once every option was read and re-checked: conversions and checks
  // that read the arrays' contents (their errors are RangeErrors, before any job is queued).
  std::function<void()> check;
  std::function<void()> work;                 // runs without touching any JS value
  std::function<Napi::Value(Napi::Env)> result;  // builds the JS result afterwards (JS thread)
  std::unique_ptr<Views> views;               // set by export_job
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
        where_(std::move(where)), job_(std::move(job)) {}
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
      if (job_.views) job_.views->finish(env);
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
  bool is_range_ = false;
  std::string message_;
};

// Reads and checks the call's options into a Job: `prepare` reads them through `args`, then the
// views are sealed (memory limit, arrays re-checked, async copies filled). Size and shape errors
// thrown as C++ exceptions (sizes.h, mat_mul_plan.h) become RangeErrors prefixed with `name`.
using Prepare = std::function<Job(const Args& args)>;

inline Job prepare_job(const Napi::CallbackInfo& info, const std::string& name, bool async, const Prepare& prepare) {
  auto views = std::make_unique<Views>(async, name);
  try {
    Args args(info.Env(), info[0], name + ": options", *views);
    Job job = prepare(args);
    views->seal(info.Env());
    if (job.check) job.check();
    job.views = std::move(views);
    return job;
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(info.Env(), name + ": not enough memory for the call's buffers");
  } catch (const std::exception& e) {
    const std::string what = e.what();
    // sizes.h messages start with the field or call they name; others get the call's name.
    throw Napi::RangeError::New(info.Env(), what.rfind(name, 0) == 0 ? what : name + ": " + what);
  }
}

inline Napi::Value run_async(Napi::Env env, const std::string& where, Job job) {
  auto* worker = new AsyncJob(env, where, std::move(job));
  Napi::Promise p = worker->promise();
  worker->Queue();
  return p;
}

// Exports `name` (sync) and `nameAsync` (Promise) from one parser that validates the JS
// arguments and returns the prepared Job.
inline void export_job(Napi::Env env, Napi::Object exports, const std::string& name, Prepare prepare) {
  exports.Set(name, Napi::Function::New(env, [name, prepare](const Napi::CallbackInfo& info) {
                return run_sync(info.Env(), name, prepare_job(info, name, false, prepare));
              }, name));
  const std::string async_name = name + "Async";
  exports.Set(async_name, Napi::Function::New(env, [name, async_name, prepare](const Napi::CallbackInfo& info) {
                return run_async(info.Env(), async_name, prepare_job(info, name, true, prepare));
              }, async_name));
}

// The same for a sync-only entry point.
inline void export_sync(Napi::Env env, Napi::Object exports, const std::string& name, Prepare prepare) {
  exports.Set(name, Napi::Function::New(env, [name, prepare](const Napi::CallbackInfo& info) {
                return run_sync(info.Env(), name, prepare_job(info, name, false, prepare));
              }, name));
}

}  // namespace ntp::binding

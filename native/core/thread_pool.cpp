#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ntp {
namespace {

thread_local bool tls_in_worker = false;

class ThreadPool {
 public:
  explicit ThreadPool(std::size_t n) : active_(n) {
    for (std::size_t i = 0; i + 1 < n; ++i) workers_.emplace_back([this, i] { loop(i); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  std::size_t size() const { return active_.load(); }

  // Between jobs (job_mu_ held): workers [0, n - 1) take chunks from now on.
  std::size_t resize(std::size_t n) {
    std::lock_guard<std::mutex> job_lock(job_mu_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_ = n;
    }
    for (std::size_t i = workers_.size(); i + 1 < n; ++i) workers_.emplace_back([this, i] { loop(i); });
    return n;
  }

  // One job at a time: concurrent callers (several JS async workers) take turns, which keeps
  // each kernel's chunks on all cores instead of oversubscribing them.
  void run(std::size_t chunks, const std::function<void(std::size_t)>& task) {
    std::lock_guard<std::mutex> job_lock(job_mu_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      task_ = &task;
      next_ = 0;
      total_ = chunks;
      done_ = 0;
      error_ = nullptr;
      ++generation_;
    }
    cv_.notify_all();
    // The caller works too; while it does, nested parallel_for calls from its chunks run inline.
    const bool was_worker = tls_in_worker;
    tls_in_worker = true;
    work();
    tls_in_worker = was_worker;
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return done_ == total_; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void loop(std::size_t index) {
    tls_in_worker = true;
    std::size_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        // A worker beyond the active count sleeps through jobs until the pool grows again.
        cv_.wait(lock, [&] { return stop_ || (generation_ != seen && task_ != nullptr && index + 1 < active_.load()); });
        if (stop_) return;
        seen = generation_;
      }
      work();
    }
  }

  void work() {
    for (;;) {
      std::size_t i;
      const std::function<void(std::size_t)>* task;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (task_ == nullptr || next_ >= total_) return;
        i = next_++;
        task = task_;
      }
      std::exception_ptr err;
      try {
        (*task)(i);
      } catch (...) {
        err = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (err && !error_) error_ = err;
      if (++done_ == total_) done_cv_.notify_all();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex job_mu_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::size_t next_ = 0, total_ = 0, done_ = 0, generation_ = 0;
  std::exception_ptr error_;
  bool stop_ = false;
  std::atomic<std::size_t> active_;  // threads that take chunks, the calling thread included
};

std::size_t configured_threads() {
  if (const char* env = std::getenv("NTP_THREADS")) {
    long v = std::strtol(env, nullptr, 10);
    if (v > 0) return static_cast<std::size_t>(v);
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : hc;
}

ThreadPool& pool() {
  static ThreadPool instance(configured_threads());
  return instance;
}

}  // namespace

std::size_t thread_count() { return pool().size(); }

std::size_t set_thread_count(std::size_t n) { return pool().resize(n > 0 ? n : configured_threads()); }

void parallel_for(std::size_t n, std::size_t min_chunk,
                  const std::function<void(std::size_t, std::size_t)>& body, std::size_t chunks_per_thread) {
  if (n == 0) return;
  min_chunk = std::max<std::size_t>(1, min_chunk);
  const std::size_t threads = thread_count();
  if (tls_in_worker || threads == 1 || n <= min_chunk) {
    body(0, n);
    return;
  }
  std::size_t chunks = std::min((n + min_chunk - 1) / min_chunk, threads * std::max<std::size_t>(1, chunks_per_thread));
  const std::size_t step = (n + chunks - 1) / chunks;
  chunks = (n + step - 1) / step;
  pool().run(chunks, [&](std::size_t c) {
    const std::size_t b = c * step;
    body(b, std::min(n, b + step));
  });
}

}  // namespace ntp

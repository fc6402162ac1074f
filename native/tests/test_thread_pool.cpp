// The thread pool's size set at run time: kernels after set_thread_count use exactly that many
// threads (the caller included), growing and shrinking, and 0 restores the default.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "../core/thread_pool.h"
#include "check.h"

namespace {

// Threads that ran a chunk of a parallel_for with many slow chunks.
std::size_t threads_used() {
  std::mutex mu;
  std::set<std::thread::id> ids;
  ntp::parallel_for(64, 1, [&](std::size_t, std::size_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::lock_guard<std::mutex> lock(mu);
    ids.insert(std::this_thread::get_id());
  });
  return ids.size();
}

}  // namespace

TEST_CASE(set_thread_count_grows_shrinks_and_resets) {
  CHECK(ntp::set_thread_count(3) == 3);
  CHECK(ntp::thread_count() == 3);
  CHECK(threads_used() <= 3);
  CHECK(threads_used() >= 2);  // 64 chunks of 2 ms: more than the caller takes part
  CHECK(ntp::set_thread_count(1) == 1);
  CHECK(threads_used() == 1);
  CHECK(ntp::set_thread_count(5) == 5);
  CHECK(threads_used() <= 5);
  const std::size_t fallback = ntp::set_thread_count(0);
  CHECK(fallback >= 1);
  CHECK(ntp::thread_count() == fallback);
}

TEST_CASE(sums_are_complete_at_every_size) {
  for (std::size_t n : {1, 2, 4, 1}) {
    ntp::set_thread_count(n);
    std::atomic<std::size_t> sum{0};
    ntp::parallel_for(10000, 7, [&](std::size_t b, std::size_t e) {
      std::size_t s = 0;
      for (std::size_t i = b; i < e; ++i) s += i;
      sum += s;
    });
    CHECK(sum.load() == 10000 * 9999 / 2);
  }
}

NTP_TEST_MAIN

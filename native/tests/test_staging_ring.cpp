// The staging ring's bookkeeping (core/nn/staging_ring.h) against a simulated in-order stream:
// no region is overwritten before the copy reading it has run, whatever the sizes, wraps and
// device lag, and waits happen only when the ring is really full.
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include "../core/nn/staging_ring.h"
#include "check.h"

namespace {

// A stream that runs queued copies in order when told to: the fence of a copy is its ticket.
struct Stream {
  struct Copy { uint64_t ticket; std::size_t offset, bytes; };
  std::deque<Copy> queue;
  uint64_t completed = 0;
  std::vector<uint64_t>* ring = nullptr;  // one ticket per byte: which upload's data it holds
  int corrupted = 0;

  void run_one() {
    const Copy c = queue.front();
    queue.pop_front();
    for (std::size_t i = 0; i < c.bytes; ++i)
      if ((*ring)[c.offset + i] != c.ticket) ++corrupted;  // the source was overwritten first
    completed = c.ticket;
  }
  void run_through(uint64_t ticket) {
    while (completed < ticket) run_one();
  }
};

}  // namespace

TEST_CASE(no_region_is_overwritten_before_its_copy_runs) {
  std::mt19937_64 rng(7);
  for (const std::size_t capacity : {std::size_t{4096}, std::size_t{1} << 16}) {
    ntp::StagingRing<uint64_t> ring(capacity);
    std::vector<uint64_t> bytes(ring.capacity(), 0);
    Stream s;
    s.ring = &bytes;
    int waits = 0, recycled = 0;
    uint64_t ticket = 0;
    for (int k = 0; k < 20000; ++k) {
      const std::size_t n = rng() % 4 == 0 ? 1 + rng() % ring.capacity() : 1 + rng() % 300;
      const std::size_t at = ring.claim(
          n, [&](uint64_t f) { return f <= s.completed; }, [&](uint64_t f) { ++waits; s.run_through(f); },
          [&](uint64_t) { ++recycled; });
      CHECK(at + n <= ring.capacity());
      CHECK(at % ring.kAlign == 0);
      ++ticket;
      for (std::size_t i = 0; i < n; ++i) bytes[at + i] = ticket;
      s.queue.push_back({ticket, at, n});
      ring.queued(ticket);
      // The device runs 0..3 of the queued copies meanwhile.
      for (int r = static_cast<int>(rng() % 4); r > 0 && !s.queue.empty(); --r) s.run_one();
    }
    ring.drain([&](uint64_t f) { s.run_through(f); }, [&](uint64_t) { ++recycled; });
    CHECK(s.corrupted == 0);
    CHECK(s.queue.empty());
    CHECK(ring.in_flight() == 0);
    CHECK(recycled == 20000);  // every fence handed back exactly once
    CHECK(waits > 0);          // the simulated lag did fill the ring
  }
}

TEST_CASE(claims_wait_only_when_the_ring_is_full) {
  ntp::StagingRing<int> ring(1024);
  int waits = 0;
  auto never = [](int) { return false; };
  auto wait = [&](int) { ++waits; };
  auto keep = [](int) {};
  for (int k = 0; k < 16; ++k) {  // 16 regions of 64 bytes fill 1024 exactly
    CHECK(ring.claim(10, never, wait, keep) == static_cast<std::size_t>(64 * k));
    ring.queued(k);
  }
  CHECK(waits == 0);
  CHECK(ring.in_flight() == 16);
  // The next claim wraps onto the oldest region: one wait, and only that region is dropped.
  CHECK(ring.claim(64, never, wait, keep) == 0);
  CHECK(waits == 1);
  CHECK(ring.in_flight() == 15);
  ring.queued(16);
  // A region whose fence is done is dropped without a wait.
  CHECK(ring.claim(64, [](int f) { return f <= 1; }, wait, keep) == 64);
  CHECK(waits == 1);
}

TEST_CASE(at_most_max_regions_are_tracked) {
  ntp::StagingRing<int> ring(1 << 20, 8);
  int waits = 0, last_waited = -1;
  for (int k = 0; k < 20; ++k) {
    ring.claim(1, [](int) { return false; }, [&](int f) { ++waits; last_waited = f; }, [](int) {});
    ring.queued(k);
    CHECK(ring.in_flight() <= 8);
  }
  CHECK(waits == 12);          // one per claim past the eighth, on the oldest region
  CHECK(last_waited == 11);
  CHECK_THROWS(ntp::StagingRing<int>(1024, 0));
}

TEST_CASE(claims_outside_the_ring_are_refused) {
  ntp::StagingRing<int> ring(1000);  // rounded down to whole regions
  CHECK(ring.capacity() == 960);
  auto done = [](int) { return true; };
  auto none = [](int) {};
  CHECK_THROWS(ring.claim(0, done, none, none));
  CHECK_THROWS(ring.claim(961, done, none, none));
  CHECK(ring.claim(960, done, none, none) == 0);
  CHECK_THROWS(ntp::StagingRing<int>(10));
}

NTP_TEST_MAIN

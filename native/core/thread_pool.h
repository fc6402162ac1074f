// A small fixed pool of worker threads sized to the machine, shared by every CPU kernel.
// Kernels call parallel_for; nested calls from inside a worker run inline (no deadlock).
#pragma once
#include <cstddef>
#include <functional>

namespace ntp {

// Number of threads kernels may use: set_thread_count's, else NTP_THREADS (read once, when the
// pool starts), else hardware_concurrency.
std::size_t thread_count();

// Sets the pool's thread count (the calling thread included) for the kernels that start after
// it; 0 restores the default above. Waits for a running kernel; grows the pool when needed, and
// a smaller count leaves the extra threads idle. Returns the count now in effect.
std::size_t set_thread_count(std::size_t n);

// Runs body(begin, end) over [0, n) split into contiguous chunks of at least min_chunk items
// (at most chunks_per_thread per thread), in parallel on the pool; returns when all chunks are
// done. Threads take chunks in order as they finish, so more chunks balance items of uneven
// cost. Exceptions in a chunk are rethrown on the calling thread (the first one wins).
void parallel_for(std::size_t n, std::size_t min_chunk,
                  const std::function<void(std::size_t, std::size_t)>& body,
                  std::size_t chunks_per_thread = 4);

}  // namespace ntp

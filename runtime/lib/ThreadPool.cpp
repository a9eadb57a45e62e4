//===- ThreadPool.cpp - persistent worker threads for the CPU executor ----===//
//
// A job is published under a mutex with a generation counter; workers whose
// id is below the job's participant count take items from an atomic counter
// and the last one to finish wakes the caller. Workers are POSIX threads
// started with pthread_create, which reports failure instead of throwing.
// Concurrent callers do not queue: a caller that finds the pool busy runs its
// items itself, which gives the same results (items are independent of the
// thread that runs them).
//
//===----------------------------------------------------------------------===//

#include "ThreadPool.h"

#include "Stack.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <new>
#include <pthread.h>

using namespace lds;

namespace {

struct Job {
  ThreadPool::Body body;
  void *context;
  int64_t n;
  int participants; // worker ids [0, participants) take part; 0 = caller
  std::atomic<int64_t> next{0};
  std::atomic<int> remaining{0}; // pool workers still running items
};

void drain(Job &job, int worker) {
  for (;;) {
    int64_t i = job.next.fetch_add(1, std::memory_order_relaxed);
    if (i >= job.n)
      return;
    job.body(job.context, i, worker);
  }
}

void runInline(int64_t n, ThreadPool::Body body, void *context) {
  for (int64_t i = 0; i < n; ++i)
    body(context, i, 0);
}

} // namespace

struct ThreadPool::Impl {
  std::mutex submit; // one job at a time
  std::mutex m;      // guards generation, job
  std::condition_variable wake, done;
  uint64_t generation = 0;
  Job *job = nullptr;
  int numWorkers = 0; // started workers have ids 1..numWorkers

  struct Start {
    Impl *impl;
    int id;
  };

  static void *workerMain(void *arg) {
    Start start = *static_cast<Start *>(arg);
    delete static_cast<Start *>(arg);
    start.impl->loop(start.id);
    return nullptr;
  }

  void loop(int id) {
    uint64_t seen = 0;
    for (;;) {
      Job *j;
      {
        std::unique_lock<std::mutex> lock(m);
        wake.wait(lock, [&] { return generation != seen; });
        seen = generation;
        // A job is only read under the lock here: a worker that does not
        // take part may wake after the job (on the caller's stack) is gone.
        j = job && id < job->participants ? job : nullptr;
      }
      if (!j)
        continue;
      drain(*j, id);
      if (j->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(m);
        done.notify_all();
      }
    }
  }

  /// Starts workers until `want` exist or one fails to start; returns how
  /// many exist. Called with `submit` held.
  int grow(int want) {
    while (numWorkers < want) {
      Start *start = new (std::nothrow) Start{this, numWorkers + 1};
      if (!start)
        break;
      pthread_attr_t attr;
      if (pthread_attr_init(&attr) != 0) {
        delete start;
        break;
      }
      pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
      // The kernels' frames (lds_model::stack_bytes) need more than the 2 MiB
      // glibc gives a thread when `ulimit -s` is unlimited.
      size_t stack = 0;
      if (pthread_attr_getstacksize(&attr, &stack) == 0 &&
          stack < size_t(kWorkerStackBytes))
        pthread_attr_setstacksize(&attr, size_t(kWorkerStackBytes));
      pthread_t thread;
      int rc = pthread_create(&thread, &attr, &Impl::workerMain, start);
      pthread_attr_destroy(&attr);
      if (rc != 0) {
        delete start;
        break;
      }
      ++numWorkers;
    }
    return numWorkers < want ? numWorkers : want;
  }
};

ThreadPool &ThreadPool::global() {
  // Leaked on purpose: joining sleeping workers at exit gains nothing and
  // risks hanging a process that exits from inside a solve.
  static ThreadPool *pool = [] {
    ThreadPool *p = new (std::nothrow) ThreadPool();
    if (p)
      p->impl = new (std::nothrow) Impl();
    return p;
  }();
  static ThreadPool fallback; // no impl: everything runs on the caller
  return pool ? *pool : fallback;
}

void ThreadPool::run(int64_t n, int threads, Body body, void *context) {
  if (n <= 0)
    return;
  if (threads > kMaxThreads)
    threads = kMaxThreads;
  if (threads > n)
    threads = static_cast<int>(n);
  if (threads <= 1 || !impl)
    return runInline(n, body, context);

  std::unique_lock<std::mutex> submit(impl->submit, std::try_to_lock);
  if (!submit.owns_lock())
    return runInline(n, body, context);
  int helpers = impl->grow(threads - 1);
  if (helpers == 0)
    return runInline(n, body, context);

  Job job;
  job.body = body;
  job.context = context;
  job.n = n;
  job.participants = helpers + 1;
  job.remaining.store(helpers, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(impl->m);
    impl->job = &job;
    ++impl->generation;
  }
  impl->wake.notify_all();
  drain(job, 0);
  std::unique_lock<std::mutex> lock(impl->m);
  impl->done.wait(
      lock, [&] { return job.remaining.load(std::memory_order_acquire) == 0; });
  impl->job = nullptr;
}

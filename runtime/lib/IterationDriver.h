//===- IterationDriver.h - fronts, fallbacks and the cost guard -*- C++ -*-===//
//
// The device-independent half of lds_solve; see IterationDriver.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_RUNTIME_ITERATIONDRIVER_H
#define LDS_RUNTIME_ITERATIONDRIVER_H

#include "Executor.h"

namespace lds {

/// Solves `p` on `ex` with `solver` (resolved: not AUTO): one sequential
/// pass, or fixed-point iterations of at most `maxIters` per sequence from
/// `initialGuess` (nullptr: x0 repeated) with the sliding window, fallbacks
/// and the cost guard. Fills `stats` but for `seconds` and `device`.
lds_status runIterationDriver(const Problem &p, Executor &ex, lds_solver solver,
                              int64_t maxIters, const void *initialGuess,
                              lds_stats &stats);

} // namespace lds

#endif // LDS_RUNTIME_ITERATIONDRIVER_H

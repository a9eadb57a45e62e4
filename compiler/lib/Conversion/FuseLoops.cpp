//===- FuseLoops.cpp - one loop nest for a chain of elementwise ops -------===//
//
// lds-lower-to-loops fills one buffer per tensor value, each with its own
// loop nest, so `a * h + (1 - a) * tanh(w * h + x + b)` at D = 64 makes eight
// passes over eight D-vectors. On the CPU that is eight trips through L1; on
// the GPU every buffer is a per-thread array in local memory (device memory
// behind the caches), which is what the elementwise kernels would spend their
// bandwidth on. Merging the nests of such a chain leaves one pass whose
// intermediates are scalars, and the buffers only the chain read become
// write-only, which lds-lower-to-loops then erases.
//
// Legality is the classic one for fusing two loops with the same iteration
// space: a nest may move into the next when, for every buffer either writes,
// all accesses of both go to the element at the nest's own indices. Then
// iteration i of the merged body sees exactly what iteration i of the second
// nest saw before: the first nest's element i (already written) and nothing
// the first nest's later iterations would change.
//
//===----------------------------------------------------------------------===//

#include "FuseLoops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;

namespace {
/// A perfect nest of scf.for loops from 0 by 1 to constant bounds: each loop
/// but the innermost holds only the next one.
struct Nest {
  SmallVector<scf::ForOp> loops; // outermost first
  SmallVector<int64_t> bounds;

  /// The innermost loop's trip count: what decides whether LLVM unrolls
  /// a nest completely.
  int64_t innerIterations() const { return bounds.back(); }
  /// A 1-D loop with results: a reduction folding its elements.
  bool reduces() const { return scf::ForOp(loops.front()).getNumResults(); }
  Block *body() const { return scf::ForOp(loops.back()).getBody(); }
  SmallVector<Value> ivs() const {
    SmallVector<Value> ivs;
    for (scf::ForOp loop : loops)
      ivs.push_back(loop.getInductionVar());
    return ivs;
  }
};

/// One load or store of a nest: its buffer, whether it writes, and whether
/// it indexes exactly the nest's induction variables.
struct Access {
  Value buffer;
  bool write;
  bool atOwnIndex;
};
} // namespace

static bool isZeroToBoundByOne(scf::ForOp loop, int64_t &bound) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  if (!lb || !step || !ub || *lb != 0 || *step != 1)
    return false;
  bound = *ub;
  return true;
}

/// The nest `outer` heads, if it is one this file can merge; only a 1-D
/// loop may have results (a reduction folding its elements).
static std::optional<Nest> nestAt(scf::ForOp outer) {
  Nest nest;
  scf::ForOp loop = outer;
  while (true) {
    int64_t bound;
    if (!loop.getInductionVar().getType().isIndex() ||
        !isZeroToBoundByOne(loop, bound))
      return std::nullopt;
    nest.loops.push_back(loop);
    nest.bounds.push_back(bound);
    Block *body = loop.getBody();
    // Descend while the body is exactly one loop (and its terminator).
    auto inner = dyn_cast<scf::ForOp>(body->front());
    if (!inner || inner.getNumResults() != 0 ||
        &body->front() != body->getTerminator()->getPrevNode())
      break;
    loop = inner;
  }
  if (outer.getNumResults() != 0 && nest.loops.size() != 1)
    return std::nullopt;
  return nest;
}

static bool sameIndices(ValueRange indices, ArrayRef<Value> ivs) {
  return llvm::equal(indices, ivs);
}

/// Appends the loads and stores of `block` (and of the loops nested in it,
/// which may only load) to `out`; false when the block holds anything else
/// with an effect on memory, or regions other than loops.
static bool collectAccesses(Block &block, ArrayRef<Value> ivs, bool top,
                            SmallVectorImpl<Access> &out) {
  for (Operation &op : block) {
    if (isa<scf::YieldOp>(op))
      continue;
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      out.push_back({load.getMemRef(), false,
                     top && sameIndices(load.getIndices(), ivs)});
      continue;
    }
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      if (!top)
        return false;
      out.push_back(
          {store.getMemRef(), true, sameIndices(store.getIndices(), ivs)});
      continue;
    }
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      if (!collectAccesses(*loop.getBody(), ivs, /*top=*/false, out))
        return false;
      continue;
    }
    if (op.getNumRegions() != 0 || !isMemoryEffectFree(&op))
      return false;
  }
  return true;
}

/// Whether every buffer written is a fresh allocation that nothing views
/// (a view would be a second name for its elements that the checks below,
/// which compare buffers by value, would not see).
static bool writesOnlyFreshBuffers(ArrayRef<Access> accesses) {
  return llvm::all_of(accesses, [](const Access &a) {
    if (!a.write)
      return true;
    Operation *def = a.buffer.getDefiningOp();
    return def && isa<memref::AllocaOp, memref::AllocOp>(def) &&
           llvm::none_of(a.buffer.getUsers(), [](Operation *user) {
             return isa<ViewLikeOpInterface>(user);
           });
  });
}

/// Whether `first` may move into `second`: see the file comment. In a
/// function whose work lds-distribute-over-block splits over a thread block
/// (`cooperative`), a reduction, which every thread runs whole, absorbs
/// nothing: the nest's work would no longer be split.
static bool mayMerge(const Nest &first, const Nest &second, bool cooperative) {
  if ((cooperative && second.reduces()) || first.reduces() ||
      first.bounds != second.bounds)
    return false;
  SmallVector<Access> accesses;
  if (!collectAccesses(*first.body(), first.ivs(), true, accesses) ||
      !collectAccesses(*second.body(), second.ivs(), true, accesses) ||
      !writesOnlyFreshBuffers(accesses))
    return false;
  llvm::SmallPtrSet<Value, 8> written;
  for (const Access &a : accesses)
    if (a.write)
      written.insert(a.buffer);
  if (!llvm::all_of(accesses, [&](const Access &a) {
        return a.atOwnIndex || !written.contains(a.buffer);
      }))
    return false;
  // A reduction keeps no stores: what `first` writes must be read by the two
  // nests alone, so that forwarding leaves its buffers write-only.
  if (!second.reduces())
    return true;
  Operation *a = first.loops.front(), *b = second.loops.front();
  return llvm::all_of(written, [&](Value buffer) {
    return llvm::all_of(buffer.getUsers(), [&](Operation *user) {
      return a->isAncestor(user) || b->isAncestor(user);
    });
  });
}

/// Moves `first`'s body to the front of `second`'s and erases `first`.
static void merge(const Nest &first, const Nest &second) {
  Block *from = first.body(), *to = second.body();
  for (auto [a, b] : llvm::zip_equal(first.ivs(), second.ivs()))
    a.replaceAllUsesWith(b);
  to->getOperations().splice(to->begin(), from->getOperations(), from->begin(),
                             std::prev(from->end()));
  scf::ForOp(first.loops.front()).erase();
}

/// Replaces each load of the element a store before it in `body` wrote (at
/// the nest's indices) by the stored value.
static void forwardStores(Block &body, ArrayRef<Value> ivs) {
  llvm::DenseMap<Value, Value> stored;
  for (Operation &op : llvm::make_early_inc_range(body)) {
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      if (sameIndices(store.getIndices(), ivs))
        stored[store.getMemRef()] = store.getValueToStore();
      else
        stored.erase(store.getMemRef());
      continue;
    }
    auto load = dyn_cast<memref::LoadOp>(op);
    if (!load || !sameIndices(load.getIndices(), ivs))
      continue;
    auto it = stored.find(load.getMemRef());
    if (it == stored.end())
      continue;
    load.getResult().replaceAllUsesWith(it->second);
    load.erase();
  }
}

static bool isArgument(Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  return arg && isa<func::FuncOp>(arg.getOwner()->getParentOp());
}

/// When the last nest of `func` fills buffers that the copies before the
/// return only move to out-parameters, the nest stores into the
/// out-parameters instead. An out-parameter may be the very buffer of an
/// argument of its type (an in-place step `f(x, ..., x)`, a chunk's running
/// map combined into itself), so the nest may read such arguments only at
/// its own indices, and does so first: every iteration then reads its
/// element of each argument before any iteration has written it, as the
/// copies at the end guaranteed. Returns the number of buffers replaced.
static unsigned storeResultsInPlace(func::FuncOp func, int64_t minIterations) {
  Block &entry = func.getBody().front();
  SmallVector<memref::CopyOp> copies;
  Operation *op = entry.getTerminator()->getPrevNode();
  for (; op; op = op->getPrevNode()) {
    if (auto copy = dyn_cast<memref::CopyOp>(op))
      copies.push_back(copy);
    else if (!isa<arith::ConstantOp>(op))
      break;
  }
  auto loop = dyn_cast_or_null<scf::ForOp>(op);
  if (!loop || loop.getNumResults() != 0 || copies.empty())
    return 0;
  std::optional<Nest> nest = nestAt(loop);
  if (!nest || nest->innerIterations() < minIterations)
    return 0;
  // The copies read buffers (an argument's value could change under them).
  for (memref::CopyOp copy : copies)
    if (!copy.getSource().getDefiningOp<memref::AllocaOp>())
      return 0;
  SmallVector<Value> ivs = nest->ivs();
  SmallVector<Access> accesses;
  llvm::SmallPtrSet<Type, 4> outTypes;
  for (memref::CopyOp copy : copies)
    outTypes.insert(copy.getTarget().getType());
  if (!collectAccesses(*nest->body(), ivs, /*top=*/true, accesses) ||
      llvm::any_of(accesses, [&](const Access &a) {
        return isArgument(a.buffer) &&
               (a.write ||
                (!a.atOwnIndex && outTypes.contains(a.buffer.getType())));
      }))
    return 0;
  Block *body = nest->body();
  unsigned replaced = 0;
  for (memref::CopyOp copy : copies) {
    Value buffer = copy.getSource(), out = copy.getTarget();
    if (!isArgument(out) || buffer.getType() != out.getType())
      continue;
    SmallVector<memref::StoreOp> stores;
    bool onlyStored = llvm::all_of(buffer.getUsers(), [&](Operation *user) {
      if (user == copy)
        return true;
      auto store = dyn_cast<memref::StoreOp>(user);
      if (!store || store->getBlock() != body || store.getMemRef() != buffer ||
          !sameIndices(store.getIndices(), ivs))
        return false;
      stores.push_back(store);
      return true;
    });
    if (!onlyStored)
      continue;
    if (!replaced)
      // The arguments' loads first, before anything is stored: those of the
      // out-parameters' types index by the nest's variables alone; another
      // (a gather's row) may stay where its index is computed.
      for (Operation &inner : llvm::make_early_inc_range(*body))
        if (auto load = dyn_cast<memref::LoadOp>(inner))
          if (isArgument(load.getMemRef()) &&
              llvm::none_of(load->getOperands(), [&](Value v) {
                return v.getParentBlock() == body && !isa<BlockArgument>(v);
              }))
            load->moveBefore(body, body->begin());
    for (memref::StoreOp store : stores)
      store.getMemrefMutable().assign(out);
    Operation *alloca = buffer.getDefiningOp();
    copy.erase();
    alloca->erase();
    ++replaced;
  }
  return replaced;
}

/// Above this many nests too short to merge, a function merges them all.
/// LLVM unrolls short loops completely only in small functions; in a large
/// one they stay rolled (lds::optimizeModule), and LLVM's loop passes
/// (rotation, induction-variable simplification, vectorisation) take time
/// quadratic in the number of loops: 2400 loops of 4 iterations took 50 s.
constexpr unsigned kManyShortNests = 256;

/// The number of nests in `func`'s entry block whose innermost loop runs
/// fewer than `minIterations` times.
static unsigned countShortNests(func::FuncOp func, int64_t minIterations) {
  unsigned count = 0;
  for (auto loop : func.getBody().front().getOps<scf::ForOp>())
    if (std::optional<Nest> nest = nestAt(loop))
      count += nest->innerIterations() < minIterations;
  return count;
}

unsigned lds::fuseLoopNests(func::FuncOp func, int64_t minIterations,
                            bool storeInPlace) {
  if (func.isExternal())
    return 0;
  if (countShortNests(func, minIterations) > kManyShortNests)
    minIterations = 1;
  bool cooperative = func->hasAttr("lds.cooperative");
  unsigned merges = 0;
  std::optional<Nest> previous;
  SmallVector<Nest> merged;
  for (Operation &op : llvm::make_early_inc_range(func.getBody().front())) {
    auto loop = dyn_cast<scf::ForOp>(op);
    if (!loop) {
      // Constants between nests stay where they are; anything touching
      // memory is a fence.
      if (op.getNumRegions() != 0 || !isMemoryEffectFree(&op))
        previous.reset();
      continue;
    }
    std::optional<Nest> nest = nestAt(loop);
    if (nest && nest->innerIterations() < minIterations)
      nest.reset();
    if (nest && previous && mayMerge(*previous, *nest, cooperative)) {
      merge(*previous, *nest);
      ++merges;
      if (!merged.empty() &&
          merged.back().loops.front() == previous->loops.front())
        merged.pop_back();
      merged.push_back(*nest);
    }
    previous = nest;
  }
  for (const Nest &nest : merged)
    forwardStores(*nest.body(), nest.ivs());
  if (storeInPlace && !cooperative)
    merges += storeResultsInPlace(func, minIterations);
  // Constants nothing uses any more (the erased nests' bounds).
  if (merges)
    for (Operation &op :
         llvm::make_early_inc_range(func.getBody().front().getOperations()))
      if (isa<arith::ConstantOp>(op) && op.use_empty())
        op.erase();
  return merges;
}

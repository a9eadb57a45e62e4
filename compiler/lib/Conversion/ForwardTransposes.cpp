//===- ForwardTransposes.cpp - read transposed params in place ------------===//
//
// grad's reverse pass multiplies by transposed params (Langevin's
// L^T (x - mu)), which lds-lower-to-loops copies into a D x D buffer on the
// CPU: the copy makes a one-sequence mat-vec's rows contiguous. For
// lds-widen-lanes' L sequences the row loop is jammed 8 rows a step and
// each weight is a broadcast scalar, so the copy only costs D^2 loads and
// stores a step; reading the param in place removes it (see
// forwardTransposedCopies).
//
//===----------------------------------------------------------------------===//

#include "ForwardTransposes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/MapVector.h"

using namespace mlir;

namespace {
struct Copy {
  scf::ForOp nest;
  Value source; // P
};
} // namespace

/// Whether `loop` runs from 0 to `n` in steps of 1 and yields nothing.
static bool countsTo(scf::ForOp loop, int64_t n) {
  return loop.getNumResults() == 0 &&
         getConstantIntValue(loop.getLowerBound()) == 0 &&
         getConstantIntValue(loop.getStep()) == 1 &&
         getConstantIntValue(loop.getUpperBound()) == n;
}

/// `outer` as `for i < N { for j < M { T[i, j] = P[j, i] } }`: T (set in
/// `target`) and P, or nullopt.
static std::optional<Copy> asTransposedCopy(scf::ForOp outer, Value &target) {
  Block *body = outer.getBody();
  if (!llvm::hasSingleElement(body->without_terminator()))
    return std::nullopt;
  auto inner = dyn_cast<scf::ForOp>(body->front());
  if (!inner)
    return std::nullopt;
  auto ops = inner.getBody()->without_terminator();
  if (std::distance(ops.begin(), ops.end()) != 2)
    return std::nullopt;
  auto load = dyn_cast<memref::LoadOp>(*ops.begin());
  auto store = dyn_cast<memref::StoreOp>(*std::next(ops.begin()));
  if (!load || !store || store.getValueToStore() != load.getResult())
    return std::nullopt;
  auto targetType = cast<MemRefType>(store.getMemRef().getType());
  if (targetType.getRank() != 2 || !targetType.hasStaticShape() ||
      load.getMemRefType().getRank() != 2)
    return std::nullopt;
  Value i = outer.getInductionVar(), j = inner.getInductionVar();
  if (store.getIndices()[0] != i || store.getIndices()[1] != j ||
      load.getIndices()[0] != j || load.getIndices()[1] != i ||
      !countsTo(outer, targetType.getDimSize(0)) ||
      !countsTo(inner, targetType.getDimSize(1)))
    return std::nullopt;
  target = store.getMemRef();
  return Copy{outer, load.getMemRef()};
}

/// An argument of `func` that is only loaded from.
static bool isReadOnlyArgument(func::FuncOp func, Value value) {
  auto arg = dyn_cast<BlockArgument>(value);
  return arg && arg.getOwner() == &func.getBody().front() &&
         llvm::all_of(arg.getUsers(), [](Operation *user) {
           return isa<memref::LoadOp>(user);
         });
}

unsigned lds::forwardTransposedCopies(func::FuncOp func) {
  if (func.isExternal())
    return 0;
  Block &entry = func.getBody().front();
  llvm::MapVector<Value, SmallVector<Copy>> copiesOf; // T -> in block order
  for (auto loop : entry.getOps<scf::ForOp>()) {
    Value target;
    if (std::optional<Copy> copy = asTransposedCopy(loop, target))
      if (isReadOnlyArgument(func, copy->source))
        copiesOf[target].push_back(*copy);
  }
  unsigned erased = 0;
  for (auto &[target, copies] : copiesOf) {
    // Every use of T is a load, or the store of one of its copies.
    SmallVector<memref::LoadOp> loads;
    bool onlyCopiesAndLoads =
        llvm::all_of(target.getUses(), [&](OpOperand &use) {
          Operation *user = use.getOwner();
          if (auto load = dyn_cast<memref::LoadOp>(user)) {
            loads.push_back(load);
            return true;
          }
          return isa<memref::StoreOp>(user) &&
                 llvm::any_of(copies, [&](const Copy &copy) {
                   return copy.nest->isAncestor(user);
                 });
        });
    if (!onlyCopiesAndLoads)
      continue;
    // Each load reads what the last copy before it wrote; a load before
    // every copy reads no copy, and T is left as it is.
    SmallVector<std::pair<memref::LoadOp, Value>> reads;
    for (memref::LoadOp load : loads) {
      Operation *top = entry.findAncestorOpInBlock(*load);
      Value source;
      for (const Copy &copy : copies)
        if (copy.nest->isBeforeInBlock(top))
          source = copy.source;
      if (!source)
        break;
      reads.push_back({load, source});
    }
    if (reads.size() != loads.size())
      continue;
    for (auto [load, source] : reads) {
      OpBuilder b(load);
      Value in = b.create<memref::LoadOp>(
          load.getLoc(), source,
          ValueRange{load.getIndices()[1], load.getIndices()[0]});
      load.replaceAllUsesWith(in);
      load.erase();
    }
    for (Copy &copy : copies)
      copy.nest.erase();
    erased += copies.size();
    if (Operation *def = target.getDefiningOp();
        def && isa<memref::ViewOp, memref::AllocaOp>(def) && def->use_empty())
      def->erase();
  }
  return erased;
}

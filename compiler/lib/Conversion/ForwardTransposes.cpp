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
#include "ShareBuffers.h"

#include "lds/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/MapVector.h"

namespace lds {
#define GEN_PASS_DEF_LDSROWORDERTRANSPOSES
#include "lds/Conversion/Passes.h.inc"
} // namespace lds

using namespace mlir;

namespace {
struct Copy {
  scf::ForOp nest;
  Value source; // P
};
} // namespace

/// Whether `loop` runs from 0 to `n` in steps of 1 and yields `results`
/// values.
static bool countsTo(scf::ForOp loop, int64_t n, unsigned results = 0) {
  return loop.getNumResults() == results &&
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

/// An argument of `func` that is only loaded from and is not an
/// out-parameter (which the model ABI lets alias the state).
static bool isReadOnlyArgument(func::FuncOp func, Value value) {
  auto arg = dyn_cast<BlockArgument>(value);
  if (!arg || arg.getOwner() != &func.getBody().front())
    return false;
  auto kind = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "lds.kind");
  return !(kind && kind.getValue() == "out") &&
         llvm::all_of(arg.getUsers(), [](Operation *user) {
           return isa<memref::LoadOp>(user);
         });
}

/// Whether `buffer` is the function's own: an alloca or alloc, or a view of
/// a shared byte buffer that is one (lds-lower-to-loops' sharing).
static bool isLocalBuffer(Value buffer) {
  if (auto view = buffer.getDefiningOp<memref::ViewOp>())
    buffer = view.getSource();
  return isa_and_nonnull<memref::AllocaOp, memref::AllocOp>(
      buffer.getDefiningOp());
}

namespace {
/// A buffer T that only transposed copies of read-only arguments write and
/// only loads read.
struct Transposed {
  Value target;
  SmallVector<Copy> copies; // in block order
  SmallVector<memref::LoadOp> loads;

  /// The argument the last copy before `top` (an op of the entry block)
  /// read, or null when no copy comes before it.
  Value sourceBefore(Operation *top) const {
    Value source;
    for (const Copy &copy : copies)
      if (copy.nest->isBeforeInBlock(top))
        source = copy.source;
    return source;
  }

  /// Erases the copies and T's definition, once no load is left.
  void eraseCopies() {
    for (Copy &copy : copies)
      copy.nest.erase();
    if (Operation *def = target.getDefiningOp();
        def && isa<memref::ViewOp, memref::AllocaOp>(def) && def->use_empty())
      def->erase();
  }
};
} // namespace

static SmallVector<Transposed> findTransposed(func::FuncOp func) {
  Block &entry = func.getBody().front();
  llvm::MapVector<Value, SmallVector<Copy>> copiesOf;
  for (auto loop : entry.getOps<scf::ForOp>()) {
    Value target;
    if (std::optional<Copy> copy = asTransposedCopy(loop, target))
      if (isReadOnlyArgument(func, copy->source) && isLocalBuffer(target))
        copiesOf[target].push_back(*copy);
  }
  SmallVector<Transposed> found;
  for (auto &[target, copies] : copiesOf) {
    Transposed t{target, copies, {}};
    bool onlyCopiesAndLoads =
        llvm::all_of(target.getUses(), [&](OpOperand &use) {
          Operation *user = use.getOwner();
          if (auto load = dyn_cast<memref::LoadOp>(user)) {
            t.loads.push_back(load);
            return true;
          }
          return isa<memref::StoreOp>(user) &&
                 llvm::any_of(copies, [&](const Copy &copy) {
                   return copy.nest->isAncestor(user);
                 });
        });
    if (onlyCopiesAndLoads)
      found.push_back(std::move(t));
  }
  return found;
}

unsigned lds::forwardTransposedCopies(func::FuncOp func) {
  if (func.isExternal())
    return 0;
  Block &entry = func.getBody().front();
  unsigned erased = 0;
  for (Transposed &t : findTransposed(func)) {
    // Each load reads what the last copy before it wrote; a load before
    // every copy reads no copy, and T is left as it is.
    SmallVector<std::pair<memref::LoadOp, Value>> reads;
    for (memref::LoadOp load : t.loads) {
      Value source = t.sourceBefore(entry.findAncestorOpInBlock(*load));
      if (!source)
        break;
      reads.push_back({load, source});
    }
    if (reads.size() != t.loads.size())
      continue;
    for (auto [load, source] : reads) {
      OpBuilder b(load);
      Value in = b.create<memref::LoadOp>(
          load.getLoc(), source,
          ValueRange{load.getIndices()[1], load.getIndices()[0]});
      load.replaceAllUsesWith(in);
      load.erase();
    }
    erased += t.copies.size();
    t.eraseCopies();
  }
  return erased;
}

namespace {
/// `sum_k T[i, k] * V[k]` as lds-lower-to-loops writes it: a loop
/// `for k < K iter_args(acc = 0)` of `acc + T[i, k] * V[k]`, directly in the
/// row loop `for i < N` (a top-level op), V not written in the row loop.
struct RowSum {
  scf::ForOp rows, sum;
  Value vector;   // V
  FloatAttr zero; // the sum's initial 0
};
} // namespace

static std::optional<RowSum> asRowSum(memref::LoadOp load, Block &entry) {
  auto sum = dyn_cast<scf::ForOp>(load->getParentOp());
  if (!sum || sum.getNumRegionIterArgs() != 1)
    return std::nullopt;
  auto rows = dyn_cast<scf::ForOp>(sum->getParentOp());
  if (!rows || rows->getBlock() != &entry)
    return std::nullopt;
  auto type = cast<MemRefType>(load.getMemRef().getType());
  if (load.getIndices()[0] != rows.getInductionVar() ||
      load.getIndices()[1] != sum.getInductionVar() ||
      !countsTo(rows, type.getDimSize(0)) ||
      !countsTo(sum, type.getDimSize(1), /*results=*/1))
    return std::nullopt;
  auto init = sum.getInitArgs()[0].getDefiningOp<arith::ConstantOp>();
  auto zero = init ? dyn_cast<FloatAttr>(init.getValue()) : FloatAttr();
  if (!zero || !zero.getValue().isZero())
    return std::nullopt;
  // The body: w = T[i, k]; v = V[k]; m = w * v; yield acc + m.
  auto ops = sum.getBody()->without_terminator();
  if (std::distance(ops.begin(), ops.end()) != 4)
    return std::nullopt;
  auto it = ops.begin();
  auto first = dyn_cast<memref::LoadOp>(*it++);
  auto second = dyn_cast<memref::LoadOp>(*it++);
  auto mul = dyn_cast<arith::MulFOp>(*it++);
  auto add = dyn_cast<arith::AddFOp>(*it++);
  if (!first || !second || !mul || !add)
    return std::nullopt;
  memref::LoadOp other = first == load    ? second
                         : second == load ? first
                                          : nullptr;
  Value acc = sum.getRegionIterArgs()[0];
  auto yield = cast<scf::YieldOp>(sum.getBody()->getTerminator());
  if (!other || other.getIndices().size() != 1 ||
      other.getIndices()[0] != sum.getInductionVar() ||
      !llvm::is_contained({mul.getLhs(), mul.getRhs()}, load.getResult()) ||
      !llvm::is_contained({mul.getLhs(), mul.getRhs()}, other.getResult()) ||
      !llvm::is_contained({add.getLhs(), add.getRhs()}, acc) ||
      !llvm::is_contained({add.getLhs(), add.getRhs()}, mul.getResult()) ||
      yield.getOperand(0) != add.getResult() || !acc.hasOneUse())
    return std::nullopt;
  // V is read before the row loop instead: it must exist there, and
  // nothing in the row loop may write it, through an alias either (any
  // argument, where V is one: an out-parameter may alias the state).
  Value vector = other.getMemRef();
  if (Operation *def = vector.getDefiningOp(); def && rows->isAncestor(def))
    return std::nullopt;
  Value buffer = lds::rootBuffer(vector);
  bool isArgument = isa<BlockArgument>(buffer);
  WalkResult written = rows.walk([&](Operation *op) {
    if (isa<memref::LoadOp>(op))
      return WalkResult::advance();
    if (isa<CallOpInterface>(op))
      return WalkResult::interrupt();
    for (Value operand : op->getOperands()) {
      if (!isa<BaseMemRefType>(operand.getType()))
        continue;
      Value other = lds::rootBuffer(operand);
      if (other == buffer || (isArgument && isa<BlockArgument>(other)))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (written.wasInterrupted())
    return std::nullopt;
  return RowSum{rows, sum, vector, zero};
}

unsigned lds::rowOrderTransposedMatVecs(func::FuncOp func) {
  if (func.isExternal())
    return 0;
  Block &entry = func.getBody().front();
  unsigned rewritten = 0;
  for (Transposed &t : findTransposed(func)) {
    SmallVector<std::pair<RowSum, Value>> sums;
    for (memref::LoadOp load : t.loads) {
      std::optional<RowSum> sum = asRowSum(load, entry);
      Value source = sum ? t.sourceBefore(sum->rows) : Value();
      if (!source)
        break;
      sums.push_back({*sum, source});
    }
    if (sums.size() != t.loads.size())
      continue;
    for (auto [sum, source] : sums) {
      // Before the row loop, in row order: S = 0, then S[i] += P[k, i] V[k].
      Location loc = sum.rows.getLoc();
      auto type = cast<MemRefType>(t.target.getType());
      Type elementType = type.getElementType();
      OpBuilder b = OpBuilder::atBlockBegin(&entry);
      Value s = b.create<memref::AllocaOp>(
          loc, MemRefType::get({type.getDimSize(0)}, elementType));
      b.setInsertionPoint(sum.rows);
      Value c0 = b.create<arith::ConstantIndexOp>(loc, 0);
      Value c1 = b.create<arith::ConstantIndexOp>(loc, 1);
      Value n = b.create<arith::ConstantIndexOp>(loc, type.getDimSize(0));
      Value k = b.create<arith::ConstantIndexOp>(loc, type.getDimSize(1));
      // The sum's 0, made here: the row loop may hold its constant.
      Value zero = b.create<arith::ConstantOp>(loc, sum.zero);
      b.create<scf::ForOp>(loc, c0, n, c1, ValueRange(),
                           [&](OpBuilder &ib, Location l, Value i, ValueRange) {
                             ib.create<memref::StoreOp>(l, zero, s, i);
                             ib.create<scf::YieldOp>(l);
                           });
      b.create<scf::ForOp>(
          loc, c0, k, c1, ValueRange(),
          [&](OpBuilder &kb, Location l, Value kv, ValueRange) {
            Value v = kb.create<memref::LoadOp>(l, sum.vector, kv);
            kb.create<scf::ForOp>(
                l, c0, n, c1, ValueRange(),
                [&](OpBuilder &ib, Location il, Value i, ValueRange) {
                  Value w =
                      ib.create<memref::LoadOp>(il, source, ValueRange{kv, i});
                  Value m = ib.create<arith::MulFOp>(il, w, v);
                  Value old = ib.create<memref::LoadOp>(il, s, i);
                  Value next = ib.create<arith::AddFOp>(il, old, m);
                  ib.create<memref::StoreOp>(il, next, s, i);
                  ib.create<scf::YieldOp>(il);
                });
            kb.create<scf::YieldOp>(l);
          });
      // In the row loop, the sum is S[i].
      b.setInsertionPoint(sum.sum);
      Value row = b.create<memref::LoadOp>(loc, s, sum.rows.getInductionVar());
      sum.sum.getResult(0).replaceAllUsesWith(row);
      sum.sum.erase();
    }
    rewritten += sums.size();
    t.eraseCopies();
  }
  return rewritten;
}

namespace {
struct RowOrderTransposesPass
    : public lds::impl::LDSRowOrderTransposesBase<RowOrderTransposesPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func->hasAttr("lds.lanes") && !func->hasAttr("lds.cooperative"))
        lds::rowOrderTransposedMatVecs(func);
  }
};
} // namespace

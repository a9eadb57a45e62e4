//===- LimitStack.cpp - a bounded stack frame on the CPU ------------------===//
//
// lds-limit-stack (Passes.td): a function's largest stack buffers go to one
// heap block until the rest fit the limit. It runs last among the CPU
// pipeline's buffer passes (after lds-widen-lanes and
// lds-row-order-transposes), so it sees the buffers that are left.
//
//===----------------------------------------------------------------------===//

#include "lds/Conversion/Passes.h"

#include "ShareBuffers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/Support/MathExtras.h"

namespace lds {
#define GEN_PASS_DEF_LDSLIMITSTACK
#include "lds/Conversion/Passes.h.inc"
} // namespace lds

using namespace mlir;
using lds::bufferBytes;

/// Moves `buffers` (plain allocas of `func`'s entry block, isPlainBuffer)
/// to the heap: one 64-byte aligned byte buffer (memref.alloc) that each
/// views at its own offset, freed before every return (after the copies into
/// the out-parameters, which ReturnLowering put just before it). One block
/// rather than one per buffer: glibc keeps a freed block of the size it last
/// had to map for the next call, but trims the heap back when several are
/// freed together, and the next call then faults every page in again
/// (Langevin's quasi-Newton at D = 512: 5.6 s against 3.7 s).
static void moveToHeap(func::FuncOp func,
                       MutableArrayRef<memref::AllocaOp> buffers) {
  if (buffers.empty())
    return;
  constexpr int64_t kAlign = 64;
  SmallVector<int64_t> offsets;
  int64_t total = 0;
  for (memref::AllocaOp alloca : buffers) {
    offsets.push_back(total);
    total += llvm::alignTo(bufferBytes(alloca.getType()), kAlign);
  }
  Block &entry = func.getBody().front();
  OpBuilder builder = OpBuilder::atBlockBegin(&entry);
  Location loc = buffers.front().getLoc();
  Value heap = builder.create<memref::AllocOp>(
      loc, MemRefType::get({total}, builder.getI8Type()), ValueRange(),
      ValueRange(), builder.getI64IntegerAttr(kAlign));
  for (auto [alloca, offset] : llvm::zip(buffers, offsets)) {
    builder.setInsertionPoint(alloca);
    Value at = builder.create<arith::ConstantIndexOp>(alloca.getLoc(), offset);
    // The views of a shared byte buffer (shareStackBuffers) view the heap
    // block directly, at the buffer's offset plus their own, rather than a
    // view of a view.
    for (Operation *user : llvm::make_early_inc_range(alloca->getUsers())) {
      auto view = dyn_cast<memref::ViewOp>(user);
      if (!view || view.getSource() != alloca.getResult())
        continue;
      builder.setInsertionPoint(view);
      Value shifted =
          builder.create<arith::AddIOp>(view.getLoc(), at, view.getByteShift());
      view.getSourceMutable().set(heap);
      view.getByteShiftMutable().set(shifted);
    }
    if (!alloca->use_empty()) {
      builder.setInsertionPoint(alloca);
      Value view = builder.create<memref::ViewOp>(
          alloca.getLoc(), alloca.getType(), heap, at, ValueRange());
      alloca.replaceAllUsesWith(view);
    }
    alloca.erase();
  }
  func.walk([&](func::ReturnOp ret) {
    builder.setInsertionPoint(ret);
    builder.create<memref::DeallocOp>(ret.getLoc(), heap);
  });
}

/// Keeps `func`'s stack buffers (after sharing) within `maxStackBytes` in
/// all: the largest go to the heap until the rest fit. A stack frame is
/// bounded by the calling thread's stack (8 MiB for a Linux main thread,
/// often less for others): Langevin at D = 2048 had 32 MiB for f (grad
/// copies each D x D precision matrix transposed) and 370 MiB for Newton's
/// element. A heap buffer costs a malloc and a free a call, which only
/// buffers this large amortise. `maxStackBytes <= 0` disables. Left alone:
/// the functions tagged `lds.cooperative` (lds-distribute-over-block puts
/// their buffers in the block's scratch) and those with `lds.lanes`
/// (lds-widen-lanes caps their stack itself).
static void limitStack(func::FuncOp func, int64_t maxStackBytes) {
  if (maxStackBytes <= 0 || func.isExternal() ||
      func->hasAttr("lds.cooperative") || func->hasAttr("lds.lanes"))
    return;
  SmallVector<std::pair<int64_t, memref::AllocaOp>> buffers;
  int64_t total = 0;
  for (auto alloca : func.getBody().front().getOps<memref::AllocaOp>()) {
    if (!alloca.getType().hasStaticShape())
      continue;
    int64_t bytes = bufferBytes(alloca.getType());
    total += bytes;
    if (lds::isPlainBuffer(alloca.getType()))
      buffers.push_back({bytes, alloca});
  }
  llvm::stable_sort(
      buffers, [](const auto &a, const auto &b) { return a.first > b.first; });
  SmallVector<memref::AllocaOp> moved;
  for (auto [bytes, alloca] : buffers) {
    if (total <= maxStackBytes)
      break;
    moved.push_back(alloca);
    total -= bytes;
  }
  moveToHeap(func, moved);
}

namespace {
struct LimitStackPass : public lds::impl::LDSLimitStackBase<LimitStackPass> {
  using LDSLimitStackBase::LDSLimitStackBase;

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal()) {
        lds::shrinkSharedBuffers(func);
        limitStack(func, maxStackBytes);
      }
  }
};
} // namespace

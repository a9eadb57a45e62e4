//===- LimitStack.cpp - a bounded stack frame on the CPU ------------------===//
//
// lds-limit-stack (Passes.td): a function's largest stack buffers go to one
// heap block until the rest fit the limit. It runs last among the CPU
// pipeline's buffer passes (after lds-widen-lanes and
// lds-row-order-transposes), so it sees the buffers that are left.
//
//===----------------------------------------------------------------------===//

#include "lds/Conversion/LowerToLLVM.h"
#include "lds/Conversion/Passes.h"

#include "ShareBuffers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/MathExtras.h"

namespace lds {
#define GEN_PASS_DEF_LDSLIMITSTACK
#include "lds/Conversion/Passes.h.inc"
} // namespace lds

using namespace mlir;
using lds::bufferBytes;

/// The module's alloc-failure hook (model_abi.h, alloc_failure_hook): a
/// pointer, NULL until the runtime sets it, to a function of the bytes that
/// could not be allocated.
static LLVM::GlobalOp allocFailureHook(ModuleOp module) {
  if (auto global = module.lookupSymbol<LLVM::GlobalOp>(lds::kAllocFailureHook))
    return global;
  OpBuilder builder = OpBuilder::atBlockBegin(module.getBody());
  Location loc = module.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(module.getContext());
  auto global = builder.create<LLVM::GlobalOp>(
      loc, ptr, /*isConstant=*/false, LLVM::Linkage::Internal,
      lds::kAllocFailureHook, Attribute(), /*alignment=*/8);
  builder.setInsertionPointToStart(
      &global.getInitializerRegion().emplaceBlock());
  builder.create<LLVM::ReturnOp>(
      loc, builder.create<LLVM::ZeroOp>(loc, ptr).getResult());
  return global;
}

/// Runs the rest of `func`'s body (a single block, after `heap`) only if
/// `heap` was allocated: otherwise the function calls the module's
/// alloc-failure hook, if set, with `bytes` and returns at once (zeros for
/// its results), for the runtime to report LDS_ERR_OUT_OF_MEMORY rather
/// than fault. The operand-less allocas stay in the entry block, ahead of the
/// branch, so that LLVM still sees static stack slots. Returns false (and
/// changes nothing) where a result has no zero value.
static bool guardAllocation(func::FuncOp func, memref::AllocOp heap,
                            int64_t bytes) {
  Block &entry = func.getBody().front();
  auto ret = dyn_cast<func::ReturnOp>(entry.getTerminator());
  if (!ret || !func.getBody().hasOneBlock())
    return false;
  SmallVector<TypedAttr> zeros;
  OpBuilder builder(func.getContext());
  for (Type type : func.getResultTypes()) {
    auto zero = dyn_cast_or_null<TypedAttr>(builder.getZeroAttr(type));
    if (!zero)
      return false;
    zeros.push_back(zero);
  }
  LLVM::GlobalOp hook = allocFailureHook(func->getParentOfType<ModuleOp>());
  Location loc = heap.getLoc();
  builder.setInsertionPointAfter(heap);
  Value address = builder.create<memref::ExtractAlignedPointerAsIndexOp>(
      loc, heap.getResult());
  Value null = builder.create<arith::ConstantIndexOp>(loc, 0);
  Value allocated = builder.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne,
                                                  address, null);
  auto guard = builder.create<scf::IfOp>(
      loc, allocated,
      [&](OpBuilder &b, Location l) {
        b.create<scf::YieldOp>(l, ret.getOperands());
      },
      [&](OpBuilder &b, Location l) {
        auto ptr = LLVM::LLVMPointerType::get(b.getContext());
        Value at = b.create<LLVM::AddressOfOp>(l, hook);
        Value callee = b.create<LLVM::LoadOp>(l, ptr, at);
        Value unset = b.create<LLVM::ZeroOp>(l, ptr);
        Value set =
            b.create<LLVM::ICmpOp>(l, LLVM::ICmpPredicate::ne, callee, unset);
        b.create<scf::IfOp>(l, set, [&](OpBuilder &nb, Location nl) {
          Value size = nb.create<arith::ConstantIntOp>(nl, bytes, 64);
          auto type = LLVM::LLVMFunctionType::get(
              LLVM::LLVMVoidType::get(nb.getContext()), {nb.getI64Type()});
          nb.create<LLVM::CallOp>(nl, type, ValueRange{callee, size});
          nb.create<scf::YieldOp>(nl);
        });
        SmallVector<Value> values;
        for (TypedAttr zero : zeros)
          values.push_back(b.create<arith::ConstantOp>(l, zero));
        b.create<scf::YieldOp>(l, values);
      });
  Operation *yield = guard.thenBlock()->getTerminator();
  for (Operation &op : llvm::make_early_inc_range(llvm::make_range(
           std::next(guard->getIterator()), ret->getIterator()))) {
    if (isa<memref::AllocaOp>(op) && op.getNumOperands() == 0)
      op.moveBefore(heap);
    else
      op.moveBefore(yield);
  }
  ret->setOperands(guard.getResults());
  return true;
}

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
  guardAllocation(func, cast<memref::AllocOp>(heap.getDefiningOp()), total);
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

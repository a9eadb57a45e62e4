//===- KernelBuilder.h - builds the CUDA kernels of a model ----*- C++ -*-===//
//
// The builder of the kernels of model_abi.h's "GPU kernels (CUDA)" section,
// shared by GPUKernels.cpp (the row kernels: a thread or block per chunk
// of whole rows) and GPUChannelKernels.cpp (a thread per channel of a
// chunk, for the one-channel slices of lds-slice-channels).
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TARGET_KERNELBUILDER_H
#define LDS_TARGET_KERNELBUILDER_H

#include "lds/Target/GPUKernels.h"
#include "lds/Target/ModelInfo.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

#include <utility>

namespace lds {
namespace kernels {

using namespace llvm;

/// Fields of lds_gpu_args, each 8 bytes.
enum Field {
  FT,
  FN,
  FSeq,
  FLo,
  FHi,
  FChunkLen,
  FNumChunks,
  FX0,
  FInputs,
  FParams,
  FFinalRows,
  FGuess,
  FOut,
  FAgg,
  FCarry,
  FExcess,
  FFirstBad,
  FNonfinite,
  FResidual,
  FAtol,
  FRtol,
  FTile,
  FTileFlag,
  FTicket,
  FScratch
};

/// Newton's dense D x D elements on the GPU up to this D (the CUDA limit of
/// lds-select-solver's kMaxNewtonDimCuda).
constexpr int64_t kGPUMaxNewtonDim = 32;

inline int64_t aSizeOf(const ModelInfo &info, SolverId s) {
  int64_t d = info.stateDim;
  return s == SolverId::Newton ? d * d : s == SolverId::QuasiNewton ? d : 0;
}

inline int64_t elementBytes(const ModelInfo &info) {
  return info.dtype == DType::F64 ? 8 : 4;
}

/// Shared memory of a scan block of `warps` warps: the warps' totals
/// (A, b) and the x before each warp.
inline int64_t scanSharedBytes(const ModelInfo &info, SolverId s,
                               int64_t warps) {
  return warps * (aSizeOf(info, s) + 2 * info.stateDim) * elementBytes(info);
}

/// Shared memory of an iterate block of `warps` warps: the warps' maps, x
/// before each warp and after the last, and the block's ticket.
inline int64_t iterateSharedBytes(const ModelInfo &info, SolverId s,
                                  int64_t warps) {
  int64_t slot = aSizeOf(info, s) + info.stateDim;
  return (warps * slot + (warps + 1) * info.stateDim) * elementBytes(info) + 8;
}

/// Values of a channel's map: (A, b) for quasi-Newton, b for the others.
inline int64_t channelSlotSize(SolverId s) {
  return s == SolverId::QuasiNewton ? 2 : 1;
}

/// Tile flags of the iterate kernels' look-back (model_abi.h).
constexpr int32_t kTileAggregate = 1, kTileInclusive = 2;

class KernelBuilder {
public:
  KernelBuilder(Module &m, const ModelInfo &info, GPUIntrinsics &gi)
      : m(m), ctx(m.getContext()), info(info), gi(gi), b(ctx) {
    d = info.stateDim;
    es = elementBytes(info);
    fty = es == 8 ? Type::getDoubleTy(ctx) : Type::getFloatTy(ctx);
    i64 = Type::getInt64Ty(ctx);
    ptr = PointerType::getUnqual(ctx);
  }

  Function *find(const Twine &name) {
    return m.getFunction((("lds." + info.name + ".") + name).str());
  }

  Function *sequential(Function *loop);
  Function *residual(Function *f);
  /// With `coopBytes` > 0, the cooperative kernel (Newton's): a block per
  /// (chunk, item), whose threads all run the chunk with the block's
  /// scratch (`coopBytes` a block) in args->scratch.
  Function *reduce(SolverId s, Function *loop, int64_t coopBytes = 0);
  Function *scan(SolverId s, int32_t block);
  Function *sweep(SolverId s, Function *loop, int64_t coopBytes = 0);
  Function *iterate(SolverId s, Function *reduceLoop, Function *sweepLoop,
                    int32_t block);
  /// Block-cooperative Newton's scan: one block per item applies the chunk
  /// maps in turn with `apply` (lds.<M>.newton_coop.apply), whose scratch
  /// is the block's (`bytes` a block).
  Function *coopScan(Function *apply, int64_t bytes);
  /// Defines lds_coop_tid, lds_coop_ntid and lds_coop_barrier, which the
  /// cooperative functions call, if they are declared.
  void defineCoopHooks();

  /// The channel kernels (GPUChannelKernels.cpp) of a model with
  /// one-channel slices (lds.<M>.*_ch): the row kernels' work, with a thread
  /// per channel where those have one per row vector, so that neighbouring
  /// threads read and write neighbouring values of each row.
  Function *sequentialChannels(Function *loop);
  Function *reduceChannels(SolverId s, Function *loop);
  Function *scanChannels(SolverId s);
  Function *sweepChannels(SolverId s, Function *loop);
  /// reduce_ch, scan and sweep_ch in one launch (single pass): a block of
  /// `block` threads takes a tile of block / 32 chunks of 32 channels, lane
  /// = channel, warp = chunk, and looks back over earlier tiles lane by
  /// lane (model_abi.h).
  Function *iterateChannels(SolverId s, Function *reduceLoop,
                            Function *sweepLoop, int32_t block);

private:
  /// From here to finish(), rows, x_in and the inputs and params of shape
  /// [D] are addressed at channel `c` (the state is one value wide).
  void setChannel(Value *c);
  /// The params' pointer table: args->params, or the channel's.
  Value *params() { return channelParams ? channelParams : field(FParams); }
  /// Values of a row vector the kernel handles: D, or 1 for a channel.
  int64_t width() const { return channel ? 1 : d; }
  /// The bytes between a channel kernel's pointers to `t` for two
  /// neighbouring channels (lds-slice-channels' choice for the slices'
  /// arguments: 0 where a slice reads `t` whole).
  int64_t channelStrideBytes(const TensorInfo &t) const {
    return t.channelStride * (t.dtype == DType::F64 ? 8 : 4);
  }
  /// Chunk c = x / D, channel x % D (x = ctaid.x * ntid.x + tid.x) and item
  /// j = ctaid.y of a channel chunk kernel; returns unless both in range.
  std::pair<Value *, Value *> channelChunkAndItem();
  /// The body of the sequential kernels for item `j`.
  void sequentialItem(Function *loop, Value *j);
  /// The block's ticket for `item` (thread `tid` 0 takes it into the
  /// shared i32 at `slot`; all read it after a barrier): its place among
  /// the item's blocks in the order they started, so a block only waits
  /// for blocks that are running or done.
  Value *takeTicket(Value *item, Value *tid, Value *slot);
  /// What lookBack works on: the tile with ticket `v` of `count` chunks
  /// with maps mapOf(w) (`slot` values, A then b; `aSize` of A), x before
  /// chunk w at xOf(w) (`width` values), the tiles' published maps and x at
  /// tileOf(tile) and their flags at flagOf(tile), `agg` a buffer of
  /// `slot` values.
  struct TileLookBack {
    Value *v, *count, *seq, *lo, *agg;
    int64_t slot, aSize, width;
    Function *combine, *apply;
    function_ref<Value *(Value *)> mapOf, xOf, tileOf, flagOf;
  };
  /// The decoupled look-back of the iterate kernels: composes the tile's
  /// maps in place (mapOf(w): chunks 0..w, by `combine`); x before the tile
  /// (x_in for the first; else the tile's aggregate is published, flag 1,
  /// and the aggregates after the nearest tile with an inclusive x, flag 2,
  /// are applied to that x); then x before each chunk w in xOf(w) (w =
  /// count: after the tile), published as the tile's inclusive x (flag 2).
  void lookBack(const TileLookBack &t);
  /// Block `index`'s scratch (`bytes` each).
  Value *blockScratch(Value *index, int64_t bytes) {
    return b.CreateInBoundsGEP(b.getInt8Ty(), field(FScratch),
                               b.CreateMul(index, i64v(bytes)));
  }
  /// agg[j][chunk] of `k` chunks an item, maps of `slotSize` values.
  Value *aggOf(Value *j, Value *k, Value *chunk, int64_t slotSize) {
    return elemPtr(
        field(FAgg),
        b.CreateMul(b.CreateAdd(b.CreateMul(j, k), chunk), i64v(slotSize)));
  }
  /// carry[j][chunk] of `k` chunks an item.
  Value *carryOf(Value *j, Value *k, Value *chunk) {
    return elemPtr(field(FCarry),
                   b.CreateMul(b.CreateAdd(b.CreateMul(j, k), chunk), i64v(d)));
  }
  /// The kernel's chunk: c = ctaid.x (cooperative: a block per chunk) or
  /// ctaid.x * ntid.x + tid.x, and item j = ctaid.y; returns unless both
  /// are in range. Cooperative kernels get the block's scratch.
  std::pair<Value *, Value *> chunkAndItem(int64_t coopBytes) {
    Value *c = coopBytes ? idx(GPUIntrinsics::Index::CtaidX) : globalX();
    Value *j = idx(GPUIntrinsics::Index::CtaidY);
    Value *k = field(FNumChunks);
    // Uniform over a cooperative block: its threads reach the same
    // barriers.
    returnUnless(
        b.CreateAnd(b.CreateICmpSLT(j, field(FN)), b.CreateICmpSLT(c, k)));
    if (coopBytes)
      loopScratch = blockScratch(b.CreateAdd(b.CreateMul(j, k), c), coopBytes);
    return {c, j};
  }
  /// Chunk `c` of item `j`: its map into (a, bv), the identity if empty.
  void reduceChunk(SolverId s, Function *loop, Value *j, Value *c, Value *a,
                   Value *bv);
  /// Chunk `c` (< num_chunks) of item `j`: the new iterate from `carry`
  /// (x before the chunk; ignored for chunk 0) and `nextCarry()` (x at its
  /// last row), the stopping tests and the item's first failing row.
  /// Returns from the kernel for an empty chunk.
  void sweepChunk(SolverId s, Function *loop, Value *j, Value *c, Value *carry,
                  function_ref<Value *()> nextCarry);
  /// An inclusive scan by shuffles over the warp of `mine` (a map, A then
  /// b): lane l ends with the composition of lanes 0..l, and `other` with
  /// that of lanes 0..l-1 (lane 0: garbage).
  void warpScan(Function *combine, int64_t aSize, Value *mine, Value *other,
                Value *lane);
  /// `count` values from `src`, loaded volatile (another block wrote them).
  void copyVolatile(Value *dst, Value *src, int64_t count);
  /// A kernel `void name(const lds_gpu_args *)` with the builder at its
  /// entry; `ret` is a block that returns.
  void begin(const Twine &name);
  Function *finish();
  Value *field(Field f);
  Value *i64v(int64_t v) { return ConstantInt::get(i64, v); }
  /// ctaid.x * ntid.x + tid.x.
  Value *globalX();
  Value *idx(GPUIntrinsics::Index which) {
    return b.CreateZExt(gi.index(b, which), i64);
  }
  /// Continues at a new block if `cond`, else returns.
  void returnUnless(Value *cond);
  Value *elemPtr8(Value *base, Value *index) {
    return b.CreateInBoundsGEP(i64, base, index);
  }
  Value *elemPtr4(Value *base, Value *index) {
    return b.CreateInBoundsGEP(b.getInt32Ty(), base, index);
  }
  Value *elemPtr(Value *base, Value *index) {
    return b.CreateInBoundsGEP(b.getInt8Ty(), base,
                               b.CreateMul(index, i64v(es)));
  }
  /// Row `row` of sequence `seq` in a [batch][T][D] array.
  /// In a channel kernel, its channel of the row.
  Value *row(Value *base, Value *seq, Value *row) {
    Value *at =
        b.CreateMul(b.CreateAdd(b.CreateMul(seq, field(FT)), row), i64v(d));
    return elemPtr(base, channel ? b.CreateAdd(at, channel) : at);
  }
  /// x at the row before the window: final row lo - 1, or x0.
  Value *xIn(Value *seq, Value *lo);
  /// The inputs' values at row `row` of `seq` as a pointer table.
  Value *inputTable(Value *seq, Value *row);
  /// Tells LLVM that the pointer `load` reads is `align`-byte aligned.
  void alignPointer(LoadInst *load, int64_t align);
  Value *strideTable();
  Value *tolerance();
  Value *localArray(Type *ty, int64_t count);
  void call(Function *f, ArrayRef<Value *> args) {
    b.CreateCall(f, args)->addFnAttr(Attribute::AlwaysInline);
  }
  /// for (i = begin; i < end; ++i) body(i).
  void forRange(Value *begin, Value *end, function_ref<void(Value *)> body);
  void ifThen(Value *cond, function_ref<void()> then);
  void copy(Value *dst, Value *src, int64_t count);
  void identity(SolverId s, Value *a, Value *bv);
  /// 1 if a value in `count` values at `p` is not finite.
  Value *anyNonfinite(Value *p, Value *count);

  Module &m;
  LLVMContext &ctx;
  const ModelInfo &info;
  GPUIntrinsics &gi;
  IRBuilder<> b;
  int64_t d, es;
  Type *fty, *i64, *ptr;
  Function *fn = nullptr;
  BasicBlock *entry = nullptr, *ret = nullptr;
  /// The block's scratch, passed last to the chunk loops when set (the
  /// cooperative kernels).
  Value *loopScratch = nullptr;
  /// The channel of a channel kernel (setChannel), and its params' table.
  Value *channel = nullptr, *channelParams = nullptr;
};

} // namespace kernels
} // namespace lds

#endif // LDS_TARGET_KERNELBUILDER_H

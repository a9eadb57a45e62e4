//===- GPUChannelKernels.cpp - a thread per state channel -----------------===//
//
// The kernels of a model that treats its state channels apart, built on its
// one-channel slices (lds-slice-channels; the chunk loops
// lds.<M>.sequential_ch and lds.<M>.<S>.{reduce,sweep}_ch). They do the row
// kernels' work (GPUKernels.cpp) with one thread per channel where those
// have one per row vector, neighbouring threads on neighbouring channels:
//
//   sequential_ch  thread x: channel x % D of item x / D, the whole window.
//   S_reduce_ch    thread x of grid.x, item ctaid.y: channel x % D of chunk
//                  x / D; its map's channel into agg (the row layout).
//   S_scan_ch      thread x < D, item ctaid.y: the channel's maps applied
//                  chunk after chunk to x_in, each carry into `carry`.
//   S_sweep_ch     thread as reduce: the chunk's channel of the new iterate;
//                  the channel's tests folded into the item's first failing
//                  row (atomic min) and non-finite flag.
//
// A warp's loads and stores of a step are then one run of neighbouring
// values (the row kernels' threads are a chunk of rows apart), and a
// thread's state, map and carry are single values in registers.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

using namespace lds;
using namespace lds::kernels;
using namespace llvm;

void KernelBuilder::setChannel(Value *c) {
  channel = c;
  size_t n = info.params.size();
  channelParams = localArray(ptr, n);
  Value *table = field(FParams);
  for (size_t k = 0; k < n; ++k) {
    const TensorInfo &p = info.params[k];
    auto *base = b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, table, k));
    int64_t bytes = p.dtype == DType::F64 ? 8 : 4;
    alignPointer(base, bytes);
    int64_t stride = channelStrideBytes(p);
    Value *at = stride ? b.CreateInBoundsGEP(b.getInt8Ty(), base,
                                             b.CreateMul(c, i64v(stride)))
                       : base;
    b.CreateStore(at, b.CreateConstInBoundsGEP1_64(ptr, channelParams, k));
  }
}

std::pair<Value *, Value *> KernelBuilder::channelChunkAndItem() {
  Value *x = globalX();
  Value *c = b.CreateUDiv(x, i64v(d));
  Value *j = idx(GPUIntrinsics::Index::CtaidY);
  returnUnless(b.CreateAnd(b.CreateICmpSLT(j, field(FN)),
                           b.CreateICmpSLT(c, field(FNumChunks))));
  setChannel(b.CreateURem(x, i64v(d)));
  return {c, j};
}

Function *KernelBuilder::sequentialChannels(Function *loop) {
  begin("lds_gpu_" + info.name + "_sequential_ch");
  Value *x = globalX();
  Value *j = b.CreateUDiv(x, i64v(d));
  returnUnless(b.CreateICmpSLT(j, field(FN)));
  setChannel(b.CreateURem(x, i64v(d)));
  sequentialItem(loop, j);
  return finish();
}

Function *KernelBuilder::reduceChannels(SolverId s, Function *loop) {
  begin("lds_gpu_" + info.name + "_" + getSolverSymbol(s).str() + "_reduce_ch");
  int64_t aSize = aSizeOf(info, s);
  auto [c, j] = channelChunkAndItem();
  Value *slot = aggOf(j, field(FNumChunks), c, aSize + d);
  reduceChunk(s, loop, j, c, elemPtr(slot, channel),
              elemPtr(slot, b.CreateAdd(channel, i64v(aSize))));
  return finish();
}

Function *KernelBuilder::scanChannels(SolverId s) {
  std::string sym = getSolverSymbol(s).str();
  begin("lds_gpu_" + info.name + "_" + sym + "_scan_ch");
  Function *apply = find(sym + ".apply_ch");
  int64_t aSize = aSizeOf(info, s);
  Value *x = globalX();
  Value *j = idx(GPUIntrinsics::Index::CtaidY);
  returnUnless(
      b.CreateAnd(b.CreateICmpSLT(j, field(FN)), b.CreateICmpSLT(x, i64v(d))));
  setChannel(x);
  Value *seq = b.CreateLoad(i64, elemPtr8(field(FSeq), j));
  Value *lo = b.CreateLoad(i64, elemPtr8(field(FLo), j));
  Value *k = field(FNumChunks);
  Value *cur = localArray(fty, 1);
  copy(cur, xIn(seq, lo), 1);
  forRange(i64v(0), k, [&](Value *c) {
    Value *slot = aggOf(j, k, c, aSize + d);
    copy(elemPtr(carryOf(j, k, c), channel), cur, 1);
    call(apply, {elemPtr(slot, channel),
                 elemPtr(slot, b.CreateAdd(channel, i64v(aSize))), cur, cur});
  });
  return finish();
}

Function *KernelBuilder::sweepChannels(SolverId s, Function *loop) {
  begin("lds_gpu_" + info.name + "_" + getSolverSymbol(s).str() + "_sweep_ch");
  auto [c, j] = channelChunkAndItem();
  Value *k = field(FNumChunks);
  sweepChunk(s, loop, j, c, elemPtr(carryOf(j, k, c), channel), [&] {
    return elemPtr(carryOf(j, k, b.CreateAdd(c, i64v(1))), channel);
  });
  return finish();
}

int64_t lds::channelIterateSharedBytes(const ModelInfo &info, SolverId s,
                                       int64_t warps) {
  int64_t slot = channelSlotSize(s);
  return (warps * 32 * slot + (warps + 1) * 32) * elementBytes(info) + 4;
}

Function *KernelBuilder::iterateChannels(SolverId s, Function *reduceLoop,
                                         Function *sweepLoop, int32_t block) {
  std::string sym = getSolverSymbol(s).str();
  begin("lds_gpu_" + info.name + "_" + sym + "_iterate_ch");
  Function *combine = find(sym + ".combine_ch");
  Function *apply = find(sym + ".apply_ch");
  int64_t slot = channelSlotSize(s), aSize = slot - 1;
  int64_t warps = block / 32, groups = (d + 31) / 32;
  Value *shared =
      gi.sharedMemory(b, fn, channelIterateSharedBytes(info, s, warps));
  // [warps][32][slot]: each lane's map of warp w's chunk, then (warp 0)
  // that of chunks 0..w of the tile; [warps + 1][32]: each lane's x before
  // warp w's chunk, and after the tile's.
  auto mapOf = [&](Value *w, Value *lane) {
    return elemPtr(
        shared,
        b.CreateMul(b.CreateAdd(b.CreateMul(w, i64v(32)), lane), i64v(slot)));
  };
  Value *xs = elemPtr(shared, i64v(warps * 32 * slot));
  auto xOf = [&](Value *w, Value *lane) {
    return elemPtr(xs, b.CreateAdd(b.CreateMul(w, i64v(32)), lane));
  };
  Value *ticketSlot = b.CreateInBoundsGEP(
      b.getInt8Ty(), shared, i64v((warps * 32 * slot + (warps + 1) * 32) * es));

  // Work item jg: channel group g of item j.
  Value *jg = idx(GPUIntrinsics::Index::CtaidY);
  returnUnless(b.CreateICmpSLT(jg, b.CreateMul(field(FN), i64v(groups))));
  Value *j = b.CreateUDiv(jg, i64v(groups));
  Value *g = b.CreateURem(jg, i64v(groups));
  Value *tid = idx(GPUIntrinsics::Index::TidX);
  Value *nb = idx(GPUIntrinsics::Index::NctaidX);
  Value *lane = b.CreateAnd(tid, i64v(31));
  Value *warp = b.CreateLShr(tid, i64v(5));
  Value *v = takeTicket(jg, tid, ticketSlot);
  Value *c = b.CreateAdd(b.CreateMul(v, i64v(warps)), warp);
  // Lanes past D take channel D - 1 again (the same values, written twice).
  setChannel(b.CreateBinaryIntrinsic(
      Intrinsic::umin, b.CreateAdd(b.CreateMul(g, i64v(32)), lane),
      i64v(d - 1)));
  Value *seq = b.CreateLoad(i64, elemPtr8(field(FSeq), j));
  Value *lo = b.CreateLoad(i64, elemPtr8(field(FLo), j));

  Value *mine = mapOf(warp, lane);
  reduceChunk(s, reduceLoop, j, c, mine, elemPtr(mine, i64v(aSize)));
  gi.barrier(b);

  // Warp 0, each lane on its channel: the tile's maps composed, then the
  // look-back over earlier tiles (per lane: its own flags), x before each
  // chunk of the tile, and the tile's inclusive x published.
  ifThen(b.CreateICmpEQ(warp, i64v(0)), [&] {
    auto at = [&](Value *tile) {
      return b.CreateAdd(
          b.CreateMul(b.CreateAdd(b.CreateMul(jg, nb), tile), i64v(32)), lane);
    };
    lookBack(
        {v, i64v(warps), seq, lo, localArray(fty, slot), slot, aSize, 1,
         combine, apply, [&](Value *w) { return mapOf(w, lane); },
         [&](Value *w) { return xOf(w, lane); },
         [&](Value *tile) {
           return elemPtr(field(FTile), b.CreateMul(at(tile), i64v(slot + 1)));
         },
         [&](Value *tile) { return elemPtr4(field(FTileFlag), at(tile)); }});
  });
  gi.barrier(b);

  returnUnless(b.CreateICmpSLT(c, field(FNumChunks)));
  sweepChunk(s, sweepLoop, j, c, xOf(warp, lane),
             [&] { return xOf(b.CreateAdd(warp, i64v(1)), lane); });
  return finish();
}

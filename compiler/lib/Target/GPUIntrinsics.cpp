//===- GPUIntrinsics.cpp - thread primitives for NVPTX and the emulator ---===//
//
// The two implementations of GPUIntrinsics: NVVM intrinsics for the CUDA
// kernels, and calls to the lds_emu_* hooks (runtime/include/lds/
// gpu_emulator_hooks.h, whose declarations these calls must match) for the
// same kernels built for the host.
//
//===----------------------------------------------------------------------===//

#include "lds/Target/GPUKernels.h"

#include "llvm/IR/IntrinsicsNVPTX.h"
#include "llvm/IR/Module.h"

using namespace lds;
using namespace llvm;

namespace {

class NVVMIntrinsics final : public GPUIntrinsics {
public:
  explicit NVVMIntrinsics(Module &m) : m(m) {}

  Value *index(IRBuilder<> &b, Index which) override {
    Intrinsic::ID id =
        which == Index::TidX     ? Intrinsic::nvvm_read_ptx_sreg_tid_x
        : which == Index::NtidX  ? Intrinsic::nvvm_read_ptx_sreg_ntid_x
        : which == Index::CtaidX ? Intrinsic::nvvm_read_ptx_sreg_ctaid_x
        : which == Index::CtaidY ? Intrinsic::nvvm_read_ptx_sreg_ctaid_y
                                 : Intrinsic::nvvm_read_ptx_sreg_nctaid_x;
    return b.CreateIntrinsic(id, {}, {});
  }

  void barrier(IRBuilder<> &b) override {
    b.CreateIntrinsic(Intrinsic::nvvm_barrier0, {}, {});
  }

  Value *shuffleUp(IRBuilder<> &b, Value *v, Value *delta) override {
    Value *mask = b.getInt32(0xffffffff);
    // c = ((32 - width) << 8) | 0 for shfl.up with a full warp.
    Value *clamp = b.getInt32(0);
    if (v->getType()->isFloatTy())
      return b.CreateIntrinsic(Intrinsic::nvvm_shfl_sync_up_f32, {},
                               {mask, v, delta, clamp});
    // f64: two 32-bit halves.
    Value *halves = b.CreateBitCast(v, FixedVectorType::get(b.getInt32Ty(), 2));
    Value *out = PoisonValue::get(halves->getType());
    for (int i = 0; i < 2; ++i) {
      Value *h = b.CreateIntrinsic(
          Intrinsic::nvvm_shfl_sync_up_i32, {},
          {mask, b.CreateExtractElement(halves, i), delta, clamp});
      out = b.CreateInsertElement(out, h, i);
    }
    return b.CreateBitCast(out, v->getType());
  }

  Value *sharedMemory(IRBuilder<> &b, Function *kernel,
                      int64_t bytes) override {
    auto *ty = ArrayType::get(b.getInt8Ty(), bytes);
    auto *g = new GlobalVariable(
        m, ty, /*isConstant=*/false, GlobalValue::InternalLinkage,
        UndefValue::get(ty), kernel->getName() + ".shared", nullptr,
        GlobalValue::NotThreadLocal, /*AddressSpace=*/3);
    g->setAlignment(Align(16));
    return b.CreateAddrSpaceCast(g, b.getPtrTy());
  }

  void atomicMin(IRBuilder<> &b, Value *p, Value *v) override {
    b.CreateAtomicRMW(AtomicRMWInst::Min, p, v, Align(8),
                      AtomicOrdering::Monotonic);
  }

  void atomicMaxUnsigned(IRBuilder<> &b, Value *p, Value *v) override {
    b.CreateAtomicRMW(AtomicRMWInst::UMax, p, v,
                      Align(v->getType()->getIntegerBitWidth() / 8),
                      AtomicOrdering::Monotonic);
  }

  // Volatile: ld/st.volatile bypass the (incoherent) L1 cache.
  void storeFlag(IRBuilder<> &b, Value *p, Value *v) override {
    b.CreateAlignedStore(v, p, Align(4), /*isVolatile=*/true);
  }

  Value *atomicAdd(IRBuilder<> &b, Value *p, Value *v) override {
    return b.CreateAtomicRMW(AtomicRMWInst::Add, p, v, Align(4),
                             AtomicOrdering::Monotonic);
  }

  Value *loadFlag(IRBuilder<> &b, Value *p) override {
    return b.CreateAlignedLoad(b.getInt32Ty(), p, Align(4),
                               /*isVolatile=*/true);
  }

  void fence(IRBuilder<> &b) override {
    b.CreateIntrinsic(Intrinsic::nvvm_membar_gl, {}, {});
  }

  void markKernel(Function *f) override {
    f->setLinkage(GlobalValue::ExternalLinkage);
    LLVMContext &ctx = m.getContext();
    Metadata *md[] = {
        ValueAsMetadata::get(f), MDString::get(ctx, "kernel"),
        ValueAsMetadata::get(ConstantInt::get(Type::getInt32Ty(ctx), 1))};
    m.getOrInsertNamedMetadata("nvvm.annotations")
        ->addOperand(MDNode::get(ctx, md));
  }

private:
  Module &m;
};

class EmulatorIntrinsics final : public GPUIntrinsics {
public:
  explicit EmulatorIntrinsics(Module &m) : m(m) {}

  Value *index(IRBuilder<> &b, Index which) override {
    StringRef name = which == Index::TidX     ? "lds_emu_tid_x"
                     : which == Index::NtidX  ? "lds_emu_ntid_x"
                     : which == Index::CtaidX ? "lds_emu_ctaid_x"
                     : which == Index::CtaidY ? "lds_emu_ctaid_y"
                                              : "lds_emu_nctaid_x";
    return b.CreateCall(hook(name, b.getInt32Ty(), {}));
  }

  void barrier(IRBuilder<> &b) override {
    b.CreateCall(hook("lds_emu_barrier", b.getVoidTy(), {}));
  }

  Value *shuffleUp(IRBuilder<> &b, Value *v, Value *delta) override {
    Type *ty = v->getType();
    return b.CreateCall(
        hook(ty->isFloatTy() ? "lds_emu_shfl_up_f32" : "lds_emu_shfl_up_f64",
             ty, {ty, b.getInt32Ty()}),
        {v, delta});
  }

  // The emulator gives every block LDS_EMU_SHARED_BYTES (kGPUSharedBytes);
  // the kernels never ask for more.
  Value *sharedMemory(IRBuilder<> &b, Function *, int64_t bytes) override {
    return b.CreateCall(hook("lds_emu_shared", b.getPtrTy(), {}));
  }

  void atomicMin(IRBuilder<> &b, Value *p, Value *v) override {
    b.CreateCall(hook("lds_emu_atomic_min_i64", b.getInt64Ty(),
                      {b.getPtrTy(), b.getInt64Ty()}),
                 {p, v});
  }

  void atomicMaxUnsigned(IRBuilder<> &b, Value *p, Value *v) override {
    bool wide = v->getType()->getIntegerBitWidth() == 64;
    b.CreateCall(
        hook(wide ? "lds_emu_atomic_max_u64" : "lds_emu_atomic_max_u32",
             v->getType(), {b.getPtrTy(), v->getType()}),
        {p, v});
  }

  // Several threads may raise the same flag: an atomic exchange on the host.
  void storeFlag(IRBuilder<> &b, Value *p, Value *v) override {
    b.CreateCall(hook("lds_emu_atomic_exch_i32", b.getInt32Ty(),
                      {b.getPtrTy(), b.getInt32Ty()}),
                 {p, v});
  }

  Value *atomicAdd(IRBuilder<> &b, Value *p, Value *v) override {
    return b.CreateCall(hook("lds_emu_atomic_add_i32", b.getInt32Ty(),
                             {b.getPtrTy(), b.getInt32Ty()}),
                        {p, v});
  }

  Value *loadFlag(IRBuilder<> &b, Value *p) override {
    return b.CreateCall(
        hook("lds_emu_load_i32", b.getInt32Ty(), {b.getPtrTy()}), {p});
  }

  void fence(IRBuilder<> &b) override {
    b.CreateCall(hook("lds_emu_fence", b.getVoidTy(), {}));
  }

  void markKernel(Function *f) override {
    f->setLinkage(GlobalValue::InternalLinkage);
  }

private:
  FunctionCallee hook(StringRef name, Type *result, ArrayRef<Type *> params) {
    FunctionCallee callee = m.getOrInsertFunction(
        name, FunctionType::get(result, params, /*isVarArg=*/false));
    if (auto *f = dyn_cast<Function>(callee.getCallee()))
      f->addFnAttr(Attribute::NoUnwind);
    return callee;
  }

  Module &m;
};

} // namespace

std::unique_ptr<GPUIntrinsics> lds::createNVVMIntrinsics(Module &m) {
  return std::make_unique<NVVMIntrinsics>(m);
}

std::unique_ptr<GPUIntrinsics> lds::createEmulatorIntrinsics(Module &m) {
  return std::make_unique<EmulatorIntrinsics>(m);
}

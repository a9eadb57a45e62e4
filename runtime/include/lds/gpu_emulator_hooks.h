/*===- gpu_emulator_hooks.h - what host-built GPU kernels call -------------===*
 *
 * The format-2 image of an lds_gpu_module (model_abi.h) holds the model's
 * GPU kernels compiled for the host: the same LLVM IR as the CUDA kernels,
 * with each thread-model primitive a call to one of the functions below
 * instead of an NVVM intrinsic. The runtime's GPU emulator defines them (C
 * linkage) and runs a launch as the grid it describes: every thread of a
 * block runs `fn(args)` and all threads of a block are live together, since
 * lds_emu_barrier and the shuffles wait for the whole block / warp.
 *
 * Indices are those of a 1-D block in a grid of at most two dimensions
 * (block.y = block.z = 1, grid.z = 1). Warps are 32 consecutive threads of
 * a block (tid.x / 32); the kernels launch blocks of a multiple of 32
 * threads whenever they shuffle.
 *===----------------------------------------------------------------------===*/

#ifndef LDS_GPU_EMULATOR_HOOKS_H
#define LDS_GPU_EMULATOR_HOOKS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* threadIdx.x, blockDim.x, blockIdx.x, blockIdx.y, gridDim.x. */
int32_t lds_emu_tid_x(void);
int32_t lds_emu_ntid_x(void);
int32_t lds_emu_ctaid_x(void);
int32_t lds_emu_ctaid_y(void);
int32_t lds_emu_nctaid_x(void);

/* __syncthreads(): returns when every thread of the block has called it. */
void lds_emu_barrier(void);

/* __shfl_up_sync(0xffffffff, v, delta, 32): every lane of the warp calls it
 * with the same delta; lane l gets the v of lane l - delta, or its own v
 * when l < delta. */
float lds_emu_shfl_up_f32(float v, int32_t delta);
double lds_emu_shfl_up_f64(double v, int32_t delta);

/* The block's shared memory: the same pointer, at least `bytes` bytes
 * (16-byte aligned), to every thread of the block; contents undefined at the
 * block's start. Every thread of a block passes the same `bytes`. */
void *lds_emu_shared(int64_t bytes);

/* atomicMin on a signed 64-bit value; atomicMax on unsigned 32- and 64-bit
 * values (the kernels use these on the bits of non-negative floats). */
void lds_emu_atomic_min_i64(int64_t *p, int64_t v);
void lds_emu_atomic_max_u32(uint32_t *p, uint32_t v);
void lds_emu_atomic_max_u64(uint64_t *p, uint64_t v);

/* *p = v, where other threads may store the same value concurrently (a
 * relaxed atomic store; a plain store on the GPU). */
void lds_emu_store_i32(int32_t *p, int32_t v);

#ifdef __cplusplus
}
#endif

#endif /* LDS_GPU_EMULATOR_HOOKS_H */

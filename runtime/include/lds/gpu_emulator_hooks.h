/*===- gpu_emulator_hooks.h - what host-emulated GPU kernels call -*- C -*-===*
 *
 * A model compiled with a host-emulation GPU image (lds_gpu_image format 2,
 * model_abi.h) holds its GPU kernels compiled for the host. Where the CUDA
 * kernels read a special register, synchronise or shuffle, the host versions
 * call these functions instead; liblds_runtime's GPU emulator
 * (runtime/lib/GpuEmulator.cpp) defines them. The emulator runs each of a
 * block's threads as a fiber that yields where it waits (a barrier, a
 * shuffle, a flag that reads 0), so barriers, shuffles and atomics behave
 * as on the device; threads that wait at barriers the others never reach
 * make the launch fail instead of hanging.
 *
 * Semantics follow PTX:
 *   - ids are those of the calling thread (tid.x, ctaid.x/y, ntid.x,
 *     nctaid.x/y); blocks are one-dimensional (ntid.y = ntid.z = 1);
 *   - lds_emu_barrier: bar.sync 0 over the block's threads that have not
 *     returned;
 *   - lds_emu_shfl_up_*: shfl.sync.up with a full mask and width 32: lane l
 *     gets the value of lane l - delta of its warp, or its own value when
 *     l < delta; every live lane of the warp must call it;
 *   - lds_emu_shared: the block's shared memory, the same pointer to every
 *     thread of the block, LDS_EMU_SHARED_BYTES bytes, 16-byte aligned,
 *     uninitialised (the emulator fills it with 0xff bytes, NaN as floats,
 *     at the start of each block);
 *   - atomics return the old value (callers may ignore it) and are atomic
 *     across the grid; lds_emu_store_i32 is a relaxed atomic store (a
 *     volatile store on the GPU) for flags several threads may set at once;
 *   - lds_emu_load_i32: an acquire load of a flag another block may store
 *     (a volatile load on the GPU); reading 0 it sleeps 50 us and lets the
 *     block's other threads run first, as callers spin on it;
 *   - lds_emu_fence: membar.gl (a sequentially consistent fence).
 *
 * The emulator runs several blocks of a grid at once (in no fixed order),
 * so kernels whose blocks wait for one another (the iterate kernels' look-
 * back) meet the interleavings a GPU allows.
 *
 * Calling any of them outside an emulated kernel is a bug (ids read 0).
 *===----------------------------------------------------------------------===*/

#ifndef LDS_GPU_EMULATOR_HOOKS_H
#define LDS_GPU_EMULATOR_HOOKS_H

#include <stdint.h>

#if defined(_WIN32)
#define LDS_EMU_API
#else
#define LDS_EMU_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of shared memory per block (CUDA's static limit). */
#define LDS_EMU_SHARED_BYTES 49152

LDS_EMU_API int32_t lds_emu_tid_x(void);
LDS_EMU_API int32_t lds_emu_ntid_x(void);
LDS_EMU_API int32_t lds_emu_ctaid_x(void);
LDS_EMU_API int32_t lds_emu_ctaid_y(void);
LDS_EMU_API int32_t lds_emu_nctaid_x(void);
LDS_EMU_API int32_t lds_emu_nctaid_y(void);
/* tid.x % 32. */
LDS_EMU_API int32_t lds_emu_lane_id(void);

LDS_EMU_API void lds_emu_barrier(void);

LDS_EMU_API float lds_emu_shfl_up_f32(float v, int32_t delta);
LDS_EMU_API double lds_emu_shfl_up_f64(double v, int32_t delta);
LDS_EMU_API int32_t lds_emu_shfl_up_i32(int32_t v, int32_t delta);
LDS_EMU_API int64_t lds_emu_shfl_up_i64(int64_t v, int32_t delta);

LDS_EMU_API void *lds_emu_shared(void);

LDS_EMU_API int64_t lds_emu_atomic_min_i64(int64_t *address, int64_t value);
LDS_EMU_API uint32_t lds_emu_atomic_max_u32(uint32_t *address, uint32_t value);
LDS_EMU_API uint64_t lds_emu_atomic_max_u64(uint64_t *address, uint64_t value);
LDS_EMU_API int32_t lds_emu_atomic_exch_i32(int32_t *address, int32_t value);
LDS_EMU_API void lds_emu_store_i32(int32_t *address, int32_t value);
LDS_EMU_API int32_t lds_emu_atomic_add_i32(int32_t *address, int32_t value);
LDS_EMU_API int32_t lds_emu_load_i32(const int32_t *address);
LDS_EMU_API void lds_emu_fence(void);

#ifdef __cplusplus
}
#endif

#endif /* LDS_GPU_EMULATOR_HOOKS_H */

//===- GpuBackend.h - memory, modules and launches of a GPU -----*- C++ -*-===//
//
// What the CUDA executor needs from a device, behind one interface with two
// implementations: the CUDA driver loaded with dlopen (CudaDriver.cpp) and a
// host emulator that runs format-2 images (GpuEmulator.cpp). Device memory
// is a DevPtr (a CUdeviceptr, or a host address in the emulator). Every
// call returns LDS_OK or a failing status with lds_last_error() set; copies,
// memsets and launches are ordered on the backend's stream, and
// synchronize() waits for them.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_RUNTIME_GPUBACKEND_H
#define LDS_RUNTIME_GPUBACKEND_H

#include "lds/runtime.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace lds {

using DevPtr = uint64_t;

/// A loaded module's kernel (CUfunction, or an lds_gpu_host_kernel's fn).
using GpuKernel = void *;

class GpuBackend {
public:
  virtual ~GpuBackend() = default;

  /// "cuda" or "emulator" (for messages).
  virtual const char *name() const = 0;
  /// Threads the device runs at once (chunking of the window).
  virtual int64_t lanes() const = 0;

  virtual lds_status allocate(int64_t bytes, DevPtr *out) = 0;
  virtual void release(DevPtr p) = 0;
  virtual lds_status copyToDevice(DevPtr dst, const void *src,
                                  int64_t bytes) = 0;
  virtual lds_status copyToHost(void *dst, DevPtr src, int64_t bytes) = 0;
  virtual lds_status copyOnDevice(DevPtr dst, DevPtr src, int64_t bytes) = 0;
  virtual lds_status memset8(DevPtr dst, uint8_t value, int64_t bytes) = 0;

  /// True if the caller's `p` is device memory the kernels can read
  /// (cuPointerGetAttribute); false for host memory.
  virtual bool isDevicePointer(const void *p) const = 0;

  /// Loads the model's GPU module (the image for this device) and finds
  /// `name` in it.
  virtual lds_status kernel(const lds_gpu_module *module, const char *name,
                            GpuKernel *out) = 0;
  /// The most threads a block of `k` may have on this device: what its
  /// registers allow (cuFuncGetAttribute's MAX_THREADS_PER_BLOCK). A launch
  /// with more fails, as CUDA's "too many resources requested for launch".
  virtual lds_status maxThreads(GpuKernel k, const char *name, int *out) = 0;
  /// Launches `k` on grid (gridX, gridY) of blocks of blockX threads with
  /// one kernel argument: the device address `args` of an lds_gpu_args.
  virtual lds_status launch(GpuKernel k, const char *name, int64_t gridX,
                            int64_t gridY, int blockX, DevPtr args) = 0;
  virtual lds_status synchronize() = 0;
};

/// Bytes of device memory the runtime holds, counted process-wide by the
/// backends' allocate() and release() (every backend, every thread): what
/// it holds now and the most it held since the last resetGpuMemoryPeak().
/// The bytes asked for, not the allocator's rounding; memory of the CUDA
/// context and modules, and caller device buffers, are not counted. An
/// internal accessor (the GPU benchmark and tests), not part of the C API.
struct GpuMemoryUsage {
  int64_t current = 0;
  int64_t peak = 0;
};
GpuMemoryUsage gpuMemoryUsage();
/// Sets the peak to the bytes held now.
void resetGpuMemoryPeak();

/// The sizes of one backend's live allocations, feeding gpuMemoryUsage():
/// a backend calls added() after each allocation and removed() before each
/// release. An allocation never released stays counted (it is leaked).
class GpuMemoryTally {
public:
  GpuMemoryTally() = default;
  GpuMemoryTally(const GpuMemoryTally &) = delete;
  GpuMemoryTally &operator=(const GpuMemoryTally &) = delete;
  void added(DevPtr p, int64_t bytes);
  void removed(DevPtr p);

private:
  struct Entry {
    DevPtr p;
    int64_t bytes;
  };
  std::vector<Entry> live; // few per solve: a vector is enough
  std::mutex mutex;
};

/// How lds_solve may reach a GPU.
enum class GpuAvailability { Usable, NoImage, NoDevice };

/// The backend for a solve of `m` on `stream` (a CUstream, or nullptr for
/// one of its own): the emulator when LDS_GPU_EMULATE=1 (a testing aid),
/// else the CUDA driver. nullptr with lds_last_error() set and *status the
/// failure (LDS_ERR_NO_DEVICE when there is no driver, device or image).
GpuBackend *createGpuBackend(const lds_model *m, void *stream,
                             lds_status *status);

/// True if LDS_GPU_EMULATE=1.
bool gpuEmulationRequested();

/// The image of `m` a backend would load: format 2 for the emulator;
/// otherwise the cubin of `arch` ("sm_90") if present, else a PTX image.
const lds_gpu_image *selectGpuImage(const lds_gpu_module *m, bool emulate,
                                    const char *arch);

GpuBackend *createCudaDriverBackend(const lds_model *m, void *stream,
                                    lds_status *status);
GpuBackend *createGpuEmulatorBackend(const lds_model *m, lds_status *status);

/// Whether a solve could reach a GPU now, and which: what a tool asks
/// before compiling a model's GPU kernels (lds-run --device cuda|auto).
struct GpuProbe {
  bool usable = false;
  /// LDS_GPU_EMULATE=1: the emulator stands in for the GPU (`arch` empty).
  bool emulated = false;
  /// The compute capability of device 0 (the device a solve without a
  /// current CUDA context runs on) as "sm_XY", e.g. "sm_90".
  std::string arch;
  /// Why there is no usable GPU, as lds_solve would say it: "no usable GPU:
  /// libcuda.so.1 not found (no NVIDIA driver on this machine)", "no usable
  /// GPU: cuInit: no CUDA-capable device is detected", ...
  std::string reason;
};

/// Loads the driver as a solve would (libcuda.so.1, or $LDS_CUDA_DRIVER)
/// and reads device 0's compute capability. Never fails: a missing library,
/// symbol or device is a `reason`. Leaves lds_last_error() as it was.
GpuProbe probeGpu();

/// One lds_emu_* hook of lds/gpu_emulator_hooks.h and its address.
struct EmulatorHook {
  const char *name;
  void *address;
};

/// Every hook the host-emulation kernels may call, for a JIT that links a
/// model object into a process whose dynamic symbol table lacks them (a
/// tool linked with the static runtime, such as lds-run).
const std::vector<EmulatorHook> &emulatorHooks();

} // namespace lds

#endif // LDS_RUNTIME_GPUBACKEND_H

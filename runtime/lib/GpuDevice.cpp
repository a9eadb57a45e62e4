//===- GpuDevice.cpp - which GPU backend and image a solve uses -----------===//
//
// A model reaches a GPU only through the kernels lds-compile embedded
// (lds_model.gpu, model_abi.h). With LDS_GPU_EMULATE=1 (a testing aid) its
// host-emulation image runs on the GPU emulator; otherwise the CUDA driver
// loads the cubin for the device's architecture, or the PTX image. The
// device-memory counter of every backend (GpuMemoryTally) and probeGpu (is
// there a GPU, of which architecture) are here too.
//
//===----------------------------------------------------------------------===//

#include "CudaDriverApi.h"
#include "Error.h"
#include "GpuBackend.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace lds;

bool lds::gpuEmulationRequested() {
  const char *v = std::getenv("LDS_GPU_EMULATE");
  return v && std::strcmp(v, "1") == 0;
}

const lds_gpu_image *lds::selectGpuImage(const lds_gpu_module *g, bool emulate,
                                         const char *arch) {
  if (!g || !g->images || g->num_images <= 0)
    return nullptr;
  const lds_gpu_image *ptx = nullptr;
  for (int32_t i = 0; i < g->num_images; ++i) {
    const lds_gpu_image &im = g->images[i];
    if (!im.data || im.size <= 0)
      continue;
    if (emulate) {
      if (im.format == 2)
        return &im;
      continue;
    }
    if (im.format == 0 && arch && im.arch && std::strcmp(im.arch, arch) == 0)
      return &im;
    if (im.format == 1 && !ptx)
      ptx = &im;
  }
  return emulate ? nullptr : ptx;
}

GpuBackend *lds::createGpuBackend(const lds_model *m, void *stream,
                                  lds_status *status) {
  const lds_gpu_module *g = m->gpu;
  const char *name = m->name ? m->name : "";
  if (!g) {
    *status = fail(LDS_ERR_NO_DEVICE,
                   "lds_solve: no GPU kernels in model '%s' (compile it with "
                   "--target=cuda or --target=all)",
                   name);
    return nullptr;
  }
  if (g->abi_version != LDS_GPU_ABI_VERSION) {
    *status = fail(LDS_ERR_INVALID_ARGUMENT,
                   "lds_solve: model '%s' has GPU kernels of GPU ABI version "
                   "%d; this runtime reads version %d (recompile the model)",
                   name, g->abi_version, LDS_GPU_ABI_VERSION);
    return nullptr;
  }
  if (g->scan_block < 32 || g->scan_block > 1024 || g->scan_block % 32) {
    *status = fail(LDS_ERR_INVALID_ARGUMENT,
                   "lds_solve: model '%s' has a GPU scan block of %d threads "
                   "(want a multiple of 32 in [32, 1024])",
                   name, g->scan_block);
    return nullptr;
  }
  for (int s = 0; s < LDS_NUM_SOLVER_SLOTS; ++s) {
    int32_t block = g->iterate_block[s];
    if (block < 0 || block > 1024 || block % 32 ||
        (block && !g->has_solver[s])) {
      *status = fail(LDS_ERR_INVALID_ARGUMENT,
                     "lds_solve: model '%s' has an iterate block of %d threads "
                     "for solver %s (want 0, or a multiple of 32 in [32, "
                     "1024] for a solver with GPU kernels)",
                     name, block, lds_solver_name(static_cast<lds_solver>(s)));
      return nullptr;
    }
  }
  for (int s = 0; s < LDS_NUM_SOLVER_SLOTS; ++s) {
    int32_t block = g->coop_block[s];
    int64_t scratch = g->coop_scratch[s];
    if (block < 0 || block > 1024 || block % 32 ||
        (block && (!g->has_solver[s] || g->iterate_block[s] || scratch <= 0 ||
                   scratch % 64)) ||
        (!block && scratch)) {
      *status = fail(
          LDS_ERR_INVALID_ARGUMENT,
          "lds_solve: model '%s' has cooperative blocks of %d threads and "
          "%lld bytes of scratch for solver %s (want 0 and 0, or a multiple "
          "of 32 in [32, 1024] and a positive multiple of 64 for a solver "
          "with GPU kernels and no iterate kernel)",
          name, block, static_cast<long long>(scratch),
          lds_solver_name(static_cast<lds_solver>(s)));
      return nullptr;
    }
  }
  for (int s = 0; s < LDS_NUM_SOLVER_SLOTS; ++s) {
    int32_t channels = g->channels[s], block = g->channel_iterate_block[s];
    bool solver = s != LDS_SOLVER_SEQUENTIAL;
    bool valid = channels == 0 || channels == 1 ||
                 (channels == LDS_GPU_CHANNELS_ONLY && solver &&
                  !g->iterate_block[s] && !g->coop_block[s]);
    if (channels && solver && !g->has_solver[s])
      valid = false;
    if (block < 0 || block > 1024 || block % 32 || (block && !channels) ||
        (block && !solver))
      valid = false;
    if (!valid) {
      *status = fail(LDS_ERR_INVALID_ARGUMENT,
                     "lds_solve: model '%s' has channel kernels flag %d and "
                     "a channel iterate block of %d threads for %s (want a "
                     "flag of 0 or 1, or 2 for a solver with GPU kernels but "
                     "no row iterate or cooperative kernels; and a block of "
                     "0, or a multiple of 32 in [32, 1024] beside a solver's "
                     "channel kernels)",
                     name, channels, block,
                     lds_solver_name(static_cast<lds_solver>(s)));
      return nullptr;
    }
  }
  if (gpuEmulationRequested())
    return createGpuEmulatorBackend(m, status);
  return createCudaDriverBackend(m, stream, status);
}

GpuProbe lds::probeGpu() {
  GpuProbe probe;
  if (gpuEmulationRequested()) {
    probe.usable = probe.emulated = true;
    return probe;
  }
  // The driver's failures set lds_last_error(); the probe is no failure.
  std::string previousError = lds_last_error();
  std::string whyNot;
  const cuda::DriverApi *api = cuda::driver(&whyNot);
  cuda::CUdevice device = 0;
  char arch[16] = "";
  cuda::CUresult r = cuda::CUDA_SUCCESS;
  if (!api) {
    probe.reason = "no usable GPU: " + whyNot;
  } else if ((r = api->cuDeviceGet(&device, 0)) != cuda::CUDA_SUCCESS ||
             (r = cuda::deviceArch(*api, device, arch)) != cuda::CUDA_SUCCESS) {
    cuda::failCuda(*api, r, "device 0");
    // "lds_solve: device 0: CUDA error ...", without the prefix.
    const char *message = lds_last_error();
    const char *prefix = "lds_solve: ";
    if (std::strncmp(message, prefix, std::strlen(prefix)) == 0)
      message += std::strlen(prefix);
    probe.reason = std::string("no usable GPU: ") + message;
  } else {
    probe.usable = true;
    probe.arch = arch;
  }
  fail(LDS_OK, "%s", previousError.c_str());
  return probe;
}

namespace {
std::atomic<int64_t> heldBytes{0}, peakBytes{0};

void raisePeak(int64_t now) {
  int64_t peak = peakBytes.load(std::memory_order_relaxed);
  while (now > peak &&
         !peakBytes.compare_exchange_weak(peak, now, std::memory_order_relaxed))
    ;
}
} // namespace

GpuMemoryUsage lds::gpuMemoryUsage() {
  GpuMemoryUsage u;
  u.current = heldBytes.load(std::memory_order_relaxed);
  u.peak = std::max(u.current, peakBytes.load(std::memory_order_relaxed));
  return u;
}

void lds::resetGpuMemoryPeak() {
  peakBytes.store(heldBytes.load(std::memory_order_relaxed),
                  std::memory_order_relaxed);
}

void GpuMemoryTally::added(DevPtr p, int64_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    live.push_back({p, bytes});
  }
  raisePeak(heldBytes.fetch_add(bytes, std::memory_order_relaxed) + bytes);
}

void GpuMemoryTally::removed(DevPtr p) {
  std::lock_guard<std::mutex> lock(mutex);
  for (size_t i = live.size(); i-- > 0;)
    if (live[i].p == p) {
      heldBytes.fetch_sub(live[i].bytes, std::memory_order_relaxed);
      live[i] = live.back();
      live.pop_back();
      return;
    }
}

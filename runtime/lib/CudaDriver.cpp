//===- CudaDriver.cpp - the GPU backend over the dlopen'ed CUDA driver ----===//
//
// libcuda.so.1 is opened on first use and stays open; a solve runs on the
// calling thread's current context if it has one (the context of the
// caller's device pointers), else on device 0's primary context. Modules
// are loaded once per (context, model) and kept. Every driver error becomes
// a status with the driver's own message.
//
//===----------------------------------------------------------------------===//

#include "CudaDriverApi.h"
#include "Error.h"
#include "GpuBackend.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <new>
#include <string>
#include <vector>

using namespace lds;
using namespace lds::cuda;

namespace {

struct LoadedDriver {
  std::string library;
  bool attempted = false;
  bool ok = false;
  std::string message; // why not
  DriverApi api{};
};

std::mutex driverMutex;
LoadedDriver loaded;

template <class F> bool bind(void *lib, const char *name, F &slot) {
  void *p = dlsym(lib, name);
  slot = reinterpret_cast<F>(p);
  return p != nullptr;
}

/// Opens `library` and resolves every entry point into `d`.
void load(LoadedDriver &d) {
  d.attempted = true;
  void *lib = dlopen(d.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    d.message = d.library + " not found (no NVIDIA driver on this machine)";
    return;
  }
  DriverApi &a = d.api;
  const char *missing = nullptr;
#define LDS_BIND(field, symbol)                                                \
  if (!missing && !bind(lib, symbol, a.field))                                 \
  missing = symbol
  LDS_BIND(cuInit, "cuInit");
  LDS_BIND(cuDeviceGetCount, "cuDeviceGetCount");
  LDS_BIND(cuDeviceGet, "cuDeviceGet");
  LDS_BIND(cuDeviceGetAttribute, "cuDeviceGetAttribute");
  LDS_BIND(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  LDS_BIND(cuCtxGetCurrent, "cuCtxGetCurrent");
  LDS_BIND(cuCtxSetCurrent, "cuCtxSetCurrent");
  LDS_BIND(cuCtxGetDevice, "cuCtxGetDevice");
  LDS_BIND(cuStreamCreate, "cuStreamCreate");
  LDS_BIND(cuStreamDestroy, "cuStreamDestroy_v2");
  LDS_BIND(cuStreamSynchronize, "cuStreamSynchronize");
  LDS_BIND(cuModuleLoadData, "cuModuleLoadData");
  LDS_BIND(cuModuleGetFunction, "cuModuleGetFunction");
  LDS_BIND(cuFuncGetAttribute, "cuFuncGetAttribute");
  LDS_BIND(cuLaunchKernel, "cuLaunchKernel");
  LDS_BIND(cuMemAlloc, "cuMemAlloc_v2");
  LDS_BIND(cuMemFree, "cuMemFree_v2");
  LDS_BIND(cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
  LDS_BIND(cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2");
  LDS_BIND(cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2");
  LDS_BIND(cuMemsetD8Async, "cuMemsetD8Async");
  LDS_BIND(cuPointerGetAttribute, "cuPointerGetAttribute");
  LDS_BIND(cuGetErrorString, "cuGetErrorString");
  LDS_BIND(cuGetErrorName, "cuGetErrorName");
#undef LDS_BIND
  if (missing) {
    d.message = d.library + " has no " + missing + " (driver too old?)";
    dlclose(lib);
    return;
  }
  CUresult r = a.cuInit(0);
  int count = 0;
  if (r == CUDA_SUCCESS)
    r = a.cuDeviceGetCount(&count);
  if (r != CUDA_SUCCESS || count == 0) {
    const char *text = nullptr;
    if (r == CUDA_SUCCESS || a.cuGetErrorString(r, &text) != CUDA_SUCCESS ||
        !text)
      text = "no CUDA-capable device is detected";
    d.message = std::string("cuInit: ") + text;
    // The library stays open: its symbols are harmless and a second
    // dlopen would return the same handle anyway.
    return;
  }
  d.ok = true;
}

/// Modules loaded so far, per context and model.
struct LoadedModule {
  CUcontext context;
  const lds_gpu_module *module;
  CUmodule handle;
};
std::mutex moduleMutex;
std::vector<LoadedModule> modules;

class CudaDriver final : public GpuBackend {
public:
  CudaDriver(const DriverApi &api, const lds_model *m) : api(api), m(m) {}
  ~CudaDriver() override {
    if (ownStream && stream)
      api.cuStreamDestroy(stream);
    if (restoreContext)
      api.cuCtxSetCurrent(previous);
  }

  lds_status init(void *userStream);

  const char *name() const override { return "cuda"; }
  int64_t lanes() const override { return lanesCount; }

  lds_status allocate(int64_t bytes, DevPtr *out) override {
    CUdeviceptr p = 0;
    CUresult r = api.cuMemAlloc(&p, static_cast<size_t>(bytes < 1 ? 1 : bytes));
    if (r != CUDA_SUCCESS) {
      char what[96];
      std::snprintf(what, sizeof(what), "cuMemAlloc of %lld bytes",
                    static_cast<long long>(bytes));
      return failCuda(api, r, what);
    }
    *out = p;
    tally.added(p, bytes);
    return LDS_OK;
  }
  void release(DevPtr p) override {
    if (!p)
      return;
    tally.removed(p);
    api.cuMemFree(p);
  }
  lds_status copyToDevice(DevPtr dst, const void *src, int64_t bytes) override {
    if (bytes <= 0)
      return LDS_OK;
    CUresult r = api.cuMemcpyHtoDAsync(dst, src, bytes, stream);
    return r == CUDA_SUCCESS ? LDS_OK : failCuda(api, r, "cuMemcpyHtoDAsync");
  }
  lds_status copyToHost(void *dst, DevPtr src, int64_t bytes) override {
    if (bytes <= 0)
      return LDS_OK;
    CUresult r = api.cuMemcpyDtoHAsync(dst, src, bytes, stream);
    if (r != CUDA_SUCCESS)
      return failCuda(api, r, "cuMemcpyDtoHAsync");
    // The host buffer is read right after: wait for it.
    return synchronize();
  }
  lds_status copyOnDevice(DevPtr dst, DevPtr src, int64_t bytes) override {
    if (bytes <= 0)
      return LDS_OK;
    CUresult r = api.cuMemcpyDtoDAsync(dst, src, bytes, stream);
    return r == CUDA_SUCCESS ? LDS_OK : failCuda(api, r, "cuMemcpyDtoDAsync");
  }
  lds_status memset8(DevPtr dst, uint8_t value, int64_t bytes) override {
    if (bytes <= 0)
      return LDS_OK;
    CUresult r = api.cuMemsetD8Async(dst, value, bytes, stream);
    return r == CUDA_SUCCESS ? LDS_OK : failCuda(api, r, "cuMemsetD8Async");
  }
  bool isDevicePointer(const void *p) const override {
    unsigned type = 0;
    CUresult r = api.cuPointerGetAttribute(
        &type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
        static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p)));
    // Host memory the driver does not know answers CUDA_ERROR_INVALID_VALUE.
    return r == CUDA_SUCCESS &&
           (type == CU_MEMORYTYPE_DEVICE || type == CU_MEMORYTYPE_UNIFIED);
  }

  lds_status kernel(const lds_gpu_module *module, const char *name,
                    GpuKernel *out) override;
  lds_status maxThreads(GpuKernel k, const char *name, int *out) override {
    CUresult r =
        api.cuFuncGetAttribute(out, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
                               static_cast<CUfunction>(k));
    if (r == CUDA_SUCCESS)
      return LDS_OK;
    char what[160];
    std::snprintf(what, sizeof(what), "cuFuncGetAttribute of %s", name);
    return failCuda(api, r, what);
  }
  lds_status launch(GpuKernel k, const char *name, int64_t gridX, int64_t gridY,
                    int blockX, DevPtr args) override {
    if (gridX < 1 || gridX > INT32_MAX || gridY < 1 || gridY > 65535)
      return fail(LDS_ERR_INTERNAL,
                  "lds_solve: launch of %s with grid (%lld, %lld) is outside "
                  "the device's limits",
                  name, static_cast<long long>(gridX),
                  static_cast<long long>(gridY));
    void *params[] = {&args};
    CUresult r = api.cuLaunchKernel(
        static_cast<CUfunction>(k), static_cast<unsigned>(gridX),
        static_cast<unsigned>(gridY), 1, static_cast<unsigned>(blockX), 1, 1, 0,
        stream, params, nullptr);
    if (r != CUDA_SUCCESS) {
      char what[160];
      std::snprintf(what, sizeof(what), "cuLaunchKernel of %s", name);
      return failCuda(api, r, what);
    }
    return LDS_OK;
  }
  lds_status synchronize() override {
    CUresult r = api.cuStreamSynchronize(stream);
    return r == CUDA_SUCCESS ? LDS_OK : failCuda(api, r, "cuStreamSynchronize");
  }

private:
  const DriverApi &api;
  const lds_model *m;
  CUcontext context = nullptr, previous = nullptr;
  bool restoreContext = false;
  CUstream stream = nullptr;
  bool ownStream = false;
  char arch[16] = "";
  int64_t lanesCount = 1;
  GpuMemoryTally tally;
};

lds_status CudaDriver::init(void *userStream) {
  CUresult r = api.cuCtxGetCurrent(&previous);
  if (r != CUDA_SUCCESS)
    return failCuda(api, r, "cuCtxGetCurrent");
  CUdevice device = 0;
  if (previous) {
    context = previous;
    if ((r = api.cuCtxGetDevice(&device)) != CUDA_SUCCESS)
      return failCuda(api, r, "cuCtxGetDevice");
  } else {
    if ((r = api.cuDeviceGet(&device, 0)) != CUDA_SUCCESS)
      return failCuda(api, r, "cuDeviceGet");
    // Retained once per solve and never released: the primary context
    // stays alive for the process, as the CUDA runtime keeps it.
    if ((r = api.cuDevicePrimaryCtxRetain(&context, device)) != CUDA_SUCCESS)
      return failCuda(api, r, "cuDevicePrimaryCtxRetain");
    if ((r = api.cuCtxSetCurrent(context)) != CUDA_SUCCESS)
      return failCuda(api, r, "cuCtxSetCurrent");
    restoreContext = true;
  }
  int sms = 0, perSm = 0;
  if ((r = deviceArch(api, device, arch)) ||
      (r = api.cuDeviceGetAttribute(
           &sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device)) ||
      (r = api.cuDeviceGetAttribute(
           &perSm, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR, device)))
    return failCuda(api, r, "cuDeviceGetAttribute");
  lanesCount = static_cast<int64_t>(sms) * perSm;
  if (lanesCount < 1)
    lanesCount = 1;
  if (!selectGpuImage(m->gpu, false, arch))
    return fail(LDS_ERR_NO_DEVICE,
                "lds_solve: model '%s' has no GPU image for %s (neither a "
                "cubin for it nor PTX)",
                m->name ? m->name : "", arch);
  if (userStream) {
    stream = static_cast<CUstream>(userStream);
  } else {
    if ((r = api.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING)) !=
        CUDA_SUCCESS)
      return failCuda(api, r, "cuStreamCreate");
    ownStream = true;
  }
  return LDS_OK;
}

lds_status CudaDriver::kernel(const lds_gpu_module *module, const char *name,
                              GpuKernel *out) {
  CUmodule handle = nullptr;
  {
    std::lock_guard<std::mutex> lock(moduleMutex);
    for (const LoadedModule &l : modules)
      if (l.context == context && l.module == module)
        handle = l.handle;
    if (!handle) {
      const lds_gpu_image *image = selectGpuImage(module, false, arch);
      if (!image)
        return fail(LDS_ERR_NO_DEVICE,
                    "lds_solve: model '%s' has no GPU image for %s",
                    m->name ? m->name : "", arch);
      CUresult r = api.cuModuleLoadData(&handle, image->data);
      if (r != CUDA_SUCCESS) {
        char what[96];
        std::snprintf(what, sizeof(what), "cuModuleLoadData (%s image %s)",
                      image->format == 0 ? "cubin" : "PTX",
                      image->arch ? image->arch : "?");
        return failCuda(api, r, what);
      }
      modules.push_back({context, module, handle});
    }
  }
  CUfunction f = nullptr;
  CUresult r = api.cuModuleGetFunction(&f, handle, name);
  if (r != CUDA_SUCCESS) {
    char what[160];
    std::snprintf(what, sizeof(what), "cuModuleGetFunction(%s)", name);
    return failCuda(api, r, what);
  }
  *out = f;
  return LDS_OK;
}

} // namespace

const DriverApi *cuda::driver(std::string *whyNot) {
  const char *env = std::getenv("LDS_CUDA_DRIVER");
  std::string library = env && *env ? env : "libcuda.so.1";
  std::lock_guard<std::mutex> lock(driverMutex);
  if (!loaded.attempted || loaded.library != library) {
    loaded = LoadedDriver();
    loaded.library = library;
    load(loaded);
  }
  if (!loaded.ok) {
    fail(LDS_ERR_NO_DEVICE, "lds_solve: no usable GPU: %s",
         loaded.message.c_str());
    if (whyNot)
      *whyNot = loaded.message;
    return nullptr;
  }
  return &loaded.api;
}

CUresult cuda::deviceArch(const DriverApi &api, CUdevice device,
                          char (&arch)[16]) {
  int major = 0, minor = 0;
  CUresult r = api.cuDeviceGetAttribute(
      &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
  if (r == CUDA_SUCCESS)
    r = api.cuDeviceGetAttribute(
        &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
  if (r == CUDA_SUCCESS)
    std::snprintf(arch, sizeof(arch), "sm_%d%d", major, minor);
  return r;
}

lds_status cuda::failCuda(const DriverApi &api, CUresult r, const char *what) {
  const char *text = nullptr, *name = nullptr;
  if (api.cuGetErrorString(r, &text) != CUDA_SUCCESS || !text)
    text = "unknown error";
  if (api.cuGetErrorName(r, &name) != CUDA_SUCCESS || !name)
    name = "?";
  lds_status s = r == CUDA_ERROR_OUT_OF_MEMORY ? LDS_ERR_OUT_OF_MEMORY
                 : r == CUDA_ERROR_NO_DEVICE   ? LDS_ERR_NO_DEVICE
                                               : LDS_ERR_DEVICE;
  return fail(s, "lds_solve: %s: CUDA error %d %s: %s", what, r, name, text);
}

GpuBackend *lds::createCudaDriverBackend(const lds_model *m, void *stream,
                                         lds_status *status) {
  const DriverApi *api = driver();
  if (!api) {
    *status = LDS_ERR_NO_DEVICE;
    return nullptr;
  }
  CudaDriver *d = new (std::nothrow) CudaDriver(*api, m);
  if (!d) {
    *status = fail(LDS_ERR_OUT_OF_MEMORY, "lds_solve: out of memory");
    return nullptr;
  }
  if ((*status = d->init(stream)) != LDS_OK) {
    delete d;
    return nullptr;
  }
  return d;
}

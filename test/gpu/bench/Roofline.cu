//===- Roofline.cu - the GPU's measured roofline (lds-gpu-roofline) -------===//
//
// What the GPU benchmark's GB/s and GFLOP/s are compared with
// (bench/gpu_report.py): measured on the device, not taken from a table.
//
//   DRAM bandwidth  a device-to-device cudaMemcpy and a copy kernel
//                   (16-byte loads and stores, grid-stride) between two
//                   1 GiB buffers, counting the bytes read and written, and
//                   a read-only kernel (a sum); best of 20 each, CUDA events
//   FMA peak        fp32 and fp64: every thread runs 8 independent chains of
//                   fused multiply-adds (2 flops each), enough warps to fill
//                   every SM; best of 10
//   nominal         from the device's attributes: 2 x memory clock x bus
//                   width for DRAM; SMs x FP32 (FP64) lanes per SM of the
//                   architecture x 2 x peak SM clock for the peaks
//
// Prints one JSON object on stdout; exits 2 when no GPU is usable (the JSON
// then holds "error"). Built by nvcc with the CUDA runtime linked
// statically: it needs only the driver (libcuda.so.1) on the GPU machine.
//
//===----------------------------------------------------------------------===//

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

constexpr int kChains = 8;

__global__ void copyKernel(const float4 *__restrict__ src,
                           float4 *__restrict__ dst, size_t n) {
  size_t stride = size_t(gridDim.x) * blockDim.x;
  for (size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride)
    dst[i] = src[i];
}

__global__ void readKernel(const float4 *__restrict__ src, size_t n,
                           float *out) {
  size_t stride = size_t(gridDim.x) * blockDim.x;
  float s = 0;
  for (size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    float4 v = src[i];
    s += v.x + v.y + v.z + v.w;
  }
  if (s == 12345.678f) // never (the inputs are zero): keeps the loads
    *out = s;
}

template <class T> __global__ void fmaKernel(T a, T b, int iterations, T *out) {
  T x[kChains];
#pragma unroll
  for (int c = 0; c < kChains; ++c)
    x[c] = T(threadIdx.x + c);
  for (int i = 0; i < iterations; ++i) {
#pragma unroll
    for (int k = 0; k < 16; ++k) {
#pragma unroll
      for (int c = 0; c < kChains; ++c)
        x[c] = x[c] * a + b;
    }
  }
  T s = 0;
#pragma unroll
  for (int c = 0; c < kChains; ++c)
    s += x[c];
  if (s == T(-1)) // never: keeps the chains
    *out = s;
}

std::string error;

bool check(cudaError_t e, const char *what) {
  if (e == cudaSuccess)
    return true;
  if (error.empty())
    error = std::string(what) + ": " + cudaGetErrorName(e) + ": " +
            cudaGetErrorString(e);
  return false;
}

/// Best time in seconds of `reps` runs of `f` (after one warm-up).
template <class F> double bestTime(int reps, F f) {
  cudaEvent_t start, stop;
  if (!check(cudaEventCreate(&start), "cudaEventCreate") ||
      !check(cudaEventCreate(&stop), "cudaEventCreate"))
    return -1;
  f();
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    cudaEventRecord(start);
    f();
    cudaEventRecord(stop);
    if (!check(cudaEventSynchronize(stop), "cudaEventSynchronize"))
      return -1;
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    best = std::min(best, ms * 1e-3);
  }
  if (!check(cudaGetLastError(), "kernel launch"))
    return -1;
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return best;
}

/// FP32 and FP64 lanes per SM of compute capability major.minor (the CUDA
/// programming guide's throughput table); 0 when not known here.
int fp32Lanes(int major, int minor) {
  if (major == 8 && minor == 0)
    return 64;
  if (major >= 8)
    return 128;
  return major == 7 ? 64 : 0;
}
int fp64Lanes(int major, int minor) {
  if ((major == 8 && minor == 0) || (major == 7 && minor == 0))
    return 32;
  if (major == 9 || (major == 10 && minor == 0))
    return 64;
  if (major >= 7)
    return 2; // consumer parts: 1/64 of FP32
  return 0;
}

void printNumber(const char *name, double v, bool comma = true) {
  if (v > 0)
    std::printf("\"%s\": %.1f%s", name, v, comma ? ", " : "");
  else
    std::printf("\"%s\": null%s", name, comma ? ", " : "");
}

} // namespace

int main() {
  int device = 0, count = 0;
  if (!check(cudaGetDeviceCount(&count), "cudaGetDeviceCount") || count == 0) {
    if (error.empty())
      error = "no CUDA device";
    std::printf("{\"error\": \"no usable GPU: %s\"}\n", error.c_str());
    std::fprintf(stderr, "lds-gpu-roofline: no usable GPU: %s\n",
                 error.c_str());
    return 2;
  }
  cudaDeviceProp prop;
  check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  int smClockKHz = 0, memClockKHz = 0, busBits = 0;
  cudaDeviceGetAttribute(&smClockKHz, cudaDevAttrClockRate, device);
  cudaDeviceGetAttribute(&memClockKHz, cudaDevAttrMemoryClockRate, device);
  cudaDeviceGetAttribute(&busBits, cudaDevAttrGlobalMemoryBusWidth, device);
  int sms = prop.multiProcessorCount;
  double nominalHbm = 2.0 * memClockKHz * 1e3 * (busBits / 8.0) / 1e9;
  double nominal32 = double(sms) * fp32Lanes(prop.major, prop.minor) * 2 *
                     smClockKHz * 1e3 / 1e9;
  double nominal64 = double(sms) * fp64Lanes(prop.major, prop.minor) * 2 *
                     smClockKHz * 1e3 / 1e9;

  // DRAM: two 1 GiB buffers (far beyond any L2).
  const size_t bytes = size_t(1) << 30;
  float4 *a = nullptr, *b = nullptr;
  float *sink = nullptr;
  double memcpyGBps = -1, copyGBps = -1, readGBps = -1;
  if (check(cudaMalloc(&a, bytes), "cudaMalloc") &&
      check(cudaMalloc(&b, bytes), "cudaMalloc") &&
      check(cudaMalloc(&sink, sizeof(float)), "cudaMalloc") &&
      check(cudaMemset(a, 0, bytes), "cudaMemset") &&
      check(cudaMemset(b, 0, bytes), "cudaMemset")) {
    size_t n = bytes / sizeof(float4);
    int blocks = sms * 8, threads = 512;
    double t = bestTime(
        20, [&] { cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice); });
    if (t > 0)
      memcpyGBps = 2.0 * bytes / t / 1e9;
    t = bestTime(20, [&] { copyKernel<<<blocks, threads>>>(a, b, n); });
    if (t > 0)
      copyGBps = 2.0 * bytes / t / 1e9;
    t = bestTime(20, [&] { readKernel<<<blocks, threads>>>(a, n, sink); });
    if (t > 0)
      readGBps = 1.0 * bytes / t / 1e9;
  }
  cudaFree(a);
  cudaFree(b);

  // FMA peaks: 8 blocks of 256 threads per SM, 8 chains x 16 FMAs per
  // iteration.
  int blocks = sms * 8, threads = 256;
  double fp32 = -1, fp64 = -1;
  {
    int iters = 4096;
    double t = bestTime(10, [&] {
      fmaKernel<float><<<blocks, threads>>>(0.999f, 0.001f, iters, sink);
    });
    if (t > 0)
      fp32 = 2.0 * kChains * 16 * double(iters) * blocks * threads / t / 1e9;
    iters = 512;
    t = bestTime(10, [&] {
      fmaKernel<double><<<blocks, threads>>>(0.999, 0.001, iters,
                                             reinterpret_cast<double *>(sink));
    });
    if (t > 0)
      fp64 = 2.0 * kChains * 16 * double(iters) * blocks * threads / t / 1e9;
  }
  cudaFree(sink);

  double hbm = std::max(memcpyGBps, copyGBps);
  std::printf("{\"device\": \"%s\", \"cc\": \"%d.%d\", \"sms\": %d, ",
              prop.name, prop.major, prop.minor, sms);
  std::printf("\"sm_clock_MHz\": %.0f, \"mem_clock_MHz\": %.0f, "
              "\"bus_width_bits\": %d, \"memory_GiB\": %.1f, ",
              smClockKHz / 1e3, memClockKHz / 1e3, busBits,
              prop.totalGlobalMem / double(1 << 30));
  std::printf("\"nominal\": {");
  printNumber("hbm_GBps", nominalHbm);
  printNumber("fp32_GFLOPs", nominal32);
  printNumber("fp64_GFLOPs", nominal64, false);
  std::printf("}, \"measured\": {");
  printNumber("memcpy_d2d_GBps", memcpyGBps);
  printNumber("copy_kernel_GBps", copyGBps);
  printNumber("read_kernel_GBps", readGBps);
  printNumber("fp32_fma_GFLOPs", fp32);
  printNumber("fp64_fma_GFLOPs", fp64, false);
  std::printf("}, \"roofline\": {");
  printNumber("hbm_GBps", hbm);
  printNumber("fp32_GFLOPs", fp32);
  printNumber("fp64_GFLOPs", fp64, false);
  std::printf("}");
  if (!error.empty())
    std::printf(", \"error\": \"%s\"", error.c_str());
  std::printf("}\n");
  std::fprintf(stderr,
               "lds-gpu-roofline: %s (sm_%d%d, %d SMs): DRAM %.0f GB/s "
               "measured (nominal %.0f), fp32 %.0f GFLOP/s (nominal %.0f), "
               "fp64 %.0f GFLOP/s (nominal %.0f)\n",
               prop.name, prop.major, prop.minor, sms, hbm, nominalHbm, fp32,
               nominal32, fp64, nominal64);
  return error.empty() ? 0 : 1;
}

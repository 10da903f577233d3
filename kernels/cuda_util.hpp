#pragma once
// Internal to kernels/: CUDA error checking and owners of device memory, pinned memory, streams
// and events, so that a check that throws halfway frees what it took.

#include <cuda_runtime.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace gpurun::kernels::cuda {

inline void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    cudaGetLastError(); // clear a sticky-free error so the next check starts clean
    throw Error(fmt::format("{}: {} ({})", what, cudaGetErrorString(status), cudaGetErrorName(status)));
  }
}

// After a launch: a bad configuration shows at once, a fault inside the kernel at the sync.
inline void check_launch(const char* what) { check(cudaGetLastError(), what); }

class DeviceBuffer {
public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes) : m_bytes(bytes) {
    check(cudaMalloc(&m_ptr, bytes), fmt::format("cudaMalloc of {} bytes", bytes).c_str());
  }
  ~DeviceBuffer() { if (m_ptr) cudaFree(m_ptr); }
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : m_ptr(std::exchange(other.m_ptr, nullptr)), m_bytes(std::exchange(other.m_bytes, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    std::swap(m_ptr, other.m_ptr);
    std::swap(m_bytes, other.m_bytes);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  template <typename T = void> T* get() const { return static_cast<T*>(m_ptr); }
  std::size_t bytes() const { return m_bytes; }

private:
  void* m_ptr = nullptr;
  std::size_t m_bytes = 0;
};

class PinnedBuffer {
public:
  explicit PinnedBuffer(std::size_t bytes) : m_bytes(bytes) {
    check(cudaHostAlloc(&m_ptr, bytes, cudaHostAllocDefault), "cudaHostAlloc");
  }
  ~PinnedBuffer() { if (m_ptr) cudaFreeHost(m_ptr); }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  template <typename T = void> T* get() const { return static_cast<T*>(m_ptr); }
  std::size_t bytes() const { return m_bytes; }

private:
  void* m_ptr = nullptr;
  std::size_t m_bytes = 0;
};

class Stream {
public:
  Stream() { check(cudaStreamCreateWithFlags(&m_stream, cudaStreamNonBlocking), "cudaStreamCreate"); }
  ~Stream() { cudaStreamDestroy(m_stream); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return m_stream; }
  void sync(const char* what) const { check(cudaStreamSynchronize(m_stream), what); }

private:
  cudaStream_t m_stream = nullptr;
};

class Event {
public:
  Event() { check(cudaEventCreate(&m_event), "cudaEventCreate"); }
  ~Event() { cudaEventDestroy(m_event); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return m_event; }

private:
  cudaEvent_t m_event = nullptr;
};

// Times `body` (which enqueues work on `stream`) `repeats` times after `warmups` untimed runs,
// with events around each run; returns the median in seconds.
template <typename Body> double median_seconds(cudaStream_t stream, int warmups, int repeats, Body&& body) {
  for (int i = 0; i < warmups; ++i) body();
  check_launch("warm-up launch");
  std::vector<Event> events(static_cast<std::size_t>(repeats) + 1);
  check(cudaEventRecord(events[0].get(), stream), "cudaEventRecord");
  for (int i = 0; i < repeats; ++i) {
    body();
    check(cudaEventRecord(events[static_cast<std::size_t>(i) + 1].get(), stream), "cudaEventRecord");
  }
  check_launch("timed launch");
  check(cudaEventSynchronize(events.back().get()), "timed run");
  std::vector<float> ms;
  for (int i = 0; i < repeats; ++i) {
    float t = 0;
    check(cudaEventElapsedTime(&t, events[static_cast<std::size_t>(i)].get(),
                               events[static_cast<std::size_t>(i) + 1].get()),
          "cudaEventElapsedTime");
    ms.push_back(t);
  }
  std::nth_element(ms.begin(), ms.begin() + static_cast<std::ptrdiff_t>(ms.size() / 2), ms.end());
  return ms[ms.size() / 2] / 1e3;
}

} // namespace gpurun::kernels::cuda

#pragma once
// The one interface between the smoke checks and a GPU. The CUDA build implements it over the
// CUDA runtime, cuBLASLt and NVML (cuda_backend.cpp); tests use FakeBackend (fake_backend.hpp);
// a build without CUDA gets a backend that reports "no CUDA support". Everything here is plain
// C++: no CUDA type crosses this header.
//
// A backend measures; it does not judge. Grading against the catalog and the thresholds happens
// in smoke.cpp, so the same logic runs on a real GPU and on the fake.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gpurun::kernels {

enum class Level { quick, thorough };

struct DeviceInfo {
  int index = 0;                          // CUDA device ordinal
  std::string name;                       // as the driver reports it ("NVIDIA H200")
  std::string pci_bus_id;                 // "0000:18:00.0"; empty when unknown
  std::optional<unsigned> pci_device_id;  // PCI product id (0x2335), where readable
  std::uint64_t memory_bytes = 0;         // total device memory
  int sm_count = 0;
  int cc_major = 0;
  int cc_minor = 0;
};

struct SystemInfo {
  std::string driver_version;       // "580.159.04"; empty when NVML could not be read
  std::string cuda_driver_version;  // the CUDA version the driver supports, "13.0"
  std::string runtime_version;      // the CUDA runtime linked in, "13.0"
  std::vector<DeviceInfo> devices;
  // Set, with devices empty, when no device can be used: no CUDA support in this build, no
  // driver, no device. A plain sentence for the user.
  std::string unavailable_reason;
};

// Health counters as read from NVML. Every field is optional: what could not be read stays empty
// and its check reports `skip` with `unreadable_reason` (or a field-specific reason).
struct Health {
  std::string unreadable_reason;  // why nothing at all could be read (no NVML), else empty
  std::optional<bool> ecc_enabled;
  std::optional<std::uint64_t> ecc_uncorrected_volatile;   // since the driver loaded
  std::optional<std::uint64_t> ecc_uncorrected_aggregate;  // over the card's life
  std::optional<bool> retired_pages_pending;               // pre-Hopper page retirement
  std::optional<unsigned> remapped_rows_uncorrectable;     // Ampere and later row remapping
  std::optional<bool> remap_pending;
  std::optional<bool> remap_failed;
  std::optional<std::uint64_t> clock_event_reasons;        // NVML clock-event (throttle) bit mask
  std::optional<int> pcie_gen;
  std::optional<int> pcie_width;
  std::optional<int> pcie_max_gen;
  std::optional<int> pcie_max_width;
};

struct MemtestResult {
  std::uint64_t bytes_tested = 0;
  std::uint64_t free_bytes = 0;  // free device memory when the test started
  int patterns = 0;              // passes written and verified
  std::uint64_t errors = 0;      // 32-bit words that read back wrong, over all passes
  std::string first_error;       // where and what, when errors > 0
};

struct BandwidthResult {
  double copy_gbps = 0;   // bytes read + written per second, 1e9 bytes
  double triad_gbps = 0;  // a = b + s*c: bytes read + written
  std::uint64_t buffer_bytes = 0;
};

struct FmaResult {
  double tflops = 0;
  double clock_mhz = 0;   // SM clock measured inside the kernel
};

struct GemmResult {
  int m = 0, n = 0, k = 0;
  double tflops = 0;              // random bf16 inputs, bf16 output, fp32 accumulation
  double sample_rel_error = 0;    // sampled outputs against a float64 reference
  bool known_answer_exact = false;
  std::string known_answer_detail; // the first mismatch, when not exact
};

struct HostCopyResult {
  std::uint64_t bytes = 0;
  double h2d_gbps = 0;
  double d2h_gbps = 0;
  bool data_ok = false;  // what went down came back unchanged
};

struct PeerResult {
  bool access = false;    // both directions can map the other's memory
  double gbps = 0;        // from -> to, bytes moved once
  bool data_ok = false;
  std::string detail;     // why access is missing, or what came back wrong
};

// A backend's methods throw gpurun::Error when a measurement cannot run (an allocation or a
// launch failed); the caller reports that check as failed with the message.
class Backend {
public:
  virtual ~Backend() = default;
  // Driver, runtime and the devices this process can see. Never throws: failure to find a
  // device is reported through unavailable_reason.
  virtual SystemInfo discover() = 0;
  virtual Health health(int device) = 0;
  virtual MemtestResult memtest(int device, Level level) = 0;
  virtual BandwidthResult bandwidth(int device, Level level) = 0;
  virtual FmaResult fma(int device, Level level) = 0;
  // Only called for devices whose catalog type has bf16 tensor cores.
  virtual GemmResult gemm(int device, Level level) = 0;
  virtual HostCopyResult host_copies(int device, Level level) = 0;
  virtual PeerResult peer(int from, int to, Level level) = 0;
  // Whether measurements on different devices may run at the same time (one host thread each).
  virtual bool parallel_devices() const { return true; }
};

// The backend of this build: CUDA when compiled with it, otherwise one whose discover() says
// "this build has no CUDA support".
std::unique_ptr<Backend> make_system_backend();

} // namespace gpurun::kernels

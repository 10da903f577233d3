#include "server/gpu_discovery.hpp"

#include <cstdio>
#include <sstream>

#include "gpu_spec/device_match.hpp"

namespace gpurun::server {
namespace {

std::string trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t\r") - begin + 1);
}

} // namespace

GpuDiscovery parse_nvidia_smi(const std::string& csv) {
  GpuDiscovery out;
  std::istringstream lines(csv);
  std::string line;
  while (std::getline(lines, line)) {
    if (trim(line).empty()) continue;
    std::vector<std::string> fields;
    std::istringstream parts(line);
    std::string field;
    while (std::getline(parts, field, ',')) fields.push_back(trim(field));
    if (fields.size() < 3) {
      out.notes.push_back("cannot read nvidia-smi line '" + line + "'");
      continue;
    }
    gpu_spec::DeviceFacts facts{fields[1], std::nullopt, 0};
    try {
      facts.memory_gib = std::stod(fields[2]) / 1024.0;
      // pci.device_id reads like 0x233510DE: the device id is the upper 16 bits.
      if (fields.size() > 3 && fields[3].starts_with("0x"))
        facts.pci_device_id = static_cast<unsigned>(std::stoul(fields[3], nullptr, 16) >> 16);
      const gpu_spec::GpuType* type = gpu_spec::match_device(facts);
      if (type == nullptr) {
        out.notes.push_back("GPU " + fields[0] + " (" + fields[1] + ") is not in the catalog; it is not offered");
        continue;
      }
      out.gpus.push_back({std::stoi(fields[0]), std::string(type->name)});
    } catch (const std::exception&) {
      out.notes.push_back("cannot read nvidia-smi line '" + line + "'");
    }
  }
  return out;
}

GpuDiscovery discover_gpus() {
  // A fixed command line with no user input: popen's shell is harmless here.
  FILE* pipe = ::popen("nvidia-smi --query-gpu=index,name,memory.total,pci.device_id "
                       "--format=csv,noheader,nounits 2>/dev/null", "r");
  if (pipe == nullptr) return {};
  std::string output;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  int status = ::pclose(pipe);
  if (status != 0) return {};
  return parse_nvidia_smi(output);
}

} // namespace gpurun::server

#include "core/time_zone.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace gpurun::core {
namespace {

std::int64_t big_endian(const std::string& data, size_t at, size_t bytes) {
  if (at + bytes > data.size()) throw Error("truncated");
  std::uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(data[at + i]);
  if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

struct Header {
  std::int64_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

Header header_at(const std::string& data, size_t at) {
  if (data.compare(at, 4, "TZif") != 0) throw Error("not a TZif file");
  Header h{};
  h.isutcnt = big_endian(data, at + 20, 4);
  h.isstdcnt = big_endian(data, at + 24, 4);
  h.leapcnt = big_endian(data, at + 28, 4);
  h.timecnt = big_endian(data, at + 32, 4);
  h.typecnt = big_endian(data, at + 36, 4);
  h.charcnt = big_endian(data, at + 40, 4);
  if (h.typecnt < 1 || h.timecnt < 0 || h.timecnt > 100000 || h.typecnt > 256) throw Error("bad counts");
  return h;
}

size_t block_size(const Header& h, size_t time_bytes) {
  return static_cast<size_t>(h.timecnt) * time_bytes + static_cast<size_t>(h.timecnt) + static_cast<size_t>(h.typecnt) * 6 +
         static_cast<size_t>(h.charcnt) + static_cast<size_t>(h.leapcnt) * (time_bytes + 4) +
         static_cast<size_t>(h.isstdcnt) + static_cast<size_t>(h.isutcnt);
}

} // namespace

TimeZone TimeZone::utc() {
  TimeZone zone;
  zone.m_name = "UTC";
  return zone;
}

TimeZone TimeZone::parse(const std::string& name, const std::string& data) {
  try {
    Header h = header_at(data, 0);
    size_t at = 44;
    size_t time_bytes = 4;
    if (data.size() > 4 && data[4] >= '2') {
      // Version 2 and later repeat the data with 64-bit times after the version 1 block.
      at += block_size(h, 4);
      h = header_at(data, at);
      at += 44;
      time_bytes = 8;
    }
    TimeZone zone;
    zone.m_name = name;
    std::vector<int> type_offsets;
    const size_t types_at = at + static_cast<size_t>(h.timecnt) * (time_bytes + 1);
    for (std::int64_t i = 0; i < h.typecnt; ++i)
      type_offsets.push_back(static_cast<int>(big_endian(data, types_at + static_cast<size_t>(i) * 6, 4)));
    for (std::int64_t i = 0; i < h.timecnt; ++i) {
      zone.m_transitions.push_back(big_endian(data, at + static_cast<size_t>(i) * time_bytes, time_bytes));
      const size_t index_at = at + static_cast<size_t>(h.timecnt) * time_bytes + static_cast<size_t>(i);
      if (index_at >= data.size()) throw Error("truncated");
      const auto type = static_cast<unsigned char>(data[index_at]);
      if (type >= type_offsets.size()) throw Error("bad type index");
      zone.m_offsets.push_back(type_offsets[type]);
    }
    // RFC 8536: local time before the first transition is that of type 0.
    zone.m_initial = type_offsets.front();
    return zone;
  } catch (const Error& e) {
    throw Error("time zone '" + name + "': the zoneinfo file is not valid (" + e.what() + ")", ErrorKind::invalid);
  }
}

TimeZone TimeZone::load(const std::string& name) {
  if (name == "UTC" || name == "Etc/UTC") return utc();
  if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos)
    throw Error("unknown time zone '" + name + "'", ErrorKind::invalid);
  const char* dir = std::getenv("TZDIR");
  const std::string path = std::string(dir != nullptr && dir[0] != '\0' ? dir : "/usr/share/zoneinfo") + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("unknown time zone '" + name + "' (no " + path + ")", ErrorKind::invalid);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse(name, buffer.str());
}

int TimeZone::offset_at(std::chrono::sys_seconds t) const {
  const std::int64_t s = t.time_since_epoch().count();
  auto it = std::upper_bound(m_transitions.begin(), m_transitions.end(), s);
  if (it == m_transitions.begin()) return m_initial;
  return m_offsets[static_cast<size_t>(it - m_transitions.begin()) - 1];
}

std::chrono::sys_seconds TimeZone::to_local(std::chrono::sys_seconds t) const {
  return t + std::chrono::seconds(offset_at(t));
}

std::vector<int> TimeZone::offsets_near(std::chrono::sys_seconds local) const {
  // Offsets are within ±26 hours, so the instants that can show `local` lie within a day of it.
  const auto day = std::chrono::hours(26);
  std::vector<int> out = {offset_at(local - day)};
  const std::int64_t from = (local - day).time_since_epoch().count();
  const std::int64_t to = (local + day).time_since_epoch().count();
  auto it = std::upper_bound(m_transitions.begin(), m_transitions.end(), from);
  for (; it != m_transitions.end() && *it <= to; ++it) {
    int offset = m_offsets[static_cast<size_t>(it - m_transitions.begin())];
    if (std::find(out.begin(), out.end(), offset) == out.end()) out.push_back(offset);
  }
  return out;
}

} // namespace gpurun::core

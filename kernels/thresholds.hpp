#pragma once
// Pass/warn/fail thresholds of the smoke checks, as fractions of the catalog figures. This is the
// one place they are set; docs/smoke.md explains each and what a healthy H200 measures.

#include <optional>
#include <span>
#include <string_view>

namespace gpurun::kernels {

enum class CheckStatus { pass, warn, fail, skip };

std::string_view status_name(CheckStatus status);
// The worse of two statuses, for rolling checks up into a device and a report. skip is the
// mildest: a skipped check never makes a report fail.
CheckStatus worse(CheckStatus a, CheckStatus b);

// A measured rate divided by the catalog figure grades as fail below `fail_below`, warn below
// `warn_below`, pass otherwise.
struct Threshold {
  std::string_view check;  // the check's name in reports
  double warn_below = 0;
  double fail_below = 0;
  std::string_view why;    // one line: what a healthy card measures, and why the margin
};

// Every rated check's threshold, in report order.
std::span<const Threshold> thresholds();

// The threshold of a rated check; nullopt for checks graded by counts or correctness alone.
std::optional<Threshold> threshold_for(std::string_view check);

// Grades ratio = measured / catalog against a threshold.
CheckStatus grade(double ratio, const Threshold& threshold);

// Share of free memory the thorough memory pattern test must cover (the issue asks for 90%).
inline constexpr double k_thorough_memtest_coverage = 0.90;

} // namespace gpurun::kernels

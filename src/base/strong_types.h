// Strong integer types, so that a source offset cannot be passed where a target offset or
// a partition number is expected. Header-only, value types, thread-compatible.
#pragma once

#include <fmt/format.h>

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>

namespace strait {

template <typename Tag, typename Rep>
class StrongInt {
 public:
  using rep = Rep;
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(Rep value) : value_(value) {}

  constexpr Rep value() const { return value_; }
  // clang-tidy 14 takes the defaulted comparison's 0 for a null pointer.
  constexpr auto operator<=>(const StrongInt&) const = default;  // NOLINT(modernize-use-nullptr)

  // Moving along the same log keeps the type; the distance between two offsets is a count.
  constexpr StrongInt operator+(int64_t n) const { return StrongInt(static_cast<Rep>(value_ + n)); }
  constexpr StrongInt operator-(int64_t n) const { return StrongInt(static_cast<Rep>(value_ - n)); }
  constexpr int64_t operator-(StrongInt other) const { return int64_t{value_} - other.value_; }
  StrongInt& operator++() {
    ++value_;
    return *this;
  }

 private:
  Rep value_{};
};

template <typename Tag, typename Rep>
std::ostream& operator<<(std::ostream& os, StrongInt<Tag, Rep> v) {
  return os << v.value();
}

struct SourceOffsetTag {};
struct TargetOffsetTag {};
struct PartitionTag {};

// An offset in a source cluster's partition.
using SourceOffset = StrongInt<SourceOffsetTag, int64_t>;
// An offset in a target cluster's partition.
using TargetOffset = StrongInt<TargetOffsetTag, int64_t>;
// A partition number; strait keeps it: source partition p is mirrored to target partition p.
using PartitionId = StrongInt<PartitionTag, int32_t>;

}  // namespace strait

template <typename Tag, typename Rep>
struct std::hash<strait::StrongInt<Tag, Rep>> {
  size_t operator()(strait::StrongInt<Tag, Rep> v) const noexcept {
    return std::hash<Rep>()(v.value());
  }
};

template <typename Tag, typename Rep>
struct fmt::formatter<strait::StrongInt<Tag, Rep>> : fmt::formatter<Rep> {
  auto format(strait::StrongInt<Tag, Rep> v, fmt::format_context& ctx) const {
    return fmt::formatter<Rep>::format(v.value(), ctx);
  }
};

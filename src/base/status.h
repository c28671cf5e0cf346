// Status and Result: how strait code reports failure without exceptions.
//
// A Status carries a code, a message a person can act on, and whether retrying the same
// operation may succeed. Result<T> is a T or a non-OK Status. Both are values: copy them,
// return them, never ignore them ([[nodiscard]]). Thread-compatible (no shared state).
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace strait {

enum class StatusCode {
  kOk,
  kInvalidArgument,  // bad input from a user: config, command line
  kNotFound,         // a topic, group or cluster that does not exist
  kAlreadyExists,
  kFailedPrecondition,  // the world is not in the state the operation needs
  kPermissionDenied,    // an ACL or authentication failure
  kResourceExhausted,   // a record too large, a queue full
  kUnavailable,         // a broker or link is down; usually retriable
  kTimeout,
  kCancelled,  // shutdown was requested
  kDataLoss,   // records that should exist are gone
  kInternal,
};

enum class Retriable { kNo, kYes };

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, Retriable retriable = Retriable::kNo)
      : code_(code), message_(std::move(message)), retriable_(retriable) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool retriable() const { return retriable_ == Retriable::kYes; }

  // Prefixes the message with what was being done: "creating topic dc1.orders: <message>".
  Status WithContext(std::string_view context) const;

  // "invalid_argument: <message>"; "ok" for OK.
  std::string ToString() const;

  // Marks a status explicitly as handled where dropping it is the right thing to do.
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  Retriable retriable_ = Retriable::kNo;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status Unavailable(std::string m) {
  return {StatusCode::kUnavailable, std::move(m), Retriable::kYes};
}
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status Timeout(std::string m) {
  return {StatusCode::kTimeout, std::move(m), Retriable::kYes};
}

[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(state_).ok()) CheckFailed(__FILE__, __LINE__, "Result built from OK");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(state_);
  }
  T& value() & { return checked(); }
  const T& value() const& { return const_cast<Result*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->checked(); }
  T& operator*() & { return checked(); }
  const T& operator*() const& { return const_cast<Result*>(this)->checked(); }

 private:
  T& checked() {
    if (!ok()) CheckFailed(__FILE__, __LINE__, "value() on a failed Result");
    return std::get<T>(state_);
  }
  std::variant<T, Status> state_;
};

}  // namespace strait

// Aborts with file and line when an invariant is broken. Never for user input.
#define STRAIT_CHECK(cond) ((cond) ? (void)0 : ::strait::CheckFailed(__FILE__, __LINE__, #cond))

#define STRAIT_CONCAT_INNER(a, b) a##b
#define STRAIT_CONCAT(a, b) STRAIT_CONCAT_INNER(a, b)

#define STRAIT_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::strait::Status strait_status_ = (expr);        \
    if (!strait_status_.ok()) return strait_status_; \
  } while (0)

// `tmp` and `lhs` are a name and a declaration: they cannot be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define STRAIT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

#define STRAIT_ASSIGN_OR_RETURN(lhs, expr) \
  STRAIT_ASSIGN_OR_RETURN_IMPL(STRAIT_CONCAT(strait_result_, __LINE__), lhs, expr)

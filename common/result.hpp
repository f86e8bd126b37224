#pragma once
// Result of a runtime kernel or network call: a value, or an error_code
// (built from errno) with a short context saying what was attempted.
#include <cerrno>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace vipd {

struct Error {
  std::error_code code;
  std::string context;

  static Error fromErrno(int err, std::string context) {
    return Error{std::error_code(err, std::system_category()), std::move(context)};
  }
  std::string message() const { return context.empty() ? code.message() : context + ": " + code.message(); }
  bool is(std::errc e) const { return code == e; }
};

template <class T>
class [[nodiscard]] Result {
public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(state_); }
  const T& value() const { return std::get<0>(state_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(state_); }

private:
  std::variant<T, Error> state_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace vipd

// Small status helpers missing from the Abseil that Debian 12 ships
// (20220623 has no status_macros.h).
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SILT_CONCAT_INNER_(a, b) a##b
#define SILT_CONCAT_(a, b) SILT_CONCAT_INNER_(a, b)

// Returns from the current function if `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)            \
  do {                                   \
    ::absl::Status _silt_st = (expr);    \
    if (!_silt_st.ok()) return _silt_st; \
  } while (0)

// `lhs` = value of `rexpr` (an absl::StatusOr<T>), or returns its status.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(SILT_CONCAT_(_silt_sor_, __LINE__), lhs, rexpr)
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                           \
  if (!tmp.ok()) return tmp.status();           \
  lhs = std::move(tmp).value()

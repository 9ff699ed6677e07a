// Detection for credit_card: long runs of digits (single spaces or dashes
// between digits allowed), found with AVX2 compares and bit arithmetic
// rather than a Hyperscan pattern: Hyperscan runs a 13-digit counter as an
// automaton over every digit byte, which costs more on log lines (16% of
// their bytes are digits) than every other default rule together. See
// redact/redact_format.md, section 1. Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace silt::redact::internal {

// Runs shorter than this are never a card (13 digits, contiguous).
inline constexpr int kCardRunBytes = 13;

// Appends to *out, for each run of at least kCardRunBytes bytes of digits and
// separators (a space or '-' right after a digit), the offset of its
// kCardRunBytes-th byte (a run may be reported more than once). Reads only
// data[0, n).
void FindLongDigitRuns(const char* data, size_t n, std::vector<uint32_t>* out);

// The detection of credit_card: appends the start offset of each such run
// that holds a number LocateCreditCards accepts (a grouping of 13-19 digits,
// an issuer's first digit, Luhn), its ends taken as boundaries (the bytes
// next to the run may be a JSON escape). Runs of UUIDs, timestamps and ids
// fail here, so their lines are not located at all. `runs` is scratch.
void FindCardRuns(const char* data, size_t n, std::vector<uint32_t>* runs,
                  std::vector<uint32_t>* out);

}  // namespace silt::redact::internal

// Request parsing helpers of the HTTP server: percent-decoding, query
// strings and form bodies, listen addresses. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/http_server.h"
#include "server/internal/http_beast.h"

namespace silt::server::internal {

// Decodes %XX escapes; with `plus_is_space` ('+' in query strings and
// forms) '+' becomes ' '. A malformed escape is kept as it is.
std::string PercentDecode(std::string_view in, bool plus_is_space);

// Adds the pairs of "a=1&b=x+y&match[]=..." to `params`, decoded. A key
// without '=' gets an empty value; empty pieces are skipped.
void ParseQuery(std::string_view query, Params* params);

}  // namespace silt::server::internal

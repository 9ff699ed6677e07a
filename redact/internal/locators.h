// Exact locators of the built-in rules over decoded text. Each appends the
// spans it finds, in order, tagged `rule`. Stateless; thread-safe.
// What each accepts: redact/redact_format.md, section 3.
#pragma once

#include <string_view>
#include <vector>

#include "redact/internal/span.h"

namespace silt::redact::internal {

void LocateCreditCards(std::string_view t, uint16_t rule,
                       std::vector<Span>* out);
void LocateIpv4(std::string_view t, uint16_t rule, std::vector<Span>* out);
void LocateIpv6(std::string_view t, uint16_t rule, std::vector<Span>* out);
void LocateUsSsn(std::string_view t, uint16_t rule, std::vector<Span>* out);
void LocateIbans(std::string_view t, uint16_t rule, std::vector<Span>* out);

void LocateEmails(std::string_view t, uint16_t rule, std::vector<Span>* out);
void LocateJwts(std::string_view t, uint16_t rule, std::vector<Span>* out);
void LocateAwsKeys(std::string_view t, uint16_t rule, std::vector<Span>* out);
void LocateBearerTokens(std::string_view t, const TextContext& ctx,
                        uint16_t rule, std::vector<Span>* out);
void LocateUrlCredentials(std::string_view t, uint16_t rule,
                          std::vector<Span>* out);
void LocateSecretKv(std::string_view t, uint16_t rule, std::vector<Span>* out);

}  // namespace silt::redact::internal

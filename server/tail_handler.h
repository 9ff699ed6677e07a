// Serves GET /loki/api/v1/tail over a websocket: the stored entries of the
// query's range first (newest `limit`, oldest first), then every entry
// appended afterwards that the query selects, as Loki's tail messages.
// A client that cannot keep up has entries dropped (counted in
// dropped_entries) rather than silt buffering without bound.
#pragma once

#include <memory>

#include "server/api.h"
#include "server/http_server.h"

namespace silt::server {

// Runs on an io thread (must not block); `ctx` outlives the connection.
void ServeTail(ApiContext* ctx, HttpRequest&& req,
               std::shared_ptr<WebsocketConnection> conn);

}  // namespace silt::server

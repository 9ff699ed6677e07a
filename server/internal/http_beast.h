// Boost.Beast for the HTTP server. Include this instead of the Boost
// headers: Boost 1.74's asio/awaitable.hpp uses std::exchange without
// including <utility>.
#pragma once

#include <utility>
// Must follow <utility>.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

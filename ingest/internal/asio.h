// Boost.Asio for ingest/. Include this instead of <boost/asio.hpp>: Boost
// 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#pragma once

#include <utility>
// Must follow <utility>.
#include <boost/asio.hpp>

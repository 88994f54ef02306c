#pragma once
// For engine fuzz targets: what process_frame hands back is whole frames or
// nothing; a disconnect sends nothing half-built.
#include <vector>

#include "smbd-session/engine.h"
#include "smbd-session/pdu.h"

namespace cifsd::fuzz {

// Traps on a malformed answer; true if the connection goes on.
inline bool check_engine_output(session::EngineResult er, const std::vector<uint8_t>& out) {
  if (er == session::EngineResult::kDisconnect) {
    if (!out.empty()) __builtin_trap();
    return false;
  }
  if (!out.empty()) {
    session::FrameHeader fh;
    if (!session::parse_frame_header({out.data(), 4}, &fh) || fh.length != out.size() - 4) __builtin_trap();
  }
  return true;
}

}  // namespace cifsd::fuzz

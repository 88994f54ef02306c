#pragma once
// What the engine checks centrally before any handler runs, per command.
#include <cstdint>

#include "smbd-session/request.h"

namespace cifsd::session {

struct CommandInfo {
  const char* name;
  uint16_t structure_size;    // the request's StructureSize field
  bool needs_session;
  bool needs_tree;
  uint16_t file_id_offset;    // body offset of a FileId that must name an open, 0: none
  bool before_negotiate;      // allowed before NEGOTIATE completed
  bool may_be_async;
  Handler handler;
};

// nullptr for an unknown command.
const CommandInfo* command_info(uint16_t command);

}  // namespace cifsd::session

#include "smbd-session/command_table.h"

#include "smbd-session/handlers.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {
namespace {

// Indexed by command number (MS-SMB2 2.2.1). StructureSize values from
// MS-SMB2 2.2.3 - 2.2.35. FileId offsets: CLOSE/FLUSH/LOCK/QUERY_DIRECTORY/
// CHANGE_NOTIFY/OPLOCK_BREAK at 8, READ/WRITE/SET_INFO at 16, QUERY_INFO at
// 24. IOCTL checks its own (some FSCTLs take no file).
const CommandInfo kTable[smb2::kCommandCount] = {
    {"NEGOTIATE", 36, false, false, 0, true, false, handle_negotiate},
    {"SESSION_SETUP", 25, false, false, 0, false, false, handle_session_setup},
    {"LOGOFF", 4, true, false, 0, false, false, handle_logoff},
    {"TREE_CONNECT", 9, true, false, 0, false, false, handle_tree_connect},
    {"TREE_DISCONNECT", 4, true, true, 0, false, false, handle_tree_disconnect},
    {"CREATE", 57, true, true, 0, false, true, handle_create},
    {"CLOSE", 24, true, true, 8, false, false, handle_close},
    {"FLUSH", 24, true, true, 8, false, false, handle_flush},
    {"READ", 49, true, true, 16, false, true, handle_read},
    {"WRITE", 49, true, true, 16, false, true, handle_write},
    {"LOCK", 48, true, true, 8, false, true, handle_lock},
    {"IOCTL", 57, true, true, 0, false, true, handle_ioctl},
    {"CANCEL", 4, false, false, 0, false, false, handle_cancel},
    {"ECHO", 4, false, false, 0, false, false, handle_echo},
    {"QUERY_DIRECTORY", 33, true, true, 8, false, true, handle_query_directory},
    {"CHANGE_NOTIFY", 32, true, true, 8, false, true, handle_change_notify},
    {"QUERY_INFO", 41, true, true, 24, false, false, handle_query_info},
    {"SET_INFO", 33, true, true, 16, false, false, handle_set_info},
    {"OPLOCK_BREAK", 24, true, true, 0, false, false, handle_oplock_break},
};

}  // namespace

const CommandInfo* command_info(uint16_t command) {
  return command < smb2::kCommandCount ? &kTable[command] : nullptr;
}

}  // namespace cifsd::session

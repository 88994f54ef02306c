#pragma once
// Information classes with rules of their own (extended attributes, valid
// data length), asked by cmd_query_info.cc / cmd_set_info.cc before their
// generic paths. Each returns false if it does not handle (type, cls);
// otherwise *st is the answer and, for a query, `out` holds the body.
#include "smbd-session/request.h"

namespace cifsd::session {

bool query_info_extra(Request& req, Open& o, uint8_t type, uint8_t cls, uint32_t max, ByteWriter& out,
                      NtStatus* st);
// On success the caller writes the 2-byte SET_INFO response body.
bool set_info_extra(Request& req, Open& o, uint8_t type, uint8_t cls, Bytes buf, NtStatus* st);

}  // namespace cifsd::session

#pragma once
// DESL (MS-NLMP 6): the NTLMv1 response function. A 16-byte key is split into
// three 7-byte DES keys (the last padded with zeros) that each encrypt the
// same 8-byte challenge; the three blocks are the 24-byte response.
#include <cstdint>

#include "common/wire/reader.h"

namespace cifsd::crypto {

// DESL(key, data): `key` must be 16 bytes and `data` 8 bytes, else false.
bool desl(Bytes key, Bytes data, uint8_t out[24]);

}  // namespace cifsd::crypto

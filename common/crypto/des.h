#pragma once
// Single DES (FIPS 46-3), encryption of one block only, implemented here
// because OpenSSL 3 moved DES to the legacy provider and deprecated its
// low-level interface. Used only by DESL for NTLMv1 responses (MS-NLMP 6);
// never as a general-purpose cipher.
#include <cstdint>

namespace cifsd::crypto {

// Encrypts the 8-byte block `in` into `out` (which may alias `in`) under the
// 8-byte key `key` (the low bit of each byte, the parity bit, is ignored).
// The S-box lookups scan the whole table, so the time taken does not depend
// on the key or the data.
void des_encrypt_block(const uint8_t key[8], const uint8_t in[8], uint8_t out[8]);

// Spreads a 56-bit key (7 bytes, most significant bit first) over 8 bytes,
// 7 key bits in the high bits of each byte (MS-NLMP 6, "DES(K, D)").
void des_expand_key56(const uint8_t key7[7], uint8_t key8[8]);

}  // namespace cifsd::crypto

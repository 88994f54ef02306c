#pragma once
// For IPC fuzz targets: our decoders are strict, so whatever decodes must
// re-encode to exactly the bytes it came from.
#include <algorithm>
#include <cstdlib>
#include <vector>

#include "common/wire/reader.h"
#include "common/wire/writer.h"

namespace cifsd::fuzz {

template <class T>
void roundtrip(Bytes b) {
  auto m = T::decode(b);
  if (!m) return;
  std::vector<uint8_t> out;
  ByteWriter w(out);
  m->encode(w);
  if (out.size() != b.size() || !std::equal(out.begin(), out.end(), b.begin())) abort();
}

}  // namespace cifsd::fuzz

// Unit tests: SMB2 header parsing, compound splitting, NetBIOS framing and
// the SMB1 multi-protocol NEGOTIATE parser.
#include <cstring>
#include <string>
#include <vector>

#include "smbd-session/pdu.h"
#include "smbd-session/smb2_types.h"

// cmocka last: it defines macros (skip) that clash with ByteReader.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}
#undef skip

using namespace cifsd;
using namespace cifsd::session;

namespace {

std::vector<uint8_t> header(uint16_t cmd, uint32_t next, uint64_t mid, uint32_t flags = 0) {
  std::vector<uint8_t> v;
  ByteWriter w(v);
  Smb2Header h;
  h.command = cmd;
  h.next_command = next;
  h.message_id = mid;
  h.flags = flags;
  h.tree_id = 7;
  h.session_id = 0x1122334455667788ull;
  write_smb2_header(w, h);
  return v;
}

void test_header_roundtrip(void**) {
  auto v = header(smb2::kCreate, 0, 42);
  assert_int_equal(v.size(), 64);
  Smb2Header h;
  assert_true(parse_smb2_header({v.data(), v.size()}, &h));
  assert_int_equal(h.command, smb2::kCreate);
  assert_int_equal(h.message_id, 42);
  assert_int_equal(h.tree_id, 7);
  assert_int_equal(h.session_id, 0x1122334455667788ull);
}

void test_header_malformed(void**) {
  auto v = header(smb2::kCreate, 0, 1);
  Smb2Header h;
  // Short buffer
  assert_false(parse_smb2_header({v.data(), 63}, &h));
  // Wrong protocol id
  auto bad = v;
  bad[0] = 0xFF;
  assert_false(parse_smb2_header({bad.data(), bad.size()}, &h));
  // Wrong StructureSize
  bad = v;
  bad[4] = 65;
  assert_false(parse_smb2_header({bad.data(), bad.size()}, &h));
  // Async header: AsyncId replaces Reserved+TreeId
  bad = v;
  bad[16] |= smb2::kFlagAsync;
  assert_true(parse_smb2_header({bad.data(), bad.size()}, &h));
  assert_int_equal(h.tree_id, 0);
  assert_int_equal(h.async_id, uint64_t(7) << 32 | 0xFEFF);
}

std::vector<uint8_t> chain(const std::vector<std::pair<uint32_t, size_t>>& parts) {
  // Each part: (NextCommand, total length of that command incl. header).
  std::vector<uint8_t> pdu;
  for (auto [next, len] : parts) {
    auto h = header(smb2::kEcho, next, 1);
    h.resize(len, 0xAB);
    pdu.insert(pdu.end(), h.begin(), h.end());
  }
  return pdu;
}

void test_compound_good(void**) {
  auto pdu = chain({{72, 72}, {80, 80}, {0, 68}});
  std::vector<Bytes> cmds;
  assert_true(split_compound({pdu.data(), pdu.size()}, &cmds));
  assert_int_equal(cmds.size(), 3);
  assert_int_equal(cmds[0].size(), 72);
  assert_int_equal(cmds[1].size(), 80);
  assert_int_equal(cmds[2].size(), 68);
}

void test_compound_bad(void**) {
  std::vector<Bytes> cmds;
  // Misaligned NextCommand
  auto pdu = chain({{68, 68}, {0, 68}});
  assert_false(split_compound({pdu.data(), pdu.size()}, &cmds));
  // NextCommand smaller than a header (would overlap the current one)
  pdu = chain({{64, 64}, {0, 64}});
  assert_true(split_compound({pdu.data(), pdu.size()}, &cmds));  // exactly a header is fine
  pdu = chain({{72, 72}, {0, 64}});
  pdu[20] = 56;  // NextCommand = 56 < 64
  assert_false(split_compound({pdu.data(), pdu.size()}, &cmds));
  // NextCommand past the end
  pdu = chain({{72, 72}, {0, 64}});
  pdu[20] = 200;
  assert_false(split_compound({pdu.data(), pdu.size()}, &cmds));
  // NextCommand exactly at the end leaves nothing for the next header
  pdu = chain({{72, 72}});
  assert_false(split_compound({pdu.data(), pdu.size()}, &cmds));
  // The second command is not an SMB2 header
  pdu = chain({{72, 72}, {0, 64}});
  pdu[72] = 0;
  assert_false(split_compound({pdu.data(), pdu.size()}, &cmds));
  // Too many commands
  std::vector<std::pair<uint32_t, size_t>> many(10, {64, 64});
  many.back() = {0, 64};
  pdu = chain(many);
  assert_false(split_compound({pdu.data(), pdu.size()}, &cmds, 5));
  assert_true(split_compound({pdu.data(), pdu.size()}, &cmds, 10));
}

// Feeds a byte stream into a Framer in small pieces; returns the frames.
std::vector<std::vector<uint8_t>> feed(Framer& f, const std::vector<uint8_t>& stream, bool* err) {
  std::vector<std::vector<uint8_t>> frames;
  size_t pos = 0;
  *err = false;
  while (pos < stream.size()) {
    MutBytes want = f.want();
    size_t n = std::min<size_t>({want.size(), stream.size() - pos, 3});
    std::memcpy(want.data(), stream.data() + pos, n);
    pos += n;
    f.advance(n);
    if (f.state() == Framer::State::kError) { *err = true; return frames; }
    if (f.state() == Framer::State::kFrame) frames.push_back(f.take());
  }
  return frames;
}

void test_framer(void**) {
  Framer f;
  f.set_limit(100);
  std::vector<uint8_t> s = {0x00, 0, 0, 5, 1, 2, 3, 4, 5, 0x85, 0, 0, 0, 0x00, 0, 0, 1, 9};
  bool err;
  auto frames = feed(f, s, &err);
  assert_false(err);
  assert_int_equal(frames.size(), 3);
  assert_int_equal(frames[0].size(), 5);
  assert_int_equal(frames[1].size(), 0);
  assert_int_equal(frames[2][0], 9);
  // Over the limit: rejected before any allocation of that size
  Framer g;
  g.set_limit(100);
  feed(g, {0x00, 0, 0, 101}, &err);
  assert_true(err);
  // Unknown packet type
  Framer h;
  feed(h, {0x42, 0, 0, 1, 0}, &err);
  assert_true(err);
  // Keepalive with a body
  Framer k;
  feed(k, {0x85, 0, 0, 1, 0}, &err);
  assert_true(err);
  // Zero-length session message
  Framer z;
  feed(z, {0x00, 0, 0, 0}, &err);
  assert_true(err);
}

// The reused buffer: payload() is writable and next() starts over; a large
// frame, then small ones, then a large one again each come out intact (the
// buffer grows, shrinks and grows without mixing up lengths or data).
void test_framer_reuse(void**) {
  Framer f;
  f.set_limit(4u << 20);
  auto frame = [](size_t len, uint8_t seed) {
    std::vector<uint8_t> v = {0x00, uint8_t(len >> 16), uint8_t(len >> 8), uint8_t(len)};
    for (size_t i = 0; i < len; i++) v.push_back(uint8_t(seed + i * 7));
    return v;
  };
  for (size_t len : {size_t(3u << 20), size_t(10), size_t(70000), size_t(2u << 20), size_t(1)}) {
    auto s = frame(len, uint8_t(len));
    size_t pos = 0;
    while (f.state() != Framer::State::kFrame) {
      MutBytes want = f.want();
      assert_true(want.size() > 0);
      size_t n = std::min(want.size(), s.size() - pos);
      std::memcpy(want.data(), s.data() + pos, n);
      pos += n;
      f.advance(n);
      assert_int_not_equal(int(f.state()), int(Framer::State::kError));
    }
    assert_int_equal(pos, s.size());
    MutBytes p = f.payload();
    assert_int_equal(p.size(), len);
    assert_memory_equal(p.data(), s.data() + 4, len);
    p[0] ^= 0xFF;  // the caller may work in place
    assert_int_equal(f.payload()[0], uint8_t(s[4] ^ 0xFF));
    f.next();
    assert_int_equal(int(f.state()), int(Framer::State::kHeader));
    assert_int_equal(f.want().size(), 4);
  }
}

std::vector<uint8_t> smb1_negotiate(const std::vector<std::string>& dialects) {
  std::vector<uint8_t> v(32, 0);
  v[0] = 0xFF; v[1] = 'S'; v[2] = 'M'; v[3] = 'B'; v[4] = 0x72;
  v.push_back(0);  // WordCount
  std::vector<uint8_t> bytes;
  for (auto& d : dialects) {
    bytes.push_back(2);
    bytes.insert(bytes.end(), d.begin(), d.end());
    bytes.push_back(0);
  }
  v.push_back(uint8_t(bytes.size()));
  v.push_back(uint8_t(bytes.size() >> 8));
  v.insert(v.end(), bytes.begin(), bytes.end());
  return v;
}

void test_smb1_negotiate(void**) {
  auto v = smb1_negotiate({"NT LM 0.12", "SMB 2.002", "SMB 2.???"});
  assert_int_equal(int(parse_smb1_negotiate({v.data(), v.size()}, true)), int(Smb1Negotiate::kWildcard));
  assert_int_equal(int(parse_smb1_negotiate({v.data(), v.size()}, false)), int(Smb1Negotiate::kSmb202));
  v = smb1_negotiate({"NT LM 0.12", "SMB 2.002"});
  assert_int_equal(int(parse_smb1_negotiate({v.data(), v.size()}, true)), int(Smb1Negotiate::kSmb202));
  v = smb1_negotiate({"NT LM 0.12"});
  assert_int_equal(int(parse_smb1_negotiate({v.data(), v.size()}, true)), int(Smb1Negotiate::kNoSmb2));
  // Unterminated last string
  v = smb1_negotiate({"SMB 2.???"});
  v.pop_back();
  v[33] = uint8_t(v[33] - 1);
  assert_int_equal(int(parse_smb1_negotiate({v.data(), v.size()}, true)), int(Smb1Negotiate::kMalformed));
  // ByteCount past the end
  v = smb1_negotiate({"SMB 2.???"});
  v[33] = 200;
  assert_int_equal(int(parse_smb1_negotiate({v.data(), v.size()}, true)), int(Smb1Negotiate::kMalformed));
  // Wrong buffer format
  v = smb1_negotiate({"SMB 2.???"});
  v[35] = 3;
  assert_int_equal(int(parse_smb1_negotiate({v.data(), v.size()}, true)), int(Smb1Negotiate::kMalformed));
  // Not a NEGOTIATE
  v = smb1_negotiate({"SMB 2.???"});
  v[4] = 0x73;
  assert_int_equal(int(parse_smb1_negotiate({v.data(), v.size()}, true)), int(Smb1Negotiate::kMalformed));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_header_roundtrip), cmocka_unit_test(test_header_malformed),
      cmocka_unit_test(test_compound_good),    cmocka_unit_test(test_compound_bad),
      cmocka_unit_test(test_framer),           cmocka_unit_test(test_smb1_negotiate),
      cmocka_unit_test(test_framer_reuse),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

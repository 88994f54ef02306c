#pragma once
// Wire contract: smbd-session <-> smbd-auth (one channel per session process,
// created by the master and handed to smbd-auth with SCM_RIGHTS).
// Requests are even, answers odd (request | 1). Every message has encode(),
// a strict decode() and validate(); see docs/ipc.md for the grammar.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ipc/codec.h"
#include "common/wire/reader.h"
#include "common/wire/writer.h"

namespace cifsd::ipc::auth {

constexpr uint16_t kVersion = 1;

enum Type : uint16_t {
  kHello = 2,            // session -> auth: first message on the channel
  kHelloAnswer = 3,
  kNegToken = 4,         // the SPNEGO NegTokenInit for the NEGOTIATE response
  kNegTokenAnswer = 5,
  kSessionSetup = 6,     // one SESSION_SETUP leg's security blob
  kSessionSetupAnswer = 7,
  kRelease = 8,          // forget an unfinished authentication context
  kReleaseAnswer = 9,
};

constexpr size_t kMaxBlob = 64 * 1024;
constexpr size_t kMaxName = 256;
constexpr size_t kMaxGroups = 256;

struct Hello {
  uint32_t version = kVersion;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u32(m.version);
  }
  void encode(ByteWriter& w) const;
  static std::optional<Hello> decode(Bytes b);
};

struct HelloAnswer {
  uint32_t version = kVersion;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u32(m.version);
  }
  void encode(ByteWriter& w) const;
  static std::optional<HelloAnswer> decode(Bytes b);
};

struct NegToken {
  template <class M, class IO>
  static void fields(M&, IO&) {}
  void encode(ByteWriter& w) const;
  static std::optional<NegToken> decode(Bytes b);
};

struct NegTokenAnswer {
  std::vector<uint8_t> blob;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.blob(m.blob, kMaxBlob);
  }
  void encode(ByteWriter& w) const;
  static std::optional<NegTokenAnswer> decode(Bytes b);
};

struct SessionSetup {
  uint64_t context = 0;          // 0 starts a new authentication; else the answer's context
  std::vector<uint8_t> blob;     // SPNEGO (or raw NTLMSSP) token from the client
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.context);
    io.blob(m.blob, kMaxBlob);
  }
  void encode(ByteWriter& w) const;
  static std::optional<SessionSetup> decode(Bytes b);
};

// The identity smbd-auth vouches for. Never carries a hash or password.
struct Identity {
  std::string user;      // SMB account name as stored in the database ("" for anonymous)
  std::string domain;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;       // supplementary gids
  std::vector<std::string> group_names;  // for "@group" in valid users etc.
  bool guest = false;
  bool anonymous = false;
};

enum class SetupResult : uint32_t { kMoreProcessing = 0, kOk = 1, kLogonFailure = 2, kInvalid = 3,
                                    kAccessDenied = 4 };

struct SessionSetupAnswer {
  SetupResult result = SetupResult::kInvalid;
  uint64_t context = 0;              // for kMoreProcessing: present it on the next leg
  std::vector<uint8_t> blob;         // token for the client
  Identity identity;                 // valid for kOk
  std::array<uint8_t, 16> session_key{};  // valid for kOk (zero for anonymous)
  bool has_session_key = false;
  // Seconds the logon stays valid (a Kerberos ticket's remaining lifetime);
  // 0: not bounded. The session expires then (STATUS_NETWORK_SESSION_EXPIRED)
  // or at "session expiry", whichever is earlier. Appended field (tail_u32).
  uint32_t lifetime_s = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.enum32(m.result);
    io.u64(m.context);
    io.blob(m.blob, kMaxBlob);
    io.str(m.identity.user, kMaxName);
    io.str(m.identity.domain, kMaxName);
    io.u32(m.identity.uid);
    io.u32(m.identity.gid);
    io.u32_list(m.identity.groups, kMaxGroups);
    io.str_list(m.identity.group_names, kMaxGroups, kMaxName);
    io.flag(m.identity.guest);
    io.flag(m.identity.anonymous);
    io.flag(m.has_session_key);
    io.fixed(m.session_key);
    io.tail_u32(m.lifetime_s);
  }
  void encode(ByteWriter& w) const;
  static std::optional<SessionSetupAnswer> decode(Bytes b);
  bool validate() const;
};

struct Release {
  uint64_t context = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.context);
  }
  void encode(ByteWriter& w) const;
  static std::optional<Release> decode(Bytes b);
};

struct ReleaseAnswer {
  template <class M, class IO>
  static void fields(M&, IO&) {}
  void encode(ByteWriter& w) const;
  static std::optional<ReleaseAnswer> decode(Bytes b);
};

}  // namespace cifsd::ipc::auth

#pragma once
// Wire contract: smbd-session <-> smbd-rpc. A session relays the bytes of an
// IPC$ named pipe (srvsvc, wkssvc, ...) without parsing them; smbd-rpc owns
// all DCE/RPC parsing. Requests even, answers odd. See docs/ipc.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ipc/codec.h"
#include "common/wire/reader.h"
#include "common/wire/writer.h"

namespace cifsd::ipc::rpc {

constexpr uint16_t kVersion = 1;

enum Type : uint16_t {
  kHello = 2, kHelloAnswer = 3,
  kOpen = 4, kOpenAnswer = 5,            // open a pipe by name ("srvsvc")
  kWrite = 6, kWriteAnswer = 7,          // append request bytes
  kRead = 8, kReadAnswer = 9,            // take up to max bytes of response
  kTransceive = 10, kTransceiveAnswer = 11,  // write then read (FSCTL_PIPE_TRANSCEIVE)
  kClose = 12, kCloseAnswer = 13,
};

constexpr size_t kMaxData = 64 * 1024;
constexpr size_t kMaxPipeName = 64;

struct Hello {
  uint32_t version = kVersion;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u32(m.version);
  }
  void encode(ByteWriter& w) const;
  static std::optional<Hello> decode(Bytes b);
};
using HelloAnswer = Hello;

struct Open {
  uint32_t handle = 0;         // chosen by the session, unique per channel
  std::string pipe;            // lower-case name without "\\PIPE\\"
  std::string user;            // for logging and per-user answers
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u32(m.handle);
    io.str(m.pipe, kMaxPipeName);
    io.str(m.user, 256);
  }
  void encode(ByteWriter& w) const;
  static std::optional<Open> decode(Bytes b);
};

// Status answers carry an NTSTATUS value.
struct StatusAnswer {
  uint32_t status = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u32(m.status);
  }
  void encode(ByteWriter& w) const;
  static std::optional<StatusAnswer> decode(Bytes b);
};

struct Write {
  uint32_t handle = 0;
  std::vector<uint8_t> data;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u32(m.handle);
    io.blob(m.data, kMaxData);
  }
  void encode(ByteWriter& w) const;
  static std::optional<Write> decode(Bytes b);
};

struct Read {
  uint32_t handle = 0;
  uint32_t max = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u32(m.handle);
    io.u32(m.max);
  }
  void encode(ByteWriter& w) const;
  static std::optional<Read> decode(Bytes b);
};

struct Transceive {
  uint32_t handle = 0;
  uint32_t max = 0;
  std::vector<uint8_t> data;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u32(m.handle);
    io.u32(m.max);
    io.blob(m.data, kMaxData);
  }
  void encode(ByteWriter& w) const;
  static std::optional<Transceive> decode(Bytes b);
};

// Answer to Read and Transceive. status is STATUS_SUCCESS, STATUS_BUFFER_OVERFLOW
// (more bytes wait), STATUS_PIPE_EMPTY or an error.
struct DataAnswer {
  uint32_t status = 0;
  std::vector<uint8_t> data;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u32(m.status);
    io.blob(m.data, kMaxData);
  }
  void encode(ByteWriter& w) const;
  static std::optional<DataAnswer> decode(Bytes b);
};

struct Close {
  uint32_t handle = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u32(m.handle);
  }
  void encode(ByteWriter& w) const;
  static std::optional<Close> decode(Bytes b);
};

}  // namespace cifsd::ipc::rpc

#include "common/ipc/rpc_proto.h"

#include "common/ipc/codec.h"

namespace cifsd::ipc::rpc {

void Hello::encode(ByteWriter& w) const { w.u32(version); }
std::optional<Hello> Hello::decode(Bytes b) {
  ByteReader r(b);
  Hello m;
  m.version = r.u32();
  if (!finish(r)) return std::nullopt;
  return m;
}

void Open::encode(ByteWriter& w) const {
  w.u32(handle);
  put_str(w, pipe);
  put_str(w, user);
}
std::optional<Open> Open::decode(Bytes b) {
  ByteReader r(b);
  Open m;
  m.handle = r.u32();
  get_str(r, kMaxPipeName, &m.pipe);
  get_str(r, 256, &m.user);
  if (!finish(r)) return std::nullopt;
  return m;
}

void StatusAnswer::encode(ByteWriter& w) const { w.u32(status); }
std::optional<StatusAnswer> StatusAnswer::decode(Bytes b) {
  ByteReader r(b);
  StatusAnswer m;
  m.status = r.u32();
  if (!finish(r)) return std::nullopt;
  return m;
}

void Write::encode(ByteWriter& w) const {
  w.u32(handle);
  put_blob(w, {data.data(), data.size()});
}
std::optional<Write> Write::decode(Bytes b) {
  ByteReader r(b);
  Write m;
  m.handle = r.u32();
  get_blob(r, kMaxData, &m.data);
  if (!finish(r)) return std::nullopt;
  return m;
}

void Read::encode(ByteWriter& w) const {
  w.u32(handle);
  w.u32(max);
}
std::optional<Read> Read::decode(Bytes b) {
  ByteReader r(b);
  Read m;
  m.handle = r.u32();
  m.max = r.u32();
  if (!finish(r)) return std::nullopt;
  return m;
}

void Transceive::encode(ByteWriter& w) const {
  w.u32(handle);
  w.u32(max);
  put_blob(w, {data.data(), data.size()});
}
std::optional<Transceive> Transceive::decode(Bytes b) {
  ByteReader r(b);
  Transceive m;
  m.handle = r.u32();
  m.max = r.u32();
  get_blob(r, kMaxData, &m.data);
  if (!finish(r)) return std::nullopt;
  return m;
}

void DataAnswer::encode(ByteWriter& w) const {
  w.u32(status);
  put_blob(w, {data.data(), data.size()});
}
std::optional<DataAnswer> DataAnswer::decode(Bytes b) {
  ByteReader r(b);
  DataAnswer m;
  m.status = r.u32();
  get_blob(r, kMaxData, &m.data);
  if (!finish(r)) return std::nullopt;
  return m;
}

void Close::encode(ByteWriter& w) const { w.u32(handle); }
std::optional<Close> Close::decode(Bytes b) {
  ByteReader r(b);
  Close m;
  m.handle = r.u32();
  if (!finish(r)) return std::nullopt;
  return m;
}

}  // namespace cifsd::ipc::rpc

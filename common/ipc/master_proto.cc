#include "common/ipc/master_proto.h"

#include "common/ipc/codec.h"

namespace cifsd::ipc::master {

void Hello::encode(ByteWriter& w) const {
  w.u32(version);
  w.u32(uint32_t(role));
}
std::optional<Hello> Hello::decode(Bytes b) {
  ByteReader r(b);
  Hello m;
  m.version = r.u32();
  uint32_t role = r.u32();
  if (!finish(r) || role < 1 || role > 3) return std::nullopt;
  m.role = Role(role);
  return m;
}

void HelloAnswer::encode(ByteWriter& w) const {
  put_str(w, config_text);
  put_str(w, passdb_path);
  put_str(w, client_ip);
  w.u32(client_port);
  w.u64(connection_id);
  w.u32(log_level);
}
std::optional<HelloAnswer> HelloAnswer::decode(Bytes b) {
  ByteReader r(b);
  HelloAnswer m;
  get_str(r, kMaxConfigText, &m.config_text);
  get_str(r, 4096, &m.passdb_path);
  get_str(r, 64, &m.client_ip);
  m.client_port = r.u32();
  m.connection_id = r.u64();
  m.log_level = r.u32();
  if (!finish(r) || m.client_port > 65535 || m.log_level > 3) return std::nullopt;
  return m;
}

void ShareOpen::encode(ByteWriter& w) const {
  w.u64(open_id);
  w.u64(dev);
  w.u64(ino);
  w.u32(access);
  w.u32(share_access);
}
std::optional<ShareOpen> ShareOpen::decode(Bytes b) {
  ByteReader r(b);
  ShareOpen m;
  m.open_id = r.u64();
  m.dev = r.u64();
  m.ino = r.u64();
  m.access = r.u32();
  m.share_access = r.u32();
  if (!finish(r) || (m.share_access & ~7u)) return std::nullopt;
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

void ShareClose::encode(ByteWriter& w) const { w.u64(open_id); }
std::optional<ShareClose> ShareClose::decode(Bytes b) {
  ByteReader r(b);
  ShareClose m;
  m.open_id = r.u64();
  if (!finish(r)) return std::nullopt;
  return m;
}

void NewChannel::encode(ByteWriter& w) const { w.u32(uint32_t(helper)); }
std::optional<NewChannel> NewChannel::decode(Bytes b) {
  ByteReader r(b);
  NewChannel m;
  uint32_t h = r.u32();
  if (!finish(r) || (h != uint32_t(Role::kAuth) && h != uint32_t(Role::kRpc))) return std::nullopt;
  m.helper = Role(h);
  return m;
}

void Attach::encode(ByteWriter& w) const {
  w.u64(connection_id);
  put_str(w, client_ip);
}
std::optional<Attach> Attach::decode(Bytes b) {
  ByteReader r(b);
  Attach m;
  m.connection_id = r.u64();
  get_str(r, 64, &m.client_ip);
  if (!finish(r)) return std::nullopt;
  return m;
}

void Reload::encode(ByteWriter& w) const { put_str(w, config_text); }
std::optional<Reload> Reload::decode(Bytes b) {
  ByteReader r(b);
  Reload m;
  get_str(r, kMaxConfigText, &m.config_text);
  if (!finish(r)) return std::nullopt;
  return m;
}

}  // namespace cifsd::ipc::master

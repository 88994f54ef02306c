#include "common/ipc/rpc_proto.h"

#include "common/ipc/codec.h"

namespace cifsd::ipc::rpc {

// Each message lists its fields once (fields() in the header); the codec
// in codec.h derives the encoder and the strict decoder from that list.
void Hello::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<Hello> Hello::decode(Bytes b) { return read_fields<Hello>(b); }
void Open::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<Open> Open::decode(Bytes b) { return read_fields<Open>(b); }
void StatusAnswer::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<StatusAnswer> StatusAnswer::decode(Bytes b) { return read_fields<StatusAnswer>(b); }
void Write::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<Write> Write::decode(Bytes b) { return read_fields<Write>(b); }
void Read::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<Read> Read::decode(Bytes b) { return read_fields<Read>(b); }
void Transceive::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<Transceive> Transceive::decode(Bytes b) { return read_fields<Transceive>(b); }
void DataAnswer::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<DataAnswer> DataAnswer::decode(Bytes b) { return read_fields<DataAnswer>(b); }
void Close::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<Close> Close::decode(Bytes b) { return read_fields<Close>(b); }

}  // namespace cifsd::ipc::rpc

#include "smbd-auth/spnego.h"

#include <cstring>

#include "smbd-auth/der.h"

namespace cifsd::spnego {

const std::vector<uint8_t> kOidSpnego = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
const std::vector<uint8_t> kOidNtlmssp = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                          0x82, 0x37, 0x02, 0x02, 0x0a};
const std::vector<uint8_t> kOidKrb5 = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
const std::vector<uint8_t> kOidMsKrb5 = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};

namespace {

constexpr size_t kMaxMechs = 32;

std::vector<uint8_t> vec(Bytes b) { return {b.begin(), b.end()}; }

// MechTypeList ::= SEQUENCE OF OBJECT IDENTIFIER
bool parse_mech_list(Bytes seq_contents, std::vector<std::vector<uint8_t>>* out) {
  der::Reader r(seq_contents);
  while (r.ok() && !r.at_end()) {
    Bytes oid = r.expect(der::kOid);
    if (!r.ok() || oid.empty() || out->size() >= kMaxMechs) return false;
    out->push_back(vec(oid));
  }
  return r.ok();
}

// Walks "[n] ..." fields of a SEQUENCE, which must appear in increasing tag
// order; `field` consumes one field's contents and returns false on error.
template <class F>
bool walk_fields(Bytes seq_contents, int max_tag, F field) {
  der::Reader r(seq_contents);
  int last = -1;
  while (r.ok() && !r.at_end()) {
    uint8_t tag = 0;
    Bytes c = r.any(&tag);
    if (!r.ok() || (tag & 0xe0) != 0xa0) return false;
    int n = tag & 0x1f;
    if (n <= last || n > max_tag) return false;
    last = n;
    if (!field(n, c)) return false;
  }
  return r.ok();
}

// Reads exactly one element of `tag` filling all of `c`.
bool single(Bytes c, uint8_t tag, Bytes* contents, Bytes* raw = nullptr) {
  der::Reader r(c);
  Bytes whole = r.expect_raw(tag, contents);
  if (!r.ok() || !r.at_end()) return false;
  if (raw) *raw = whole;
  return true;
}

// An optional OCTET STRING field (mechToken, responseToken, mechListMIC):
// marks it present and keeps its bytes.
bool octet_field(Bytes c, bool* present, std::vector<uint8_t>* out) {
  Bytes inner;
  if (!single(c, der::kOctetString, &inner)) return false;
  *present = true;
  *out = vec(inner);
  return true;
}

bool parse_init_body(Bytes nego_token, NegTokenInit* out) {
  // NegotiationToken: [0] NegTokenInit
  Bytes seq;
  if (!single(nego_token, der::context(0), &seq)) return false;
  Bytes fields;
  if (!single(seq, der::kSequence, &fields)) return false;
  bool have_mechs = false;
  bool ok = walk_fields(fields, 3, [&](int n, Bytes c) {
    Bytes inner, raw;
    switch (n) {
      case 0:
        if (!single(c, der::kSequence, &inner, &raw)) return false;
        out->mech_types_der = vec(raw);
        have_mechs = true;
        return parse_mech_list(inner, &out->mech_types);
      case 1:  // reqFlags: ignored (deprecated)
        return single(c, der::kBitString, &inner);
      case 2:
        return octet_field(c, &out->has_mech_token, &out->mech_token);
      case 3:
        return octet_field(c, &out->has_mic, &out->mech_list_mic);
    }
    return false;
  });
  return ok && have_mechs;
}

}  // namespace

bool parse_neg_token_init(Bytes blob, NegTokenInit* out) {
  der::Reader top(blob);
  Bytes app = top.expect(der::kApplication0);
  if (!top.ok() || !top.at_end()) return false;
  der::Reader r(app);
  Bytes oid = r.expect(der::kOid);
  if (!r.ok() || oid.size() != kOidSpnego.size() ||
      std::memcmp(oid.data(), kOidSpnego.data(), oid.size()) != 0)
    return false;
  Bytes nego = r.expect_raw(der::context(0), nullptr);
  if (!r.ok() || !r.at_end()) return false;
  return parse_init_body(nego, out);
}

bool parse_neg_token_resp(Bytes blob, NegTokenResp* out) {
  Bytes seq;
  if (!single(blob, der::context(1), &seq)) return false;
  Bytes fields;
  if (!single(seq, der::kSequence, &fields)) return false;
  return walk_fields(fields, 3, [&](int n, Bytes c) {
    Bytes inner;
    switch (n) {
      case 0:
        if (!single(c, der::kEnumerated, &inner) || inner.size() != 1 || inner[0] > 3) return false;
        out->neg_state = NegState(inner[0]);
        return true;
      case 1:
        if (!single(c, der::kOid, &inner) || inner.empty()) return false;
        out->supported_mech = vec(inner);
        return true;
      case 2:
        return octet_field(c, &out->has_response_token, &out->response_token);
      case 3:
        return octet_field(c, &out->has_mic, &out->mech_list_mic);
    }
    return false;
  });
}

ClientToken parse_client_token(Bytes blob) {
  ClientToken t;
  static const uint8_t kNtlm[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};
  if (blob.size() >= 8 && std::memcmp(blob.data(), kNtlm, 8) == 0) {
    t.kind = TokenKind::kRawNtlmssp;
  } else if (!blob.empty() && blob[0] == der::kApplication0) {
    if (parse_neg_token_init(blob, &t.init)) t.kind = TokenKind::kInit;
  } else if (!blob.empty() && blob[0] == der::context(1)) {
    if (parse_neg_token_resp(blob, &t.resp)) t.kind = TokenKind::kResp;
  }
  return t;
}

bool is_krb5_oid(const std::vector<uint8_t>& oid) { return oid == kOidKrb5 || oid == kOidMsKrb5; }

MechChoice choose_mech(const std::vector<std::vector<uint8_t>>& client_mechs, bool kerberos) {
  MechChoice c;
  if (client_mechs.empty()) return c;
  if (kerberos && is_krb5_oid(client_mechs[0])) {
    c.mech = Mech::kKrb5;
    c.oid = client_mechs[0];
    c.preferred = true;
    return c;
  }
  for (size_t i = 0; i < client_mechs.size(); i++) {
    if (client_mechs[i] == kOidNtlmssp) {
      c.mech = Mech::kNtlmssp;
      c.oid = kOidNtlmssp;
      c.preferred = i == 0;
      return c;
    }
  }
  for (auto& m : client_mechs) {
    if (kerberos && is_krb5_oid(m)) {
      c.mech = Mech::kKrb5;
      c.oid = m;
      return c;
    }
  }
  return c;
}

std::vector<uint8_t> build_server_init(bool kerberos) {
  std::vector<uint8_t> mechs;
  if (kerberos) {
    der::put(mechs, der::kOid, kOidMsKrb5);
    der::put(mechs, der::kOid, kOidKrb5);
  }
  der::put(mechs, der::kOid, kOidNtlmssp);
  std::vector<uint8_t> fields;
  der::put(fields, der::context(0), der::wrap(der::kSequence, mechs));
  // negHints.hintName, as MS-SPNG 2.2.1 describes servers sending it.
  static const char kHint[] = "not_defined_in_RFC4178@please_ignore";
  std::vector<uint8_t> hint = der::wrap(
      der::kGeneralString, Bytes(reinterpret_cast<const uint8_t*>(kHint), sizeof(kHint) - 1));
  der::put(fields, der::context(3),
           der::wrap(der::kSequence, der::wrap(der::context(0), hint)));
  std::vector<uint8_t> body = der::wrap(der::kOid, kOidSpnego);
  der::put(body, der::context(0), der::wrap(der::kSequence, fields));
  return der::wrap(der::kApplication0, body);
}

std::vector<uint8_t> build_neg_token_resp(const NegTokenResp& r) {
  std::vector<uint8_t> fields;
  if (r.neg_state != NegState::kNone) {
    uint8_t st = uint8_t(r.neg_state);
    der::put(fields, der::context(0), der::wrap(der::kEnumerated, Bytes(&st, 1)));
  }
  if (!r.supported_mech.empty())
    der::put(fields, der::context(1), der::wrap(der::kOid, r.supported_mech));
  if (r.has_response_token)
    der::put(fields, der::context(2), der::wrap(der::kOctetString, r.response_token));
  if (r.has_mic)
    der::put(fields, der::context(3), der::wrap(der::kOctetString, r.mech_list_mic));
  return der::wrap(der::context(1), der::wrap(der::kSequence, fields));
}

std::vector<uint8_t> build_client_init(const std::vector<std::vector<uint8_t>>& mechs,
                                       Bytes mech_token) {
  std::vector<uint8_t> list;
  for (auto& m : mechs) der::put(list, der::kOid, m);
  std::vector<uint8_t> fields;
  der::put(fields, der::context(0), der::wrap(der::kSequence, list));
  der::put(fields, der::context(2), der::wrap(der::kOctetString, mech_token));
  std::vector<uint8_t> body = der::wrap(der::kOid, kOidSpnego);
  der::put(body, der::context(0), der::wrap(der::kSequence, fields));
  return der::wrap(der::kApplication0, body);
}

}  // namespace cifsd::spnego

#!/usr/bin/env python3
"""Parse a message file with Python's email package (a real MIME parser, as a mail reader
would) and print its structure as JSON for the composer tests:

  headers:   [[name, decoded value], ...] in order (email.policy.default)
  addresses: {"from"|"to"|"cc"|"bcc": [[display name, addr-spec], ...]}
  parts:     the leaf parts in order: content type, charset, transfer encoding,
             disposition, file name, decoded text (text parts that are not attachments),
             SHA-256 and size of the decoded payload
  structure: every content type in walk order
  defects:   every defect the parser recorded (message, parts, header values)
"""
import email
import hashlib
import json
import sys
from email import policy


def main():
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    msg = email.message_from_bytes(data, policy=policy.default)
    defects = [type(d).__name__ for d in msg.defects]
    headers = []
    addresses = {}
    for name, value in msg.items():
        headers.append([name, str(value)])
        defects += ["%s: %s" % (name, type(d).__name__) for d in getattr(value, "defects", ())]
        key = name.lower()
        if key in ("from", "to", "cc", "bcc"):
            addresses.setdefault(key, [])
            for a in value.addresses:
                addresses[key].append([a.display_name, a.addr_spec])
    parts = []
    structure = []
    for part in msg.walk():
        structure.append(part.get_content_type())
        defects += [type(d).__name__ for d in part.defects if part is not msg]
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        info = {
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset() or "",
            "cte": part.get("Content-Transfer-Encoding", ""),
            "disposition": part.get_content_disposition() or "",
            "filename": part.get_filename() or "",
            "param_name": part.get_param("name") or "",
            "sha256": hashlib.sha256(payload).hexdigest(),
            "size": len(payload),
        }
        if part.get_content_maintype() == "text" and info["disposition"] != "attachment":
            info["text"] = part.get_content()
        if isinstance(info["param_name"], tuple):  # RFC 2231 value not collapsed
            info["param_name"] = email.utils.collapse_rfc2231_value(info["param_name"])
        parts.append(info)
    print(json.dumps({"headers": headers, "addresses": addresses, "parts": parts,
                      "structure": structure, "defects": defects}))


if __name__ == "__main__":
    main()

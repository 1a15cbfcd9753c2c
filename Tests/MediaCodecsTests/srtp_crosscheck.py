#!/usr/bin/env python3
"""SRTP cross-check with pylibsrtp (an independent libsrtp build), driven by SRTPTests.swift.

stdin:  {"suite": "AES_CM_128_HMAC_SHA1_80", "key": base64,
         "mode": "unprotect"|"protect"|"unprotect_rtcp"|"protect_rtcp", "packets": [base64, ...]}
stdout: {"packets": [base64 or null on error, ...]}
"""
import base64
import json
import sys

from pylibsrtp import Policy, Session

PROFILES = {
    "AES_CM_128_HMAC_SHA1_80": Policy.SRTP_PROFILE_AES128_CM_SHA1_80,
    "AES_CM_128_HMAC_SHA1_32": Policy.SRTP_PROFILE_AES128_CM_SHA1_32,
}

request = json.load(sys.stdin)
mode = request["mode"]
inbound = mode.startswith("unprotect")
policy = Policy(key=base64.b64decode(request["key"]),
                ssrc_type=Policy.SSRC_ANY_INBOUND if inbound else Policy.SSRC_ANY_OUTBOUND,
                srtp_profile=PROFILES[request["suite"]])
session = Session(policy=policy)
out = []
for packet in request["packets"]:
    data = base64.b64decode(packet)
    try:
        if mode == "unprotect_rtcp":
            result = session.unprotect_rtcp(data)
        elif mode == "protect_rtcp":
            result = session.protect_rtcp(data)
        else:
            result = session.unprotect(data) if inbound else session.protect(data)
        out.append(base64.b64encode(result).decode())
    except Exception:  # noqa: BLE001 - report as null, the Swift side asserts
        out.append(None)
json.dump({"packets": out}, sys.stdout)

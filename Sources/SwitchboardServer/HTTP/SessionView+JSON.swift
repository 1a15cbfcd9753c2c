import Hummingbird

extension SessionView {
    /// This view as `JSONEncoder` (`.sortedKeys`) writes it, without `JSONEncoder`.
    func write(to json: inout JSONText) {
        json.beginObject()
        json.member("created_at", createdAt)
        json.member("edge", edge)
        json.member("end_reason", endReason)
        json.member("id", id)
        json.member("labels", labels)
        json.key("legs")
        json.beginArray()
        for leg in legs { leg.write(to: &json) }
        json.endArray()
        json.member("sdp", sdp)
        json.member("state", state)
        json.member("transcoding", transcoding)
        json.member("worker", worker)
        json.endObject()
    }

    var jsonBytes: [UInt8] {
        var json = JSONText(capacity: 768 + (sdp?.utf8.count ?? 0))
        write(to: &json)
        return json.bytes
    }
}

extension SessionView.Leg {
    func write(to json: inout JSONText) {
        json.beginObject()
        json.member("bytes_in", bytesIn)
        json.member("bytes_out", bytesOut)
        json.member("codec", codec)
        json.member("jitter_ms", jitterMs)
        json.member("local_port", localPort)
        json.member("lost", lost)
        json.member("name", name)
        json.member("packets_in", packetsIn)
        json.member("packets_out", packetsOut)
        json.member("profile", profile)
        json.member("remote", remote)
        json.member("ssrc_out", ssrcOut)
        json.endObject()
    }
}

/// `{"sessions": [...]}`.
func sessionListJSON(_ views: [SessionView]) -> [UInt8] {
    var json = JSONText(capacity: 64 + views.count * 700)
    json.beginObject()
    json.key("sessions")
    json.beginArray()
    for view in views { view.write(to: &json) }
    json.endArray()
    json.endObject()
    return json.bytes
}

/// A JSON response from bytes already written.
func jsonResponse(bytes: [UInt8], status: HTTPResponse.Status) -> Response {
    Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
             body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}

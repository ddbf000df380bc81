import Foundation

/// ES256 signatures as JOSE wants them. The Security framework returns
/// ECDSA signatures as X9.62 DER (`SEQUENCE { INTEGER r, INTEGER s }`); a
/// JWS carries r || s, each left-padded to the curve's 32 bytes. The core
/// refuses anything but 64 bytes, so a conversion slip shows up at once.
enum EcdsaSignature {
    static let coordinateBytes = 32

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    static func raw(fromDER der: Data) throws -> Data {
        var reader = DERReader(Array(der))
        try reader.expect(tag: 0x30, "a SEQUENCE")
        let length = try reader.length()
        guard length == reader.remaining else {
            throw Malformed(description: "the signature's SEQUENCE is \(length) bytes, \(reader.remaining) follow")
        }
        let r = try reader.positiveInteger()
        let s = try reader.positiveInteger()
        guard reader.remaining == 0 else {
            throw Malformed(description: "\(reader.remaining) bytes follow r and s")
        }
        return Data(try fixedWidth(r) + fixedWidth(s))
    }

    /// Big-endian magnitude → exactly 32 bytes: DER drops leading zeros and
    /// adds one where the high bit is set, so r and s can be 1 to 33 bytes.
    private static func fixedWidth(_ integer: [UInt8]) throws -> [UInt8] {
        let magnitude = Array(integer.drop(while: { $0 == 0 }))
        guard magnitude.count <= coordinateBytes else {
            throw Malformed(description: "an integer of \(magnitude.count) bytes is not a P-256 value")
        }
        return [UInt8](repeating: 0, count: coordinateBytes - magnitude.count) + magnitude
    }
}

/// Just enough DER for an ECDSA signature: definite lengths, short or long form.
private struct DERReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - position }

    mutating func expect(tag: UInt8, _ name: String) throws {
        guard position < bytes.count, bytes[position] == tag else {
            throw EcdsaSignature.Malformed(description: "expected \(name) at byte \(position)")
        }
        position += 1
    }

    mutating func length() throws -> Int {
        let first = try byte()
        if first < 0x80 {
            return Int(first)
        }
        // Long form: the low bits count the length's bytes. A signature is
        // under 128 bytes, so more than two is nonsense, not a bigger number.
        let count = Int(first & 0x7f)
        guard (1...2).contains(count) else {
            throw EcdsaSignature.Malformed(description: "a length of \(count) bytes")
        }
        var value = 0
        for _ in 0..<count {
            let next = try byte()
            value = value << 8 | Int(next)
        }
        return value
    }

    mutating func positiveInteger() throws -> [UInt8] {
        try expect(tag: 0x02, "an INTEGER")
        let count = try length()
        guard count > 0, count <= remaining else {
            throw EcdsaSignature.Malformed(description: "an INTEGER of \(count) bytes, \(remaining) left")
        }
        let value = Array(bytes[position..<(position + count)])
        position += count
        // r and s are in [1, n-1]: a set high bit would make the DER value negative.
        guard value[0] & 0x80 == 0 else {
            throw EcdsaSignature.Malformed(description: "a negative INTEGER")
        }
        return value
    }

    private mutating func byte() throws -> UInt8 {
        guard position < bytes.count else {
            throw EcdsaSignature.Malformed(description: "the signature ends early")
        }
        defer { position += 1 }
        return bytes[position]
    }
}

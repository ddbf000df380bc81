import Foundation

/// The APNs device token as the servers store it: lowercase hex, two digits a
/// byte, no separators (what APNs's HTTP/2 API takes in its path).
public func apnsTokenHex(_ token: Data) -> String {
    // A table rather than String(format:): no locale, no per-byte allocation.
    let digits = Array("0123456789abcdef".utf8)
    var text = [UInt8]()
    text.reserveCapacity(token.count * 2)
    for byte in token {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
}

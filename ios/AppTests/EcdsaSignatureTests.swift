@testable import CountersignApp
import XCTest

final class EcdsaSignatureTests: XCTestCase {
    private func der(r: [UInt8], s: [UInt8]) -> Data {
        let body = [0x02, UInt8(r.count)] + r + [0x02, UInt8(s.count)] + s
        return Data([0x30, UInt8(body.count)] + body)
    }

    func testFullWidthValuesAreConcatenated() throws {
        let r = [UInt8](repeating: 0x11, count: 32)
        let s = [UInt8](repeating: 0x22, count: 32)
        XCTAssertEqual(try EcdsaSignature.raw(fromDER: der(r: r, s: s)), Data(r + s))
    }

    func testTheSignPaddingOfAHighValueIsDropped() throws {
        let r = [UInt8](repeating: 0x80, count: 32)
        let s = [UInt8](repeating: 0xff, count: 32)
        let raw = try EcdsaSignature.raw(fromDER: der(r: [0x00] + r, s: [0x00] + s))
        XCTAssertEqual(raw, Data(r + s))
    }

    func testAShortValueIsLeftPadded() throws {
        let r = [UInt8](repeating: 0x01, count: 30)
        let s: [UInt8] = [0x05]
        let raw = try EcdsaSignature.raw(fromDER: der(r: r, s: s))
        XCTAssertEqual(raw.count, 64)
        XCTAssertEqual(raw, Data([0, 0] + r + [UInt8](repeating: 0, count: 31) + s))
    }

    func testTheLongLengthFormIsRead() throws {
        let r = [UInt8](repeating: 0x7f, count: 32)
        let s = [UInt8](repeating: 0x7e, count: 32)
        let body = [0x02, 32] + r + [0x02, 32] + s
        let long = Data([0x30, 0x81, UInt8(body.count)] + body)
        XCTAssertEqual(try EcdsaSignature.raw(fromDER: long), Data(r + s))
    }

    func testMalformedSignaturesAreRefused() {
        let r = [UInt8](repeating: 0x11, count: 32)
        let valid = der(r: r, s: r)
        // Truncated, trailing bytes, wrong tag, a negative integer, a value too wide.
        XCTAssertThrowsError(try EcdsaSignature.raw(fromDER: valid.dropLast()))
        XCTAssertThrowsError(try EcdsaSignature.raw(fromDER: valid + Data([0])))
        XCTAssertThrowsError(try EcdsaSignature.raw(fromDER: Data([0x31]) + valid.dropFirst()))
        XCTAssertThrowsError(try EcdsaSignature.raw(fromDER: der(r: [0x80] + r.dropFirst(), s: r)))
        XCTAssertThrowsError(try EcdsaSignature.raw(fromDER: der(r: [0x01] + r, s: r)))
        XCTAssertThrowsError(try EcdsaSignature.raw(fromDER: Data()))
    }
}

import Countersign
import Foundation
import XCTest

final class PushTokenTests: XCTestCase {
    func testATokenIsLowercaseHexTwoDigitsAByte() {
        XCTAssertEqual(apnsTokenHex(Data([0x00, 0x0f, 0x10, 0xab, 0xff])), "000f10abff")
    }

    func testAnAPNsSizedTokenGivesSixtyFourDigits() {
        let token = Data((0..<32).map { UInt8($0 * 8) })
        let hex = apnsTokenHex(token)
        XCTAssertEqual(hex.count, 64)
        XCTAssertTrue(hex.allSatisfy { "0123456789abcdef".contains($0) })
        XCTAssertTrue(hex.hasPrefix("000810"))
    }

    func testNoTokenIsAnEmptyString() {
        XCTAssertEqual(apnsTokenHex(Data()), "")
    }
}

@testable import CountersignAppModel
import Countersign
import XCTest

final class FormattingTests: XCTestCase {
    func testCodesAreSplitInTwoHalves() {
        XCTAssertEqual(CodeFormatting.grouped("123456"), "123 456")
        XCTAssertEqual(CodeFormatting.grouped("12345678"), "1234 5678")
        XCTAssertEqual(CodeFormatting.grouped("1234567"), "123 4567")
        XCTAssertEqual(CodeFormatting.grouped("AB2CD"), "AB 2CD")
        XCTAssertEqual(CodeFormatting.grouped("1234"), "1234")
    }

    func testATitleWithoutIssuerIsJustTheName() {
        XCTAssertEqual(CodeFormatting.title(issuer: nil, name: "jane"), "jane")
        XCTAssertEqual(CodeFormatting.title(issuer: " ", name: "jane"), "jane")
        XCTAssertEqual(CodeFormatting.title(issuer: "GitHub", name: "jane"), "GitHub (jane)")
    }

    func testProgressIsTheShareOfThePeriodLeft() {
        XCTAssertEqual(CodeFormatting.progress(secondsLeft: 15, period: 30), 0.5)
        XCTAssertEqual(CodeFormatting.progress(secondsLeft: nil, period: 30), 0)
        XCTAssertEqual(CodeFormatting.progress(secondsLeft: 5, period: 0), 0)
    }

    func testErrorsSayWhatToDo() {
        XCTAssertEqual(ErrorText(.rateLimited(retryAfter: 30, reason: "slow down")).full,
                       "Too many attempts. Try again in 30 seconds.")
        XCTAssertEqual(ErrorText(.rateLimited(retryAfter: 600, reason: "slow down")).advice, "Try again in 10 minutes.")
        XCTAssertEqual(ErrorText(.wrongPassword(passwordMissing: true, reason: "x")).summary, "This file is encrypted.")
        XCTAssertEqual(ErrorText(.invalidInput(reason: "the digits parameter is 12: codes have 6 to 10 digits")).full,
                       "The digits parameter is 12: codes have 6 to 10 digits.")
        XCTAssertEqual(ErrorText(any: CancellationError()).summary, "Cancelled.")
    }
}

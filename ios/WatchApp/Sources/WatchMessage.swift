import Foundation

// What the phone and the Watch say to each other over WatchConnectivity:
// property-list dictionaries, built and read only here. The iPhone app
// compiles this file too, so the two sides cannot drift apart. Nothing here
// is a secret the Watch could use: it holds no keys, and every answer is
// checked and signed by the phone's core.

/// A sign-in request as the Watch shows it (the core's WatchRequest).
struct WatchRequestCard: Identifiable, Equatable {
    let id: String
    /// "Sign in to Salesforce"
    let title: String
    /// "Berlin, DE · Firefox 133 on Windows 11"
    let detail: String
    let expiresAt: Date
    let numberMatching: Bool
    /// A biometric is required: only the iPhone can approve.
    let phoneRequired: Bool

    /// Approve can be offered on the wrist: nothing to confirm or type there.
    var approvableOnWatch: Bool {
        !phoneRequired && !numberMatching
    }

    func secondsLeft(at now: Date) -> Int {
        max(0, Int(expiresAt.timeIntervalSince(now).rounded(.down)))
    }
}

/// One account's current code (TOTP only: a HOTP code is made on request).
struct WatchCode: Identifiable, Equatable {
    let id: String
    let name: String
    let issuer: String
    let code: String
    let expiresAt: Date

    func secondsLeft(at now: Date) -> Int {
        max(0, Int(expiresAt.timeIntervalSince(now).rounded(.down)))
    }
}

/// What became of an answer sent from the Watch.
enum WatchOutcome: Equatable {
    case approved
    /// Approved; the sign-in screen asks for this code.
    case approvedWithCode(code: String, message: String)
    case denied
    /// Only the iPhone can approve this one (a biometric, a number).
    case openOnPhone
    case failed(String)
}

enum WatchMessage {
    enum Kind: String {
        /// Watch → phone, replied to with `.requests`.
        case pendingRequests
        /// Phone → Watch: every pending request.
        case requests
        /// Phone → Watch: one request that just arrived.
        case request
        /// Watch → phone, replied to with `.outcome`.
        case answer
        case outcome
        /// Watch → phone, replied to with `.codes`; also the application context.
        case codes
        /// Phone → Watch: what was asked could not be done; `text` says why.
        case failure
    }

    private enum Key {
        static let kind = "kind"
        static let sentAt = "sentAt"
        static let requests = "requests"
        static let codes = "codes"
        static let id = "id"
        static let title = "title"
        static let detail = "detail"
        static let secondsLeft = "secondsLeft"
        static let numberMatching = "numberMatching"
        static let phoneRequired = "phoneRequired"
        static let approve = "approve"
        static let outcome = "outcome"
        static let code = "code"
        static let text = "text"
        static let name = "name"
        static let issuer = "issuer"
    }

    static func kind(of message: [String: Any]) -> Kind? {
        (message[Key.kind] as? String).flatMap(Kind.init(rawValue:))
    }

    static func asking(for kind: Kind) -> [String: Any] {
        [Key.kind: kind.rawValue]
    }

    static func failure(_ text: String) -> [String: Any] {
        [Key.kind: Kind.failure.rawValue, Key.text: text]
    }

    static func failureText(in message: [String: Any]) -> String? {
        kind(of: message) == .failure ? message[Key.text] as? String : nil
    }

    // MARK: Requests

    /// Time left travels as seconds from `sentAt`, the phone's clock when it
    /// read the requests: a message delivered late still expires on time.
    static func requests(_ cards: [WatchRequestCard], sentAt: Date) -> [String: Any] {
        [
            Key.kind: Kind.requests.rawValue,
            Key.sentAt: sentAt.timeIntervalSince1970,
            Key.requests: cards.map { requestFields(of: $0, sentAt: sentAt) },
        ]
    }

    static func request(_ card: WatchRequestCard, sentAt: Date) -> [String: Any] {
        var message = requestFields(of: card, sentAt: sentAt)
        message[Key.kind] = Kind.request.rawValue
        message[Key.sentAt] = sentAt.timeIntervalSince1970
        return message
    }

    /// The cards in a `.requests` or `.request` message.
    static func cards(in message: [String: Any]) -> [WatchRequestCard] {
        let sentAt = date(message[Key.sentAt])
        switch kind(of: message) {
        case .requests?:
            let list = message[Key.requests] as? [[String: Any]] ?? []
            return list.compactMap { card(from: $0, sentAt: sentAt) }
        case .request?:
            return card(from: message, sentAt: sentAt).map { [$0] } ?? []
        default:
            return []
        }
    }

    private static func requestFields(of card: WatchRequestCard, sentAt: Date) -> [String: Any] {
        [
            Key.id: card.id,
            Key.title: card.title,
            Key.detail: card.detail,
            Key.secondsLeft: card.secondsLeft(at: sentAt),
            Key.numberMatching: card.numberMatching,
            Key.phoneRequired: card.phoneRequired,
        ]
    }

    private static func card(from fields: [String: Any], sentAt: Date) -> WatchRequestCard? {
        guard let id = fields[Key.id] as? String,
              let title = fields[Key.title] as? String,
              let secondsLeft = fields[Key.secondsLeft] as? NSNumber else {
            return nil
        }
        return WatchRequestCard(
            id: id,
            title: title,
            detail: fields[Key.detail] as? String ?? "",
            expiresAt: sentAt.addingTimeInterval(secondsLeft.doubleValue),
            numberMatching: fields[Key.numberMatching] as? Bool ?? false,
            // Unreadable means the phone decides: the safe reading.
            phoneRequired: fields[Key.phoneRequired] as? Bool ?? true
        )
    }

    // MARK: Answers

    static func answer(requestId: String, approve: Bool) -> [String: Any] {
        [Key.kind: Kind.answer.rawValue, Key.id: requestId, Key.approve: approve]
    }

    static func answerFields(in message: [String: Any]) -> (requestId: String, approve: Bool)? {
        guard kind(of: message) == .answer,
              let id = message[Key.id] as? String,
              let approve = message[Key.approve] as? Bool else {
            return nil
        }
        return (requestId: id, approve: approve)
    }

    static func outcome(_ outcome: WatchOutcome) -> [String: Any] {
        var message: [String: Any] = [Key.kind: Kind.outcome.rawValue]
        switch outcome {
        case .approved:
            message[Key.outcome] = "approved"
        case let .approvedWithCode(code, text):
            message[Key.outcome] = "approvedWithCode"
            message[Key.code] = code
            message[Key.text] = text
        case .denied:
            message[Key.outcome] = "denied"
        case .openOnPhone:
            message[Key.outcome] = "openOnPhone"
        case let .failed(text):
            message[Key.outcome] = "failed"
            message[Key.text] = text
        }
        return message
    }

    static func outcome(in message: [String: Any]) -> WatchOutcome {
        if let text = failureText(in: message) {
            return .failed(text)
        }
        let text = message[Key.text] as? String ?? ""
        switch message[Key.outcome] as? String {
        case "approved"?:
            return .approved
        case "approvedWithCode"?:
            return .approvedWithCode(code: message[Key.code] as? String ?? "", message: text)
        case "denied"?:
            return .denied
        case "openOnPhone"?:
            return .openOnPhone
        default:
            return .failed(text.isEmpty ? "Your iPhone did not say what happened." : text)
        }
    }

    // MARK: Codes

    /// The phone's codes screen as a list of [name, issuer, code, secondsLeft]
    /// (and the account id, to tell two same-named accounts apart).
    static func codes(_ codes: [WatchCode], sentAt: Date) -> [String: Any] {
        [
            Key.kind: Kind.codes.rawValue,
            Key.sentAt: sentAt.timeIntervalSince1970,
            Key.codes: codes.map { code -> [String: Any] in
                [
                    Key.id: code.id,
                    Key.name: code.name,
                    Key.issuer: code.issuer,
                    Key.code: code.code,
                    Key.secondsLeft: code.secondsLeft(at: sentAt),
                ]
            },
        ]
    }

    static func codes(in message: [String: Any]) -> [WatchCode] {
        guard kind(of: message) == .codes else {
            return []
        }
        let sentAt = date(message[Key.sentAt])
        let list = message[Key.codes] as? [[String: Any]] ?? []
        return list.compactMap { fields -> WatchCode? in
            guard let id = fields[Key.id] as? String,
                  let name = fields[Key.name] as? String,
                  let code = fields[Key.code] as? String,
                  let secondsLeft = fields[Key.secondsLeft] as? NSNumber else {
                return nil
            }
            return WatchCode(id: id, name: name, issuer: fields[Key.issuer] as? String ?? "", code: code,
                             expiresAt: sentAt.addingTimeInterval(secondsLeft.doubleValue))
        }
    }

    private static func date(_ value: Any?) -> Date {
        guard let seconds = value as? NSNumber else {
            return Date()
        }
        return Date(timeIntervalSince1970: seconds.doubleValue)
    }
}

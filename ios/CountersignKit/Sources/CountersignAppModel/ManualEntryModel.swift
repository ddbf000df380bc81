// Adding an account by typing its key: the form's fields become an otpauth://
// URI (the same text a QR code holds) and the core checks and stores it. Only
// what the core cannot word for a form (a blank field) is checked here.
import Combine
import Countersign
import Foundation

public final class ManualEntryModel: ObservableObject {
    public enum Kind: String, CaseIterable, Identifiable {
        case totp
        case hotp
        public var id: String { rawValue }
        public var label: String { self == .totp ? "Time-based (TOTP)" : "Counter-based (HOTP)" }
    }

    public enum Algorithm: String, CaseIterable, Identifiable {
        case sha1 = "SHA1"
        case sha256 = "SHA256"
        case sha512 = "SHA512"
        public var id: String { rawValue }
    }

    /// Where an error is shown: under its field, or (`form`) under the Add button.
    public enum Field: Hashable {
        case issuer, name, secret, kind, algorithm, digits, period, counter, form
    }

    public static let digitChoices = [6, 7, 8]

    @Published public var issuer = ""
    @Published public var name = ""
    @Published public var secret = ""
    @Published public var kind = Kind.totp
    @Published public var algorithm = Algorithm.sha1
    @Published public var digits = 6
    @Published public var period = "30"
    @Published public var counter = "0"
    @Published public private(set) var errors: [Field: String] = [:]
    @Published public private(set) var isAdding = false
    /// The new account's id once added: the view closes.
    @Published public private(set) var addedId: String? = nil

    private let service: CountersignService

    public init(service: CountersignService) {
        self.service = service
    }

    public func error(for field: Field) -> String? {
        errors[field]
    }

    @MainActor
    public func add() async {
        errors = problems()
        guard errors.isEmpty, !isAdding else { return }
        isAdding = true
        defer { isAdding = false }
        do {
            addedId = try await service.addAccount(uri: uri())
        } catch {
            let mapped = CountersignError(any: error)
            if case let .invalidInput(reason) = mapped {
                errors = [ManualEntryModel.field(named: reason): ErrorText(mapped).full]
            } else {
                errors = [.form: ErrorText(mapped).full]
            }
        }
    }

    /// The blanks the core would only call "missing"; the rest is the core's to judge.
    func problems() -> [Field: String] {
        var found: [Field: String] = [:]
        if name.trimmingCharacters(in: .whitespaces).isEmpty { found[.name] = "Enter the account name" }
        if cleanSecret.isEmpty { found[.secret] = "Enter the key" }
        switch kind {
        case .totp where UInt32(period.trimmingCharacters(in: .whitespaces)) == nil:
            found[.period] = "Enter the period in seconds (usually 30)"
        case .hotp where UInt64(counter.trimmingCharacters(in: .whitespaces)) == nil:
            found[.counter] = "Enter the counter (usually 0)"
        default:
            break
        }
        return found
    }

    /// The Key Uri Format text for these fields: the key without the spaces and
    /// dashes people copy it with; defaults are written out so the account is
    /// exactly what the form showed.
    public func uri() -> String {
        let issuer = self.issuer.trimmingCharacters(in: .whitespaces)
        let name = self.name.trimmingCharacters(in: .whitespaces)
        let label = issuer.isEmpty ? ManualEntryModel.encode(name)
            : ManualEntryModel.encode(issuer) + ":" + ManualEntryModel.encode(name)
        var parameters = ["secret=" + ManualEntryModel.encode(cleanSecret)]
        if !issuer.isEmpty { parameters.append("issuer=" + ManualEntryModel.encode(issuer)) }
        parameters.append("algorithm=" + algorithm.rawValue)
        parameters.append("digits=\(digits)")
        switch kind {
        case .totp: parameters.append("period=" + ManualEntryModel.encode(period.trimmingCharacters(in: .whitespaces)))
        case .hotp: parameters.append("counter=" + ManualEntryModel.encode(counter.trimmingCharacters(in: .whitespaces)))
        }
        return "otpauth://\(kind.rawValue)/\(label)?" + parameters.joined(separator: "&")
    }

    private var cleanSecret: String {
        String(secret.filter { $0 != " " && $0 != "-" }).uppercased()
    }

    /// RFC 3986 unreserved characters stay; everything else (":" "@" "&" space,
    /// non-ASCII) is percent-encoded as UTF-8, so no name can break the URI apart.
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )

    /// The core names the URI parameter it rejects ("the secret parameter is
    /// wrong: …"); the form shows it under the field that parameter came from.
    static func field(named reason: String) -> Field {
        let text = reason.lowercased()
        let byWord: [(String, Field)] = [
            ("secret", .secret), ("digits", .digits), ("period", .period),
            ("counter", .counter), ("algorithm", .algorithm), ("issuer", .issuer), ("label", .name),
        ]
        return byWord.first { text.contains($0.0) }?.1 ?? .form
    }
}

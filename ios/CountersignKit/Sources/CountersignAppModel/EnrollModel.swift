// What a scanned code does: add an account, enroll this phone for sign-in
// approvals, hand an export to the import screen, or explain why it cannot be
// used. A privacyIDEA code that turns certificate checks off is enrolled only
// after the user agreed to the core's warning.
import Combine
import Countersign
import CountersignFFI
import Foundation

public final class EnrollModel: ObservableObject {
    public enum Step: Equatable {
        case working
        case accountAdded(id: String)
        case enrolled(PushAccountItem)
        /// The core's warning is up; `acceptUncheckedCertificates()` or `decline()`.
        case confirmUncheckedCertificates(url: String, warning: String)
        /// A Google Authenticator export: the import screen previews it.
        case importExport(Data)
        /// This code cannot be used; the user may scan another.
        case message(String)
    }

    public static let added = "Account added"
    public static let notACode = "This QR code is not for an authenticator."
    public static let notEnrolled =
        "Not enrolled: scan the code again when your administrator has fixed the server's certificate."
    public static let certificateTitle = "This server skips certificate checks"
    public static let enrolledTitle = "You're set up"
    public static let enrolledNext =
        "Next time you sign in, approve the request here, or in the notification."

    public let item: ScanItem
    @Published public private(set) var step = Step.working

    private let service: CountersignService
    /// When the code was read: privacyIDEA's time limit counts from it, also
    /// across the certificate warning and a retry.
    private let scannedAt: Date
    private let deviceName: String
    private let pushToken: () -> Data?

    public init(item: ScanItem, service: CountersignService, deviceName: String,
                pushToken: @escaping () -> Data?, scannedAt: Date = Date()) {
        self.item = item
        self.service = service
        self.deviceName = deviceName
        self.pushToken = pushToken
        self.scannedAt = scannedAt
    }

    /// "This phone now approves sign-ins for Example Corp".
    public static func enrolledFor(_ account: PushAccountItem) -> String {
        "This phone now approves sign-ins for \(account.org)"
    }

    @MainActor
    public func start() async {
        switch item.kind {
        case .otpauth:
            await addAccount()
        case .pushEnrollment, .privacyIdeaPush:
            await enroll(acceptUncheckedCertificates: false)
        case .migrationBatch:
            step = .importExport(Data(item.text.utf8))
        case .invalidOtpauth, .invalidMigration:
            step = .message(item.detail.map(ErrorText.sentence) ?? EnrollModel.notACode)
        case .notAuthenticator:
            if let host = item.detail, !host.isEmpty {
                step = .message("This QR code is not for an authenticator: it links to \(host).")
            } else {
                step = .message(EnrollModel.notACode)
            }
        }
    }

    @MainActor
    public func acceptUncheckedCertificates() async {
        guard case .confirmUncheckedCertificates = step else { return }
        await enroll(acceptUncheckedCertificates: true)
    }

    public func declineUncheckedCertificates() {
        guard case .confirmUncheckedCertificates = step else { return }
        step = .message(EnrollModel.notEnrolled)
    }

    @MainActor
    private func addAccount() async {
        step = .working
        do {
            let id = try await service.addAccount(uri: item.text)
            step = .accountAdded(id: id)
        } catch {
            step = .message(ErrorText(any: error).full)
        }
    }

    @MainActor
    private func enroll(acceptUncheckedCertificates: Bool) async {
        step = .working
        do {
            let account = try await service.enrollPush(
                uri: item.text,
                scannedAt: scannedAt,
                deviceName: deviceName,
                pushToken: pushToken(),
                acceptUncheckedCertificates: acceptUncheckedCertificates
            )
            step = .enrolled(account)
        } catch {
            let mapped = CountersignError(any: error)
            if case let .certificateChecksOff(url, reason) = mapped, !acceptUncheckedCertificates {
                step = .confirmUncheckedCertificates(url: url, warning: ErrorText.sentence(reason))
            } else {
                step = .message(ErrorText(mapped).full)
            }
        }
    }
}

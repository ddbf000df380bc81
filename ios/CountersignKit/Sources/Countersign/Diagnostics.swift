// Share Diagnostic Data, the parts that need no UIKit: the environment a batch
// is sent with, what "What is shared" shows, and how a camera scan that read a
// code ended. The app adds `DiagnosticsEnvironment.current(appVersion:)`
// (UIDevice), the network (NWPathMonitor) and the collector URL (Info.plist).
import CountersignFFI
import Foundation

extension DiagnosticsEnvironment {
    /// This app's environment from what iOS reports. Everything is passed as
    /// given: the core keeps only what its schema allows (a version number or
    /// `0`, the locale's language: `de_CH` becomes `de`).
    public static func iOS(appVersion: String, osVersion: String, isPad: Bool,
                           localeIdentifier: String) -> DiagnosticsEnvironment {
        DiagnosticsEnvironment(
            appVersion: appVersion,
            platform: .ios,
            osVersion: osVersion,
            device: isPad ? .tablet : .phone,
            locale: localeIdentifier
        )
    }
}

/// What the "What is shared" screen lists: every field a diagnostics batch can
/// carry, and what is never shared. Taken from the core, so the screen says
/// exactly what the core can send.
public struct DiagnosticsDisclosure: Equatable {
    public var fields: [SharedFieldItem]
    /// One sentence, lowercase and without a final stop ("account names, …").
    public var neverShared: String

    public init(fields: [SharedFieldItem], neverShared: String) {
        self.fields = fields
        self.neverShared = neverShared
    }

    /// The core's own list (`what_is_shared()`, `never_shared()`).
    public static func fromCore() -> DiagnosticsDisclosure {
        // Qualified: the property `neverShared` would hide the global function.
        DiagnosticsDisclosure(fields: CountersignFFI.whatIsShared(), neverShared: CountersignFFI.neverShared())
    }
}

extension ScanEnd {
    /// How a camera scan ended that read a code of `kind`: one Countersign
    /// can use (an account, an export, a push enrollment) is `.decoded`; a
    /// link, or an otpauth or export code that cannot be read, is
    /// `.unsupportedPayload`.
    public static func codeRead(_ kind: ScanKind) -> ScanEnd {
        switch kind {
        case .otpauth, .migrationBatch, .pushEnrollment, .privacyIdeaPush:
            return .decoded
        case .invalidOtpauth, .invalidMigration, .notAuthenticator:
            return .unsupportedPayload
        }
    }
}

// A CountersignService with scripted answers and a record of what it was
// asked, so the view models are tested without the core. Each script answers
// in order and repeats its last answer; an unscripted call fails loudly.
import Countersign
import CountersignFFI
import Foundation

/// Answers in order; the last one repeats.
struct Script<Value> {
    private var answers: [Result<Value, CountersignError>]

    init(_ answers: [Result<Value, CountersignError>] = []) {
        self.answers = answers
    }

    static func returning(_ value: Value) -> Script { Script([.success(value)]) }
    static func failing(_ error: CountersignError) -> Script { Script([.failure(error)]) }

    mutating func next(_ method: String) throws -> Value {
        guard let first = answers.first else { throw CountersignError.platform(reason: "\(method) not scripted") }
        if answers.count > 1 { answers.removeFirst() }
        return try first.get()
    }
}

extension Script where Value == Void {
    static var succeeding: Script<Void> { Script([.success(Void())]) }
}

struct EnrollCall: Equatable {
    let uri: String
    let scannedAt: Date
    let deviceName: String
    let pushToken: Data?
    let acceptUncheckedCertificates: Bool
}

struct ApproveCall: Equatable {
    let id: String
    let number: String?
}

struct DenyCall: Equatable {
    let id: String
    let reportFraud: Bool
}

struct ScanNote: Equatable {
    let outcome: ScanEnd
    let frames: UInt32
    let millis: UInt32
}

struct DiagnosticsSendCall: Equatable {
    let collector: URL
    let environment: DiagnosticsEnvironment
    let network: NetworkKind
}

final class FakeService: CountersignService {
    // Scripts, set by each test.
    var codesAnswers = Script<CodesView>()
    var nextHotpAnswers = Script<String>()
    var addAccountAnswers = Script<String>()
    var previewAnswers = Script<ImportPlan>()
    var importAnswers = Script<UInt32>()
    var accountsAnswers = Script<[AccountItem]>()
    var renameAnswers: Script<Void> = .succeeding
    var moveAnswers: Script<Void> = .succeeding
    var deleteAnswers: Script<Void> = .succeeding
    var enrollAnswers = Script<PushAccountItem>()
    var pushAccountsAnswers = Script<[PushAccountItem]>.returning([])
    var deletePushAnswers: Script<Void> = .succeeding
    var pendingAnswers = Script<PendingView>()
    var approveAnswers = Script<AnswerResult>()
    var denyAnswers = Script<AnswerResult>()
    var protectIdAnswers = Script<String>.returning("PROTECT-1234")
    var diagnosticsSaveAnswers: Script<Void> = .succeeding
    var onAnyNetworkSaveAnswers: Script<Void> = .succeeding
    var diagnosticsQueueAnswers = Script<[String]>.returning([])
    var diagnosticsSendAnswers = Script<DiagnosticsSent>.returning(.nothingQueued)
    /// Kept like the vault keeps them, so a new screen reads what the last one saved.
    var diagnostics = false
    var onAnyNetwork = false

    // What the models asked for.
    private(set) var addedURIs: [String] = []
    private(set) var previewPasswords: [String?] = []
    private(set) var importPasswords: [String?] = []
    private(set) var hotpRequests: [String] = []
    private(set) var renames: [(id: String, issuer: String?, name: String)] = []
    private(set) var moves: [(id: String, position: UInt32)] = []
    private(set) var deletedAccounts: [String] = []
    private(set) var enrollCalls: [EnrollCall] = []
    private(set) var deletedPushAccounts: [String] = []
    private(set) var approveCalls: [ApproveCall] = []
    private(set) var denyCalls: [DenyCall] = []
    private(set) var diagnosticsSaves: [Bool] = []
    private(set) var onAnyNetworkSaves: [Bool] = []
    private(set) var scanNotes: [ScanNote] = []
    private(set) var diagnosticsSends: [DiagnosticsSendCall] = []
    private(set) var codesViewsClosed = 0

    // The codes stream calls `codes()` from its own task while a test reads
    // the records: one lock keeps them consistent.
    private let lock = NSLock()

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    func protectId() async throws -> String {
        try locked { try protectIdAnswers.next("protectId") }
    }

    func addAccount(uri: String) async throws -> String {
        try locked {
            addedURIs.append(uri)
            return try addAccountAnswers.next("addAccount")
        }
    }

    func previewImport(file: Data, password: String?) async throws -> ImportPlan {
        try locked {
            previewPasswords.append(password)
            return try previewAnswers.next("previewImport")
        }
    }

    func importFile(file: Data, password: String?) async throws -> UInt32 {
        try locked {
            importPasswords.append(password)
            return try importAnswers.next("importFile")
        }
    }

    func accounts(search: String?) async throws -> [AccountItem] {
        try locked { try accountsAnswers.next("accounts") }
    }

    func codes() async throws -> CodesView {
        try locked { try codesAnswers.next("codes") }
    }

    /// No ticks: the stream asks for a whole view every second.
    func codesUpdate(screen: UInt64) async throws -> CodesUpdate? {
        nil
    }

    func closeCodesView() {
        locked { codesViewsClosed += 1 }
    }

    func nextHotpCode(id: String) async throws -> String {
        try locked {
            hotpRequests.append(id)
            return try nextHotpAnswers.next("nextHotpCode")
        }
    }

    func rename(id: String, issuer: String?, name: String) async throws {
        try locked {
            renames.append((id, issuer, name))
            try renameAnswers.next("rename")
        }
    }

    func moveAccount(id: String, position: UInt32) async throws {
        try locked {
            moves.append((id, position))
            try moveAnswers.next("moveAccount")
        }
    }

    func deleteAccount(id: String) async throws {
        try locked {
            deletedAccounts.append(id)
            try deleteAnswers.next("deleteAccount")
        }
    }

    func diagnosticsEnabled() async throws -> Bool {
        locked { diagnostics }
    }

    func setDiagnosticsEnabled(_ enabled: Bool) async throws {
        try locked {
            diagnosticsSaves.append(enabled)
            try diagnosticsSaveAnswers.next("setDiagnosticsEnabled")
            diagnostics = enabled
        }
    }

    func diagnosticsQueue() async throws -> [String] {
        try locked { try diagnosticsQueueAnswers.next("diagnosticsQueue") }
    }

    func diagnosticsOnAnyNetwork() async throws -> Bool {
        locked { onAnyNetwork }
    }

    func setDiagnosticsOnAnyNetwork(_ onAnyNetwork: Bool) async throws {
        try locked {
            onAnyNetworkSaves.append(onAnyNetwork)
            try onAnyNetworkSaveAnswers.next("setDiagnosticsOnAnyNetwork")
            self.onAnyNetwork = onAnyNetwork
        }
    }

    func noteScan(_ outcome: ScanEnd, frames: UInt32, millis: UInt32) async {
        locked { scanNotes.append(ScanNote(outcome: outcome, frames: frames, millis: millis)) }
    }

    func sendDiagnostics(collector: URL, environment: DiagnosticsEnvironment,
                         network: NetworkKind) async throws -> DiagnosticsSent {
        try locked {
            diagnosticsSends.append(DiagnosticsSendCall(collector: collector, environment: environment,
                                                        network: network))
            return try diagnosticsSendAnswers.next("sendDiagnostics")
        }
    }

    func enrollPush(uri: String, scannedAt: Date, deviceName: String, pushToken: Data?,
                    acceptUncheckedCertificates: Bool) async throws -> PushAccountItem {
        try locked {
            enrollCalls.append(EnrollCall(uri: uri, scannedAt: scannedAt, deviceName: deviceName,
                                          pushToken: pushToken,
                                          acceptUncheckedCertificates: acceptUncheckedCertificates))
            return try enrollAnswers.next("enrollPush")
        }
    }

    func pushAccounts() async throws -> [PushAccountItem] {
        try locked { try pushAccountsAnswers.next("pushAccounts") }
    }

    func deletePushAccount(id: String) async throws {
        try locked {
            deletedPushAccounts.append(id)
            try deletePushAnswers.next("deletePushAccount")
        }
    }

    func pendingReport() async throws -> PendingView {
        try locked { try pendingAnswers.next("pendingReport") }
    }

    func updatePushToken(_ token: Data?) async throws -> [PushFailureItem] {
        []
    }

    func handlePushPayload(userInfo: [AnyHashable: Any]) async throws -> PushRequestItem? {
        nil
    }

    func approve(id: String, number: String?, prompt: BiometricPrompt) async throws -> AnswerResult {
        try locked {
            approveCalls.append(ApproveCall(id: id, number: number))
            return try approveAnswers.next("approve")
        }
    }

    func deny(id: String, reportFraud: Bool) async throws -> AnswerResult {
        try locked {
            denyCalls.append(DenyCall(id: id, reportFraud: reportFraud))
            return try denyAnswers.next("deny")
        }
    }

    func watchRequest(id: String) async throws -> WatchRequest {
        throw CountersignError.platform(reason: "watchRequest not scripted")
    }

    func answerFromWatch(id: String, approve: Bool, number: String?, reportFraud: Bool) async throws -> AnswerResult {
        throw CountersignError.platform(reason: "answerFromWatch not scripted")
    }
}

/// Stands in for Face ID: the fake service never calls it, the model only passes it on.
final class PassingPrompt: BiometricPrompt {
    func confirm(reason: String) async throws -> BiometricOutcome {
        .passed
    }
}

// One sign-in request: a live countdown, why the server judged it risky when
// it did, the number to match when the server asks for one, and Approve / Deny
// / Deny and report. Every answer goes through the core (which asks the biometric prompt when policy wants it); this decides
// only what the screen says afterwards and whether it can be tried again.
import Combine
import Countersign
import CountersignFFI
import Foundation

public final class ApprovalModel: ObservableObject, Identifiable {
    public enum NumberEntry: Equatable {
        case noNumber
        /// The number must be typed from the sign-in screen.
        case typed
        /// One button per number; the user taps the one the sign-in screen shows.
        case choices([String])
    }

    public enum Outcome: Equatable {
        case approved
        /// Approved; the sign-in screen now asks for this code (privacyIDEA).
        case approvedShowCode(code: String, message: String)
        case denied
        case reported
        case expired
        /// Nothing more can be done with this request; says why.
        case closed(String)
    }

    public enum Phase: Equatable {
        case loading
        case ready
        case answering
        case finished(Outcome)
    }

    public static let requestGone = "This request has already been answered or has expired."
    public static let typeNumber = "Type the number shown on the sign-in screen"

    public let requestId: String
    public var id: String { requestId }

    @Published public private(set) var request: PushRequestItem? = nil
    @Published public private(set) var phase: Phase
    @Published public private(set) var secondsLeft: Int64 = 0
    @Published public var typedNumber = ""
    /// Why the last answer did not go through; the buttons stay.
    @Published public private(set) var notice: String? = nil

    private let service: CountersignService
    private let prompt: BiometricPrompt
    private let clock: () -> Date
    private var loadedAt = Date()

    /// A request already fetched (the request list).
    public init(request: PushRequestItem, service: CountersignService, prompt: BiometricPrompt,
                clock: @escaping () -> Date = Date.init) {
        self.requestId = request.id
        self.service = service
        self.prompt = prompt
        self.clock = clock
        self.phase = .loading
        show(request)
    }

    /// Only the id (a tapped notification): `load()` fetches it.
    public init(requestId: String, service: CountersignService, prompt: BiometricPrompt,
                clock: @escaping () -> Date = Date.init) {
        self.requestId = requestId
        self.service = service
        self.prompt = prompt
        self.clock = clock
        self.phase = .loading
    }

    public var title: String {
        request.map { RequestText.title($0) } ?? ""
    }

    public var details: [String] {
        guard let request = request else { return [] }
        return [RequestText.summary(request)] + RequestText.details(request)
    }

    /// Why the server judged this sign-in risky, shown above the details;
    /// nil for a low-risk request.
    public var riskBanner: String? {
        request.flatMap { RequestText.riskBanner($0) }
    }

    /// Whether the banner is the high-risk one (red rather than orange).
    public var isHighRisk: Bool {
        request?.riskLevel == .high
    }

    public var countdownText: String {
        secondsLeft > 0 ? RequestText.expiresIn(secondsLeft) : "Expired: sign in again if it was you"
    }

    public var numberEntry: NumberEntry {
        guard let request = request else { return .noNumber }
        if let choices = request.numberChoices, !choices.isEmpty { return .choices(choices) }
        return RequestText.needsNumber(request) ? .typed : .noNumber
    }

    public var canAnswer: Bool {
        phase == .ready
    }

    /// What the finished screen says.
    public var outcomeText: String? {
        guard case let .finished(outcome) = phase else { return nil }
        switch outcome {
        case .approved: return "Approved"
        case let .approvedShowCode(code, message): return "\(message): \(code)"
        case .denied: return "Denied"
        case .reported: return "Denied and reported"
        case .expired: return ErrorText(.expired(secondsAgo: 0, reason: "")).full
        case let .closed(reason): return reason
        }
    }

    @MainActor
    public func load() async {
        guard request == nil else { return }
        do {
            let pending = try await service.pendingReport()
            if let found = pending.requests.first(where: { $0.id == requestId }) {
                show(found)
            } else {
                phase = .finished(.closed(ApprovalModel.requestGone))
            }
        } catch {
            phase = .finished(.closed(ErrorText(any: error).full))
        }
    }

    /// The core's count at loading time, less what has passed since; the view
    /// calls this every second.
    public func tick() {
        guard let request = request else { return }
        let elapsed = Int64(clock().timeIntervalSince(loadedAt))
        secondsLeft = max(0, request.secondsLeft - elapsed)
        if secondsLeft == 0, phase == .ready {
            phase = .finished(.expired)
        }
    }

    /// Approve; `choice` is the tapped number when the request lists numbers.
    @MainActor
    public func approve(choice: String? = nil) async {
        guard canAnswer else { return }
        let number: String?
        switch numberEntry {
        case .noNumber:
            number = nil
        case .choices:
            guard let choice = choice else { return }
            number = choice
        case .typed:
            let typed = typedNumber.trimmingCharacters(in: .whitespaces)
            guard !typed.isEmpty else {
                notice = ApprovalModel.typeNumber
                return
            }
            number = typed
        }
        let prompt = self.prompt
        await send { service in
            try await service.approve(id: self.requestId, number: number, prompt: prompt)
        }
    }

    @MainActor
    public func deny() async {
        await refuse(reportFraud: false)
    }

    @MainActor
    public func report() async {
        await refuse(reportFraud: true)
    }

    @MainActor
    private func refuse(reportFraud: Bool) async {
        guard canAnswer else { return }
        await send { service in
            try await service.deny(id: self.requestId, reportFraud: reportFraud)
        }
        if reportFraud, phase == .finished(.denied) {
            phase = .finished(.reported)
        }
    }

    @MainActor
    private func send(_ call: (CountersignService) async throws -> AnswerResult) async {
        phase = .answering
        notice = nil
        do {
            switch try await call(service) {
            case .approved: phase = .finished(.approved)
            case let .approvedShowCode(code, message): phase = .finished(.approvedShowCode(code: code, message: message))
            case .denied: phase = .finished(.denied)
            }
        } catch {
            settle(CountersignError(any: error))
        }
    }

    /// Some failures end the request (it expired, was answered, the number was
    /// wrong so the sign-in was blocked); the rest can be tried again.
    private func settle(_ error: CountersignError) {
        switch error {
        case .expired:
            phase = .finished(.expired)
        case .alreadyAnswered, .wrongNumber, .deviceReplaced, .deviceRevoked:
            phase = .finished(.closed(ErrorText(error).full))
        case .notFound:
            phase = .finished(.closed(ApprovalModel.requestGone))
        case .network, .rateLimited, .serverRefused, .untrusted, .biometricFailed, .numberRequired,
             .phoneRequired, .hardwareKey, .keyStore, .storage, .tampered, .cancelled, .platform,
             .invalidInput, .duplicate, .wrongPassword, .certificateChecksOff:
            phase = .ready
            notice = ErrorText(error).full
        }
    }

    private func show(_ request: PushRequestItem) {
        self.request = request
        loadedAt = clock()
        secondsLeft = max(0, request.secondsLeft)
        phase = secondsLeft > 0 ? .ready : .finished(.expired)
    }
}

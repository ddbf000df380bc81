// Importing another authenticator's export: read the file, ask its password
// when it is encrypted, show what would be added, then add all of it or
// nothing. The core does the reading; this keeps the steps and the wording.
import Combine
import Countersign
import CountersignFFI
import Foundation

public final class ImportModel: ObservableObject, Identifiable {
    public enum Step: Equatable {
        case choosingFile
        case reading
        /// `wrong`: a password was given and did not open the file.
        case needsPassword(wrong: Bool)
        case preview(ImportPlan)
        case importing(ImportPlan)
        case done(count: UInt32)
        /// The file cannot be imported; another may be chosen.
        case failed(String)
    }

    /// Larger than any real export; the core's own limit is lower. A bigger
    /// file is refused before it is read into memory.
    public static let maxFileBytes = 32 * 1024 * 1024
    public static let encryptedText =
        "This export is encrypted. Enter the password you gave when you exported it."
    public static let wrongPasswordText = "That password did not open the file. Try again."
    public static let tooLargeText = "The file is too large to be an authenticator export."

    @Published public private(set) var step = Step.choosingFile
    @Published public var password = ""
    /// Why the last import attempt failed, shown under the preview.
    @Published public private(set) var notice: String? = nil

    private let service: CountersignService
    private var file: Data?
    /// The password that produced the preview: the import uses the same one.
    private var acceptedPassword: String?

    public init(service: CountersignService) {
        self.service = service
    }

    @MainActor
    public func load(file: Data) async {
        guard file.count <= ImportModel.maxFileBytes else {
            step = .failed(ImportModel.tooLargeText)
            return
        }
        self.file = file
        password = ""
        acceptedPassword = nil
        await preview(password: nil)
    }

    /// The file could not be read at all (the picker's error).
    public func fileUnreadable(_ reason: String) {
        step = .failed("The file could not be read: \(reason)")
    }

    @MainActor
    public func submitPassword() async {
        await preview(password: password)
    }

    @MainActor
    public func confirmImport() async {
        guard let file = file, case let .preview(plan) = step, !plan.toAdd.isEmpty else { return }
        step = .importing(plan)
        notice = nil
        do {
            let count = try await service.importFile(file: file, password: acceptedPassword)
            step = .done(count: count)
        } catch {
            step = .preview(plan)
            notice = ErrorText(any: error).full
        }
    }

    /// Back to the picker (after a failure, or to choose another file).
    public func chooseAnother() {
        file = nil
        password = ""
        acceptedPassword = nil
        notice = nil
        step = .choosingFile
    }

    @MainActor
    private func preview(password: String?) async {
        guard let file = file else { return }
        step = .reading
        do {
            let plan = try await service.previewImport(file: file, password: password)
            acceptedPassword = password
            step = .preview(plan)
        } catch {
            let mapped = CountersignError(any: error)
            if case let .wrongPassword(passwordMissing, _) = mapped {
                step = .needsPassword(wrong: !passwordMissing)
            } else {
                step = .failed(ErrorText(mapped).full)
            }
        }
    }

    // MARK: - Wording of a plan

    public static func summary(_ plan: ImportPlan) -> String {
        let adding = plan.toAdd.count
        var text = "\(plan.format) export: \(adding) new " + (adding == 1 ? "account" : "accounts")
        if plan.duplicates > 0 { text += ", \(plan.duplicates) already here" }
        return text
    }

    public static func actionTitle(_ plan: ImportPlan) -> String {
        plan.toAdd.count == 1 ? "Import 1 account" : "Import \(plan.toAdd.count) accounts"
    }

    public static func accountLine(_ account: ImportedAccount) -> String {
        [account.issuer, account.name].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · ")
    }

    public static func skippedLine(_ entry: SkippedEntry) -> String {
        "Not imported: \(entry.name): \(entry.reason)"
    }

    public static func imported(_ count: UInt32) -> String {
        count == 1 ? "1 account imported" : "\(count) accounts imported"
    }
}

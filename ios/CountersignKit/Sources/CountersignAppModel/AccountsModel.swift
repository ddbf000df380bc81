// The codes screen's state: every account's live code from the core's
// one-a-second stream, filtered by what the user typed. It never touches the
// pasteboard: copying returns the code and the view decides where it goes.
import Combine
import Countersign
import CountersignFFI
import Foundation

/// One row of the codes list, ready to draw.
public struct CodeRow: Identifiable, Equatable {
    public let id: String
    public let title: String
    /// The code to copy, when there is one (a TOTP code, or an HOTP code revealed here).
    public let code: String?
    /// The big text: the grouped code, why there is none, or how to get one.
    public let display: String
    public let secondsLeft: UInt32?
    /// 1 for a fresh code, 0 when it changes: the countdown ring.
    public let progress: Double
    public let isExpiring: Bool
    /// Counter-based: codes come one at a time, on request.
    public let isHotp: Bool
    public let unavailable: String?
}

public final class AccountsModel: ObservableObject {
    public enum Phase: Equatable {
        case loading
        case shown
        /// The vault could not be read this second; the stream keeps trying.
        case failed(String)
    }

    public static let noAccounts = "No accounts yet. Scan a QR code to add one."
    public static let noMatch = "No account matches your search."
    public static let tapForCode = "Tap Next code for a code"
    public static let copied = "Code copied"

    /// What the user typed in the search field; the rows follow it at once.
    @Published public var search: String = "" {
        didSet { rebuild() }
    }
    @Published public private(set) var rows: [CodeRow] = []
    @Published public private(set) var phase: Phase = .loading
    /// A short-lived line for the user ("Code copied", or why an action failed).
    @Published public var notice: String? = nil

    private let service: CountersignService
    private var items: [CodeItem] = []
    /// HOTP codes the user asked for, shown until the screen goes away.
    private var revealed: [String: String] = [:]
    private var streaming: Task<Void, Never>?

    public init(service: CountersignService) {
        self.service = service
    }

    deinit {
        streaming?.cancel()
    }

    public var isSearching: Bool {
        !search.trimmingCharacters(in: .whitespaces).isEmpty
    }

    /// Shown instead of the list when it is empty.
    public var emptyText: String? {
        guard rows.isEmpty, phase == .shown else { return nil }
        return isSearching ? AccountsModel.noMatch : AccountsModel.noAccounts
    }

    /// Starts following the codes (screen visible, app in front).
    public func start() {
        guard streaming == nil else { return }
        let ticks = service.codesStream()
        streaming = Task { @MainActor [weak self] in
            for await tick in ticks {
                self?.apply(tick)
            }
        }
    }

    /// Stops the stream, so the vault is not read while nobody looks (or the app is suspended).
    public func stop() {
        streaming?.cancel()
        streaming = nil
    }

    func apply(_ tick: CodesTick) {
        switch tick {
        case let .view(view):
            items = view.items
            phase = .shown
        case let .failure(error):
            // Old codes would be wrong a second later: show why instead.
            items = []
            phase = .failed(ErrorText(error).full)
        }
        rebuild()
    }

    /// The code a tap copies: the current TOTP code, or the HOTP code already
    /// revealed, or (HOTP with none yet) the next one. Nil when there is none.
    @MainActor
    public func codeToCopy(id: String) async -> String? {
        guard let row = rows.first(where: { $0.id == id }) else { return nil }
        if let code = row.code {
            notice = AccountsModel.copied
            return code
        }
        guard row.isHotp else { return nil }
        return await nextCode(id: id)
    }

    /// Advances an HOTP account's counter and shows its new code.
    @discardableResult
    @MainActor
    public func nextCode(id: String) async -> String? {
        do {
            let code = try await service.nextHotpCode(id: id)
            revealed[id] = code
            rebuild()
            notice = AccountsModel.copied
            return code
        } catch {
            notice = ErrorText(any: error).full
            return nil
        }
    }

    /// Reorders from the list's drag (SwiftUI's onMove offsets). Only the
    /// unfiltered list can be reordered: a filtered index is not a position.
    @MainActor
    public func move(from source: IndexSet, to destination: Int) async {
        guard !isSearching, source.count == 1, let from = source.first, items.indices.contains(from) else { return }
        // onMove's destination counts the moved row's old place too.
        let position = destination > from ? destination - 1 : destination
        guard position != from, items.indices.contains(position) else { return }
        let moved = items.remove(at: from)
        items.insert(moved, at: position)
        rebuild()
        do {
            try await service.moveAccount(id: moved.id, position: UInt32(position))
        } catch {
            notice = ErrorText(any: error).full
        }
    }

    /// Deletes after the view's confirmation.
    @MainActor
    public func delete(id: String) async {
        do {
            try await service.deleteAccount(id: id)
            items.removeAll { $0.id == id }
            revealed[id] = nil
            rebuild()
        } catch {
            notice = ErrorText(any: error).full
        }
    }

    private func rebuild() {
        let words = search.lowercased().split(separator: " ").map(String.init)
        rows = items
            .filter { AccountsModel.matches($0, words: words) }
            .map { row($0) }
    }

    private func row(_ item: CodeItem) -> CodeRow {
        let readable = item.unavailable == nil
        let isHotp = readable && item.hotpCounter != nil
        let code = readable ? (item.code ?? (isHotp ? revealed[item.id] : nil)) : nil
        let display = item.unavailable ?? code.map(CodeFormatting.grouped) ?? (isHotp ? AccountsModel.tapForCode : "")
        return CodeRow(
            id: item.id,
            title: CodeFormatting.title(issuer: item.issuer, name: item.name),
            code: code,
            display: display,
            secondsLeft: item.secondsLeft,
            progress: CodeFormatting.progress(secondsLeft: item.secondsLeft, period: item.period),
            isExpiring: CodeFormatting.isExpiring(secondsLeft: item.secondsLeft),
            isHotp: isHotp,
            unavailable: item.unavailable
        )
    }

    /// Every typed word appears in the issuer or the account name, any case.
    static func matches(_ item: CodeItem, words: [String]) -> Bool {
        let haystack = [item.issuer, item.name].compactMap { $0 }.joined(separator: " ").lowercased()
        return words.allSatisfy { haystack.contains($0) }
    }
}

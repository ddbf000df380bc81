// One account: what it is, rename, one place up or down the list, and delete
// behind a confirmation. It re-reads the list before moving, because the codes
// screen may have reordered meanwhile.
import Combine
import Countersign
import CountersignFFI
import Foundation

public final class AccountDetailsModel: ObservableObject, Identifiable {
    public static let weakSecretText = "This account's secret is shorter than 128 bits."
    public static let deleteTitle = "Delete this account?"
    public static let deleteBody =
        "You will no longer get codes for it here. Make sure you can sign in another way first."

    public let accountId: String
    public var id: String { accountId }

    @Published public private(set) var account: AccountItem? = nil
    @Published public var issuer = ""
    @Published public var name = ""
    @Published public private(set) var canMoveUp = false
    @Published public private(set) var canMoveDown = false
    /// The delete confirmation is up.
    @Published public var confirmingDelete = false
    /// Deleted, or no longer there: the view closes.
    @Published public private(set) var isGone = false
    @Published public var notice: String? = nil

    private let service: CountersignService

    public init(service: CountersignService, accountId: String) {
        self.service = service
        self.accountId = accountId
    }

    public var title: String {
        guard let account = account else { return "" }
        return CodeFormatting.title(issuer: account.issuer, name: account.name)
    }

    /// "TOTP · 6 digits", and the weak-secret warning when it applies.
    public var facts: [String] {
        guard let account = account else { return [] }
        var lines = ["\(AccountDetailsModel.kindName(account.kind)) · \(account.digits) digits"]
        if account.weakSecret { lines.append(AccountDetailsModel.weakSecretText) }
        return lines
    }

    public var hasUnsavedName: Bool {
        guard let account = account else { return false }
        return cleanIssuer != account.issuer || cleanName != account.name
    }

    @MainActor
    public func load() async {
        do {
            let all = try await service.accounts(search: nil)
            guard let index = all.firstIndex(where: { $0.id == accountId }) else {
                isGone = true
                return
            }
            let found = all[index]
            if account == nil || !hasUnsavedName {
                issuer = found.issuer ?? ""
                name = found.name
            }
            account = found
            canMoveUp = index > 0
            canMoveDown = index < all.count - 1
        } catch {
            notice = ErrorText(any: error).full
        }
    }

    @MainActor
    public func rename() async {
        guard !cleanName.isEmpty else {
            notice = "Enter the account name"
            return
        }
        do {
            try await service.rename(id: accountId, issuer: cleanIssuer, name: cleanName)
            notice = "Saved"
            await load()
        } catch {
            notice = ErrorText(any: error).full
        }
    }

    @MainActor
    public func moveUp() async {
        await move(by: -1)
    }

    @MainActor
    public func moveDown() async {
        await move(by: 1)
    }

    public func requestDelete() {
        confirmingDelete = true
    }

    @MainActor
    public func confirmDelete() async {
        confirmingDelete = false
        do {
            try await service.deleteAccount(id: accountId)
            isGone = true
        } catch {
            notice = ErrorText(any: error).full
        }
    }

    /// One place up or down; nothing at either end.
    @MainActor
    private func move(by offset: Int) async {
        do {
            let all = try await service.accounts(search: nil)
            guard let index = all.firstIndex(where: { $0.id == accountId }) else {
                isGone = true
                return
            }
            let target = index + offset
            guard all.indices.contains(target) else { return }
            try await service.moveAccount(id: accountId, position: UInt32(target))
            notice = offset < 0 ? "Moved up" : "Moved down"
            await load()
        } catch {
            notice = ErrorText(any: error).full
        }
    }

    private var cleanIssuer: String? {
        let trimmed = issuer.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    private var cleanName: String {
        name.trimmingCharacters(in: .whitespaces)
    }

    static func kindName(_ kind: AccountKind) -> String {
        switch kind {
        case .totp: return "TOTP"
        case .hotp: return "HOTP"
        case .steam: return "Steam"
        }
    }
}

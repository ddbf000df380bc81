// The codes screen: search, every account's live code, tap to copy, Edit to
// reorder and delete, + to add one (camera, typed key or another app's export).
// Sheets are one enum so iOS 13 presents one at a time.
import Countersign
import CountersignAppModel
import SwiftUI
import UIKit

enum AccountsSheet: Identifiable {
    case scan
    case manual(ManualEntryModel)
    case importFile(ImportModel)
    case details(AccountDetailsModel)

    var id: String {
        switch self {
        case .scan: return "scan"
        case .manual: return "manual"
        case .importFile: return "import"
        case let .details(details): return "details-" + details.accountId
        }
    }
}

struct AccountsView: View {
    @ObservedObject var model: AccountsModel
    let service: CountersignService

    @State private var sheet: AccountsSheet?
    @State private var choosingHowToAdd = false
    @State private var pendingDelete: CodeRow?
    @State private var visible = false

    // Spelled out: private @State makes the synthesized initialiser private.
    init(model: AccountsModel, service: CountersignService) {
        self.model = model
        self.service = service
    }

    var body: some View {
        VStack(spacing: 0) {
            SearchField(text: $model.search)
            list
        }
        .navigationBarTitle("Codes")
        .navigationBarItems(leading: EditButton(), trailing: addButton)
        .sheet(item: $sheet) { shown in sheetContent(shown) }
        .notice($model.notice)
        .onAppear {
            visible = true
            model.start()
        }
        .onDisappear {
            visible = false
            model.stop()
        }
        // No vault reads while suspended; the stream restarts when the app is back.
        .onReceive(NotificationCenter.default.publisher(for: UIApplication.didEnterBackgroundNotification)) { _ in
            model.stop()
        }
        .onReceive(NotificationCenter.default.publisher(for: UIApplication.willEnterForegroundNotification)) { _ in
            if visible { model.start() }
        }
    }

    private var list: some View {
        List {
            if case let .failed(reason) = model.phase {
                Text("Your accounts could not be opened: \(reason)")
                    .foregroundColor(.red)
                    .fixedSize(horizontal: false, vertical: true)
            }
            if let empty = model.emptyText {
                Text(empty).foregroundColor(.secondary)
            }
            ForEach(model.rows) { row in
                AccountRowView(
                    row: row,
                    onCopy: { copy(row) },
                    onNextCode: { nextCode(row) },
                    onOpen: { sheet = .details(AccountDetailsModel(service: service, accountId: row.id)) }
                )
            }
            // A filtered list has no positions to move to.
            .onMove(perform: model.isSearching ? nil : move)
            .onDelete(perform: askToDelete)
        }
        .listStyle(PlainListStyle())
        .alert(item: $pendingDelete) { row in deleteAlert(row) }
    }

    private var addButton: some View {
        Button(action: { choosingHowToAdd = true }) {
            Image(systemName: "plus").imageScale(.large)
        }
        .accessibility(label: Text("Add an account"))
        .actionSheet(isPresented: $choosingHowToAdd) {
            ActionSheet(title: Text("Add an account"), buttons: [
                .default(Text("Scan QR code")) { sheet = .scan },
                .default(Text("Enter a key")) { sheet = .manual(ManualEntryModel(service: service)) },
                .default(Text("Import from another app")) { sheet = .importFile(ImportModel(service: service)) },
                .cancel(),
            ])
        }
    }

    @ViewBuilder
    private func sheetContent(_ shown: AccountsSheet) -> some View {
        switch shown {
        case .scan:
            ScanView(service: service, onClose: close)
        case let .manual(entry):
            ManualEntryView(model: entry, onClose: close)
        case let .importFile(importing):
            ImportView(model: importing, onClose: close)
        case let .details(details):
            NavigationView {
                AccountDetailsView(model: details, onClose: close)
            }
            .navigationViewStyle(StackNavigationViewStyle())
        }
    }

    /// A sheet is done; `notice` is what this screen says about it.
    private func close(_ notice: String?) {
        sheet = nil
        if let notice = notice { model.notice = notice }
    }

    private func copy(_ row: CodeRow) {
        Task { @MainActor in
            if let code = await model.codeToCopy(id: row.id) {
                SensitivePasteboard.copy(code)
            }
        }
    }

    private func nextCode(_ row: CodeRow) {
        Task { @MainActor in
            if let code = await model.nextCode(id: row.id) {
                SensitivePasteboard.copy(code)
            }
        }
    }

    private func move(from source: IndexSet, to destination: Int) {
        Task { @MainActor in await model.move(from: source, to: destination) }
    }

    /// Swipe to delete asks first: the account's codes are gone for good.
    private func askToDelete(at offsets: IndexSet) {
        guard let index = offsets.first, model.rows.indices.contains(index) else { return }
        pendingDelete = model.rows[index]
    }

    private func deleteAlert(_ row: CodeRow) -> Alert {
        Alert(
            title: Text(AccountDetailsModel.deleteTitle),
            message: Text("\(row.title)\n\n\(AccountDetailsModel.deleteBody)"),
            primaryButton: .destructive(Text("Delete")) {
                Task { @MainActor in await model.delete(id: row.id) }
            },
            secondaryButton: .cancel()
        )
    }
}

// One account: what it is, Rename, Move up/down the list, and Delete behind a
// confirmation.
import CountersignAppModel
import SwiftUI

struct AccountDetailsView: View {
    @ObservedObject var model: AccountDetailsModel
    let onClose: (_ notice: String?) -> Void

    var body: some View {
        Form {
            Section(header: Text(model.title)) {
                ForEach(model.facts, id: \.self) { fact in
                    Text(fact).fixedSize(horizontal: false, vertical: true)
                }
            }
            Section(header: Text("Rename")) {
                TextField("Issuer (e.g. GitHub)", text: $model.issuer)
                    .disableAutocorrection(true)
                TextField("Account (e.g. jane@example.com)", text: $model.name)
                    .disableAutocorrection(true)
                    .autocapitalization(.none)
                Button("Save") { run { await model.rename() } }
                    .disabled(!model.hasUnsavedName)
            }
            Section(header: Text("Order")) {
                Button("Move up") { run { await model.moveUp() } }
                    .disabled(!model.canMoveUp)
                Button("Move down") { run { await model.moveDown() } }
                    .disabled(!model.canMoveDown)
            }
            Section {
                Button(action: model.requestDelete) {
                    Text("Delete").foregroundColor(.red)
                }
            }
        }
        .navigationBarTitle(Text("Account"), displayMode: .inline)
        .navigationBarItems(trailing: Button("Done") { onClose(nil) })
        .alert(isPresented: $model.confirmingDelete) {
            Alert(
                title: Text(AccountDetailsModel.deleteTitle),
                message: Text("\(model.title)\n\n\(AccountDetailsModel.deleteBody)"),
                primaryButton: .destructive(Text("Delete")) { run { await model.confirmDelete() } },
                secondaryButton: .cancel()
            )
        }
        .notice($model.notice)
        .onAppear { run { await model.load() } }
        .onReceive(model.$isGone) { gone in
            if gone { onClose(nil) }
        }
    }

    private func run(_ action: @escaping @MainActor () async -> Void) {
        Task { @MainActor in await action() }
    }
}

// Import from another authenticator's export: pick the file, give its
// password if it is encrypted, see what would be added, then add all of it or
// nothing.
import CountersignAppModel
import SwiftUI

struct ImportView: View {
    @ObservedObject var model: ImportModel
    /// Closes the sheet; the text is what the presenting screen says afterwards.
    let onClose: (_ notice: String?) -> Void

    @State private var picking = false

    // Spelled out: private @State makes the synthesized initialiser private.
    init(model: ImportModel, onClose: @escaping (_ notice: String?) -> Void) {
        self.model = model
        self.onClose = onClose
    }

    var body: some View {
        NavigationView {
            ImportStepsView(model: model, onChooseFile: { picking = true }, onDone: done)
                .navigationBarTitle(Text("Import"), displayMode: .inline)
                .navigationBarItems(trailing: Button("Cancel") { onClose(nil) })
        }
        .navigationViewStyle(StackNavigationViewStyle())
        .sheet(isPresented: $picking) {
            DocumentPicker(onPicked: read)
        }
    }

    private func read(_ url: URL) {
        picking = false
        ExportFileReader.read(url, limit: ImportModel.maxFileBytes) { result in
            switch result {
            case let .success(file):
                Task { @MainActor in await model.load(file: file) }
            case let .failure(error):
                model.fileUnreadable(error.localizedDescription)
            }
        }
    }

    private func done() {
        if case let .done(count) = model.step {
            onClose(ImportModel.imported(count))
        } else {
            onClose(nil)
        }
    }
}

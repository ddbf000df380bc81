// The import screen's body, step by step: choose a file, its password, what
// would be added, done. Shared by the import sheet and the scanner (a Google
// Authenticator export QR code).
import CountersignAppModel
import CountersignFFI
import SwiftUI

struct ImportStepsView: View {
    @ObservedObject var model: ImportModel
    /// Nil when there is no file to choose (the scanner's export).
    let onChooseFile: (() -> Void)?
    let onDone: () -> Void

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                step
            }
            .padding()
            .frame(maxWidth: .infinity, alignment: .leading)
        }
    }

    @ViewBuilder
    private var step: some View {
        switch model.step {
        case .choosingFile:
            Text("Import accounts from another authenticator's export (Aegis, 2FAS, andOTP, FreeOTP, Bitwarden, …) or from a Countersign backup.")
                .fixedSize(horizontal: false, vertical: true)
            if let choose = onChooseFile {
                Button("Choose the export file", action: choose)
            }
        case .reading:
            busy("Reading the file…")
        case let .needsPassword(wrong):
            password(wrong: wrong)
        case let .preview(plan):
            preview(plan, importing: false)
        case let .importing(plan):
            preview(plan, importing: true)
        case let .done(count):
            Image(systemName: "checkmark.circle.fill")
                .font(.system(size: 56))
                .foregroundColor(.green)
            Text(ImportModel.imported(count)).font(.title)
            Button("Done", action: onDone)
        case let .failed(reason):
            Text(reason)
                .foregroundColor(.red)
                .fixedSize(horizontal: false, vertical: true)
            if let choose = onChooseFile {
                Button("Choose another file") {
                    model.chooseAnother()
                    choose()
                }
            }
        }
    }

    private func busy(_ text: String) -> some View {
        HStack(spacing: 8) {
            ActivityIndicator()
            Text(text).foregroundColor(.secondary)
        }
    }

    private func password(wrong: Bool) -> some View {
        VStack(alignment: .leading, spacing: 12) {
            Text(wrong ? ImportModel.wrongPasswordText : ImportModel.encryptedText)
                .foregroundColor(wrong ? Color.red : Color.primary)
                .fixedSize(horizontal: false, vertical: true)
            SecureField("The file's password", text: $model.password, onCommit: submitPassword)
                .textFieldStyle(RoundedBorderTextFieldStyle())
            Button("Continue", action: submitPassword)
                .disabled(model.password.isEmpty)
        }
    }

    private func preview(_ plan: ImportPlan, importing: Bool) -> some View {
        VStack(alignment: .leading, spacing: 8) {
            Text(ImportModel.summary(plan)).font(.headline)
            ForEach(Array(plan.toAdd.enumerated()), id: \.offset) { entry in
                Text("• " + ImportModel.accountLine(entry.element))
            }
            ForEach(Array(plan.skipped.enumerated()), id: \.offset) { entry in
                Text(ImportModel.skippedLine(entry.element))
                    .font(.footnote)
                    .foregroundColor(.secondary)
                    .fixedSize(horizontal: false, vertical: true)
            }
            if let notice = model.notice {
                Text(notice).foregroundColor(.red).fixedSize(horizontal: false, vertical: true)
            }
            if importing {
                busy("Importing…")
            } else {
                Button(ImportModel.actionTitle(plan), action: confirm)
                    .disabled(plan.toAdd.isEmpty)
                    .padding(.top, 8)
            }
        }
    }

    private func submitPassword() {
        Task { @MainActor in await model.submitPassword() }
    }

    private func confirm() {
        KeepRunning.inBackground("Import accounts") { await model.confirmImport() }
    }
}

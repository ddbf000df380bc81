// What happens after a code was scanned: working, the enrolled screen, the
// certificate warning, or why the code cannot be used (with Scan again).
import CountersignAppModel
import SwiftUI

struct EnrollStatusView: View {
    @ObservedObject var model: EnrollModel
    let onScanAgain: () -> Void
    /// A Google Authenticator export: the scan screen shows the import preview.
    let onImport: (Data) -> Void
    /// This phone now approves sign-ins.
    let onEnrolled: () -> Void
    let onClose: (_ notice: String?) -> Void

    /// The warning's buttons were used; the model's step follows a moment later.
    @State private var warningAnswered = false

    // Spelled out: private @State makes the synthesized initialiser private.
    init(model: EnrollModel, onScanAgain: @escaping () -> Void, onImport: @escaping (Data) -> Void,
         onEnrolled: @escaping () -> Void, onClose: @escaping (_ notice: String?) -> Void) {
        self.model = model
        self.onScanAgain = onScanAgain
        self.onImport = onImport
        self.onEnrolled = onEnrolled
        self.onClose = onClose
    }

    var body: some View {
        content
            .alert(isPresented: askingAboutCertificates) {
                Alert(
                    title: Text(EnrollModel.certificateTitle),
                    message: Text(certificateWarning),
                    primaryButton: .destructive(Text("Enroll anyway")) {
                        KeepRunning.inBackground("Enroll this phone") { await model.acceptUncheckedCertificates() }
                    },
                    secondaryButton: .cancel(Text("Cancel")) { model.declineUncheckedCertificates() }
                )
            }
            .onReceive(model.$step) { step in
                switch step {
                case .accountAdded: onClose(EnrollModel.added)
                case .enrolled: onEnrolled()
                case let .importExport(file): onImport(file)
                default: break
                }
            }
    }

    @ViewBuilder
    private var content: some View {
        switch model.step {
        case let .enrolled(account):
            EnrolledView(account: account, onDone: { onClose(nil) })
        case let .message(text):
            VStack(spacing: 16) {
                Image(systemName: "exclamationmark.triangle")
                    .font(.system(size: 44))
                    .foregroundColor(.orange)
                Text(text)
                    .multilineTextAlignment(.center)
                    .fixedSize(horizontal: false, vertical: true)
                Button("Scan again", action: onScanAgain)
            }
            .padding()
            .frame(maxWidth: .infinity, maxHeight: .infinity)
        default:
            VStack(spacing: 12) {
                ActivityIndicator()
                Text("Setting up…").foregroundColor(.secondary)
            }
            .frame(maxWidth: .infinity, maxHeight: .infinity)
        }
    }

    /// Up while the core's warning waits for an answer. Closing it is
    /// remembered here: the model's step only moves on once the answer's task
    /// runs, and the alert must not come back meanwhile.
    private var askingAboutCertificates: Binding<Bool> {
        Binding(
            get: {
                guard case .confirmUncheckedCertificates = model.step else { return false }
                return !warningAnswered
            },
            set: { shown in
                if !shown { warningAnswered = true }
            }
        )
    }

    private var certificateWarning: String {
        if case let .confirmUncheckedCertificates(url, warning) = model.step {
            return "\(warning)\n\n\(url)"
        }
        return ""
    }
}

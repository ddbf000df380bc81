// Settings (Share Diagnostic Data, mobile data too, What is shared), import,
// the sign-in approval accounts with Remove, the Protect ID with Copy, the
// version, and help, terms and privacy.
import Countersign
import CountersignAppModel
import SwiftUI
import UIKit

struct MoreView: View {
    @ObservedObject var model: MoreModel
    let service: CountersignService

    @State private var importing: ImportModel?

    // Spelled out: private @State makes the synthesized initialiser private.
    init(model: MoreModel, service: CountersignService) {
        self.model = model
        self.service = service
    }

    var body: some View {
        Form {
            Section(header: Text("Settings")) {
                Toggle(isOn: diagnostics) { Text("Share Diagnostic Data") }
                    .disabled(!model.diagnosticsLoaded)
                Toggle(isOn: onAnyNetwork) { Text("Send over mobile data too") }
                    .disabled(!model.networkToggleEnabled)
                NavigationLink(destination: WhatIsSharedView(model: model)) {
                    Text("What is shared")
                }
                Button("Import accounts from another app") {
                    importing = ImportModel(service: service)
                }
            }
            Section(header: Text("Sign-in approvals")) {
                if model.pushAccounts.isEmpty {
                    Text("This phone approves no sign-ins yet.").foregroundColor(.secondary)
                }
                ForEach(model.pushAccounts) { row in
                    HStack {
                        VStack(alignment: .leading, spacing: 2) {
                            Text(row.title)
                            Text(row.detail).font(.footnote).foregroundColor(.secondary)
                        }
                        Spacer()
                        Button(action: { model.requestRemoval(row) }) {
                            Text("Remove").foregroundColor(.red)
                        }
                        .buttonStyle(BorderlessButtonStyle())
                    }
                }
            }
            Section(header: Text("Protect ID"),
                    footer: Text("Your administrator may ask for it to tell this phone apart.")) {
                Text(model.protectId ?? "…")
                    .font(.system(.body, design: .monospaced))
                Button("Copy") {
                    if let id = model.copyProtectId() { UIPasteboard.general.string = id }
                }
                .disabled(model.protectId == nil)
            }
            Section(header: Text("About")) {
                Text(model.versionText)
                link("Help", MoreModel.helpURL)
                link("Terms", MoreModel.termsURL)
                link("Privacy", MoreModel.privacyURL)
            }
        }
        .navigationBarTitle("More")
        .alert(item: $model.pendingRemoval) { row in
            Alert(
                title: Text(MoreModel.removeTitle),
                message: Text("\(row.title)\n\n\(MoreModel.removeBody)"),
                primaryButton: .destructive(Text("Remove")) {
                    Task { @MainActor in await model.remove(row) }
                },
                secondaryButton: .cancel()
            )
        }
        .sheet(item: $importing) { importModel in
            ImportView(model: importModel) { notice in
                importing = nil
                model.notice = notice
            }
        }
        .notice($model.notice)
        .onAppear {
            Task { @MainActor in await model.load() }
        }
    }

    /// Saved at once; the model puts the toggle back if saving fails.
    private var diagnostics: Binding<Bool> {
        Binding(
            get: { model.diagnosticsEnabled },
            set: { enabled in Task { @MainActor in await model.setDiagnostics(enabled) } }
        )
    }

    /// Saved at once, like `diagnostics`.
    private var onAnyNetwork: Binding<Bool> {
        Binding(
            get: { model.diagnosticsOnAnyNetwork },
            set: { enabled in Task { @MainActor in await model.setDiagnosticsOnAnyNetwork(enabled) } }
        )
    }

    /// Opens in Safari (SwiftUI's Link is iOS 14).
    private func link(_ title: String, _ url: URL?) -> some View {
        Button(title) {
            if let url = url { UIApplication.shared.open(url) }
        }
        .disabled(url == nil)
    }
}

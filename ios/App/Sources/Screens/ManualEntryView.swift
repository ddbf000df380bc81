// Adding an account by typing its key: issuer, account, key; Advanced for
// type, algorithm, digits and period or counter. Errors show under the field
// they are about.
import CountersignAppModel
import SwiftUI

struct ManualEntryView: View {
    @ObservedObject var model: ManualEntryModel
    /// Closes the sheet; the text is what the codes screen says afterwards.
    let onClose: (_ notice: String?) -> Void

    @State private var showsAdvanced = false

    // Spelled out: private @State makes the synthesized initialiser private.
    init(model: ManualEntryModel, onClose: @escaping (_ notice: String?) -> Void) {
        self.model = model
        self.onClose = onClose
    }

    var body: some View {
        NavigationView {
            Form {
                Section {
                    field("Issuer (e.g. GitHub)", text: $model.issuer, error: .issuer)
                    field("Account (e.g. jane@example.com)", text: $model.name, error: .name)
                    VStack(alignment: .leading, spacing: 4) {
                        TextField("Key", text: $model.secret)
                            .font(.system(.body, design: .monospaced))
                            .disableAutocorrection(true)
                            .autocapitalization(.allCharacters)
                        errorText(.secret)
                    }
                }
                Section {
                    Toggle(isOn: $showsAdvanced) { Text("Advanced") }
                    if showsAdvanced {
                        advanced
                    }
                }
                Section(footer: errorText(.form)) {
                    Button(action: add) {
                        Text(model.isAdding ? "Adding…" : "Add")
                    }
                    .disabled(model.isAdding)
                }
            }
            .navigationBarTitle(Text("Enter a key"), displayMode: .inline)
            .navigationBarItems(leading: Button("Cancel") { onClose(nil) })
        }
        .navigationViewStyle(StackNavigationViewStyle())
        .onReceive(model.$addedId) { added in
            if added != nil { onClose("Account added") }
        }
    }

    @ViewBuilder
    private var advanced: some View {
        Picker("Type", selection: $model.kind) {
            ForEach(ManualEntryModel.Kind.allCases) { kind in
                Text(kind.label).tag(kind)
            }
        }
        .pickerStyle(SegmentedPickerStyle())
        VStack(alignment: .leading, spacing: 4) {
            Text("Algorithm").font(.footnote).foregroundColor(.secondary)
            Picker("Algorithm", selection: $model.algorithm) {
                ForEach(ManualEntryModel.Algorithm.allCases) { algorithm in
                    Text(algorithm.rawValue).tag(algorithm)
                }
            }
            .pickerStyle(SegmentedPickerStyle())
            errorText(.algorithm)
        }
        VStack(alignment: .leading, spacing: 4) {
            Text("Digits").font(.footnote).foregroundColor(.secondary)
            Picker("Digits", selection: $model.digits) {
                ForEach(ManualEntryModel.digitChoices, id: \.self) { digits in
                    Text("\(digits)").tag(digits)
                }
            }
            .pickerStyle(SegmentedPickerStyle())
            errorText(.digits)
        }
        if model.kind == .totp {
            numberField("Period in seconds", text: $model.period, error: .period)
        } else {
            numberField("Counter", text: $model.counter, error: .counter)
        }
    }

    private func field(_ title: String, text: Binding<String>, error: ManualEntryModel.Field) -> some View {
        VStack(alignment: .leading, spacing: 4) {
            TextField(title, text: text)
                .disableAutocorrection(true)
                .autocapitalization(.none)
            errorText(error)
        }
    }

    private func numberField(_ title: String, text: Binding<String>, error: ManualEntryModel.Field) -> some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(title).font(.footnote).foregroundColor(.secondary)
            TextField(title, text: text).keyboardType(.numberPad)
            errorText(error)
        }
    }

    @ViewBuilder
    private func errorText(_ field: ManualEntryModel.Field) -> some View {
        if let error = model.error(for: field) {
            Text(error)
                .font(.footnote)
                .foregroundColor(.red)
                .fixedSize(horizontal: false, vertical: true)
        }
    }

    private func add() {
        Task { @MainActor in await model.add() }
    }
}

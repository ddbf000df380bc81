// More > Settings > What is shared: every field a diagnostics batch can
// carry, name and meaning, from the core; what is never shared below.
import CountersignAppModel
import CountersignFFI
import SwiftUI

struct WhatIsSharedView: View {
    @ObservedObject var model: MoreModel

    var body: some View {
        List {
            Section(header: Text("A report can hold only these"),
                    footer: Text(model.neverSharedFooter)) {
                ForEach(model.sharedFields, id: \.name) { field in
                    VStack(alignment: .leading, spacing: 2) {
                        Text(field.name)
                            .font(.system(.body, design: .monospaced))
                        Text(field.meaning)
                            .font(.footnote)
                            .foregroundColor(.secondary)
                            .fixedSize(horizontal: false, vertical: true)
                    }
                    .accessibilityElement(children: .combine)
                }
            }
        }
        .listStyle(GroupedListStyle())
        .navigationBarTitle(Text("What is shared"), displayMode: .inline)
        .onAppear { model.loadWhatIsShared() }
    }
}

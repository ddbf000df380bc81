// The sign-in requests waiting on this phone, with a line for each account
// whose server could not be asked. A tap opens the request.
import CountersignAppModel
import CountersignFFI
import SwiftUI
import UIKit

struct RequestsView: View {
    @ObservedObject var model: PendingModel
    let onOpen: (PushRequestItem) -> Void

    var body: some View {
        List {
            if let failure = model.failure {
                Section {
                    Text(failure)
                        .foregroundColor(.red)
                        .fixedSize(horizontal: false, vertical: true)
                }
            }
            if !model.banners.isEmpty {
                Section(header: Text("Could not check")) {
                    ForEach(model.banners, id: \.self) { banner in
                        Text(banner)
                            .font(.footnote)
                            .fixedSize(horizontal: false, vertical: true)
                    }
                }
            }
            Section(footer: Text(model.emptyText ?? "")) {
                ForEach(model.rows) { row in
                    Button(action: { onOpen(row.request) }) {
                        VStack(alignment: .leading, spacing: 4) {
                            Text(row.title).foregroundColor(.primary)
                            Text(row.summary).font(.footnote).foregroundColor(.secondary)
                        }
                        .padding(.vertical, 4)
                    }
                }
            }
        }
        .listStyle(GroupedListStyle())
        .navigationBarTitle("Requests")
        .navigationBarItems(trailing: refreshButton)
        .onAppear(perform: refresh)
        .onReceive(NotificationCenter.default.publisher(for: UIApplication.willEnterForegroundNotification)) { _ in
            refresh()
        }
    }

    private var refreshButton: some View {
        Group {
            if model.isLoading {
                ActivityIndicator()
            } else {
                Button(action: refresh) {
                    Image(systemName: "arrow.clockwise").imageScale(.large)
                }
                .accessibility(label: Text("Refresh"))
            }
        }
    }

    private func refresh() {
        Task { @MainActor in await model.refresh() }
    }
}

// The app's root: Codes, Requests and More tabs, and the approval screen over
// them when a sign-in request is opened (from the list, or by tapping its
// notification). The tab models live as long as the scene.
import Countersign
import CountersignAppModel
import CountersignFFI
import SwiftUI
import UIKit

struct RootView: View {
    private enum Tab: Hashable {
        case codes, requests, more
    }

    private let service: CountersignService
    private let prompt: BiometricPrompt
    private let accounts: AccountsModel
    private let pending: PendingModel
    private let more: MoreModel

    @State private var tab = Tab.codes
    @State private var approval: ApprovalModel?

    init() {
        let service = AppEnvironment.shared.client
        self.service = service
        prompt = AppEnvironment.shared.prompt
        accounts = AccountsModel(service: service)
        pending = PendingModel(service: service)
        more = MoreModel(service: service, version: RootView.version)
    }

    var body: some View {
        TabView(selection: $tab) {
            NavigationView {
                AccountsView(model: accounts, service: service)
            }
            .navigationViewStyle(StackNavigationViewStyle())
            .tabItem {
                Image(systemName: "number.square")
                Text("Codes")
            }
            .tag(Tab.codes)

            NavigationView {
                RequestsView(model: pending, onOpen: open)
            }
            .navigationViewStyle(StackNavigationViewStyle())
            .tabItem {
                Image(systemName: "checkmark.shield")
                Text("Requests")
            }
            .tag(Tab.requests)

            NavigationView {
                MoreView(model: more, service: service)
            }
            .navigationViewStyle(StackNavigationViewStyle())
            .tabItem {
                Image(systemName: "ellipsis.circle")
                Text("More")
            }
            .tag(Tab.more)
        }
        .sheet(item: $approval, onDismiss: refreshRequests) { shown in
            NavigationView {
                ApprovalView(model: shown, onClose: { approval = nil })
            }
            .navigationViewStyle(StackNavigationViewStyle())
        }
        // A tapped notification: its request, or (when it could not be
        // verified) the list of what is pending.
        .onReceive(NotificationCenter.default.publisher(for: NotificationResponder.openRequest)) { note in
            let id = note.userInfo?[NotificationResponder.requestIdKey] as? String
            Task { @MainActor in
                // Handled here: the launch path below must not open it again.
                _ = NotificationResponder.takeRequestToOpen()
                openFromNotification(id)
            }
        }
        // A tap that launched the app was posted before this view listened.
        .onAppear {
            Task { @MainActor in
                if let id = NotificationResponder.takeRequestToOpen() { openFromNotification(id) }
            }
        }
    }

    private func open(_ request: PushRequestItem) {
        approval = ApprovalModel(request: request, service: service, prompt: prompt)
    }

    private func openFromNotification(_ requestId: String?) {
        tab = .requests
        if let id = requestId {
            guard approval?.requestId != id else { return }
            approval = ApprovalModel(requestId: id, service: service, prompt: prompt)
        } else {
            refreshRequests()
        }
    }

    private func refreshRequests() {
        Task { @MainActor in await pending.refresh() }
    }

    /// "1.4 (52)": what a bug report needs.
    private static var version: String {
        let info = Bundle.main.infoDictionary
        let short = info?["CFBundleShortVersionString"] as? String ?? "?"
        let build = info?["CFBundleVersion"] as? String ?? "?"
        return "\(short) (\(build))"
    }
}

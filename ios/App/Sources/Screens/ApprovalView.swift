// One sign-in request: what, where, when and how long is left, under a banner
// when the server judged it risky; the number to match when asked; Approve,
// Deny, Deny and report. The core asks Face ID / Touch ID itself when policy
// (or a high risk level) wants it.
import Combine
import CountersignAppModel
import SwiftUI

struct ApprovalView: View {
    @ObservedObject var model: ApprovalModel
    let onClose: () -> Void

    private let timer = Timer.publish(every: 1, on: .main, in: .common).autoconnect()

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                content
            }
            .padding()
            .frame(maxWidth: 560)
            .frame(maxWidth: .infinity)
        }
        .navigationBarTitle(Text("Sign-in request"), displayMode: .inline)
        .navigationBarItems(trailing: Button("Close", action: onClose))
        .onAppear {
            Task { @MainActor in await model.load() }
        }
        .onReceive(timer) { _ in model.tick() }
    }

    @ViewBuilder
    private var content: some View {
        switch model.phase {
        case .loading:
            HStack(spacing: 8) {
                ActivityIndicator()
                Text("Loading…").foregroundColor(.secondary)
            }
        case .ready, .answering:
            request
        case let .finished(.approvedShowCode(code, message)):
            VStack(spacing: 12) {
                Text(message).multilineTextAlignment(.center)
                Text(CodeFormatting.grouped(code))
                    .font(.system(size: 44, weight: .semibold, design: .monospaced))
                Button("Done", action: onClose)
            }
            .frame(maxWidth: .infinity)
        case let .finished(outcome):
            finished(outcome)
        }
    }

    private var request: some View {
        VStack(alignment: .leading, spacing: 16) {
            Text(model.title)
                .font(.title)
                .fixedSize(horizontal: false, vertical: true)
            riskBanner
            VStack(alignment: .leading, spacing: 4) {
                ForEach(model.details, id: \.self) { line in
                    Text(line)
                        .foregroundColor(.secondary)
                        .fixedSize(horizontal: false, vertical: true)
                }
            }
            Text(model.countdownText)
                .font(Font.body.monospacedDigit())
                .foregroundColor(model.secondsLeft <= 10 ? Color.red : Color.primary)
            numberEntry
            if let notice = model.notice {
                Text(notice)
                    .foregroundColor(.red)
                    .fixedSize(horizontal: false, vertical: true)
            }
            answers
        }
        .disabled(model.phase == .answering)
    }

    /// Orange for medium risk, red for high (the Android app's colours); none for low.
    @ViewBuilder
    private var riskBanner: some View {
        if let banner = model.riskBanner {
            HStack(alignment: .top, spacing: 8) {
                Image(systemName: "exclamationmark.triangle.fill")
                    .accessibility(hidden: true)
                Text(banner)
                    .fixedSize(horizontal: false, vertical: true)
            }
            .foregroundColor(.white)
            .padding(12)
            .frame(maxWidth: .infinity, alignment: .leading)
            .background(model.isHighRisk
                ? Color(red: 0.73, green: 0.11, blue: 0.11)
                : Color(red: 0.71, green: 0.33, blue: 0.04))
            .cornerRadius(10)
        }
    }

    @ViewBuilder
    private var numberEntry: some View {
        switch model.numberEntry {
        case .noNumber:
            EmptyView()
        case .typed:
            VStack(alignment: .leading, spacing: 8) {
                Text(ApprovalModel.typeNumber)
                TextField("Number", text: $model.typedNumber)
                    .keyboardType(.numberPad)
                    .font(.title)
                    .textFieldStyle(RoundedBorderTextFieldStyle())
            }
        case let .choices(numbers):
            VStack(alignment: .leading, spacing: 8) {
                Text("Tap the number shown on the sign-in screen")
                HStack(spacing: 12) {
                    ForEach(numbers, id: \.self) { number in
                        Button(action: { approve(number) }) {
                            Text(number)
                                .font(.title)
                                .frame(maxWidth: .infinity)
                                .padding()
                                .background(RoundedRectangle(cornerRadius: 10).stroke(Color.accentColor, lineWidth: 2))
                        }
                        .accessibility(label: Text("Approve with \(number)"))
                    }
                }
            }
        }
    }

    private var answers: some View {
        VStack(spacing: 12) {
            if !choosesNumber {
                Button(action: { approve(nil) }) {
                    Text("Approve")
                        .bold()
                        .frame(maxWidth: .infinity)
                        .padding()
                        .background(Color.accentColor)
                        .foregroundColor(.white)
                        .cornerRadius(10)
                }
            }
            Button(action: deny) {
                Text("Deny")
                    .frame(maxWidth: .infinity)
                    .padding()
                    .background(RoundedRectangle(cornerRadius: 10).stroke(Color.secondary))
            }
            Button(action: report) {
                Text("Deny and report").foregroundColor(.red)
            }
            if model.phase == .answering {
                ActivityIndicator()
            }
        }
    }

    private func finished(_ outcome: ApprovalModel.Outcome) -> some View {
        VStack(spacing: 16) {
            Image(systemName: symbol(outcome))
                .font(.system(size: 64))
                .foregroundColor(color(outcome))
            Text(model.outcomeText ?? "")
                .font(.title)
                .multilineTextAlignment(.center)
                .fixedSize(horizontal: false, vertical: true)
            Button("Done", action: onClose)
        }
        .frame(maxWidth: .infinity)
    }

    private var choosesNumber: Bool {
        if case .choices = model.numberEntry { return true }
        return false
    }

    private func symbol(_ outcome: ApprovalModel.Outcome) -> String {
        switch outcome {
        case .approved, .approvedShowCode: return "checkmark.circle.fill"
        case .denied, .reported: return "xmark.circle.fill"
        case .expired, .closed: return "clock"
        }
    }

    private func color(_ outcome: ApprovalModel.Outcome) -> Color {
        switch outcome {
        case .approved, .approvedShowCode: return .green
        case .denied, .reported: return .red
        case .expired, .closed: return .secondary
        }
    }

    private func approve(_ choice: String?) {
        KeepRunning.inBackground("Approve a sign-in") { await model.approve(choice: choice) }
    }

    private func deny() {
        KeepRunning.inBackground("Deny a sign-in") { await model.deny() }
    }

    private func report() {
        KeepRunning.inBackground("Report a sign-in") { await model.report() }
    }
}

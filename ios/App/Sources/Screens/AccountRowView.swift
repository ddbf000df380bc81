// One account in the codes list: its name, the big code and its countdown
// ring. A tap anywhere copies; the info button opens the account.
import CountersignAppModel
import SwiftUI

struct AccountRowView: View {
    let row: CodeRow
    let onCopy: () -> Void
    let onNextCode: () -> Void
    let onOpen: () -> Void

    var body: some View {
        HStack(spacing: 12) {
            VStack(alignment: .leading, spacing: 2) {
                Text(row.title)
                    .font(.subheadline)
                    .foregroundColor(.secondary)
                    .lineLimit(1)
                codeText
            }
            Spacer(minLength: 8)
            if row.isHotp {
                Button("Next code", action: onNextCode)
                    .buttonStyle(BorderlessButtonStyle())
            } else if row.secondsLeft != nil {
                CountdownRing(progress: row.progress, isExpiring: row.isExpiring)
                    .frame(width: 28, height: 28)
            }
            Button(action: onOpen) {
                Image(systemName: "info.circle").imageScale(.large)
            }
            .buttonStyle(BorderlessButtonStyle())
            .accessibility(label: Text("Edit \(row.title)"))
        }
        .padding(.vertical, 6)
        .contentShape(Rectangle())
        .onTapGesture(perform: onCopy)
    }

    @ViewBuilder
    private var codeText: some View {
        if row.code != nil {
            Text(row.display)
                .font(.system(size: 32, weight: .medium, design: .monospaced))
                .foregroundColor(row.isExpiring ? Color.red : Color.primary)
                .accessibility(label: Text("Code \(row.display), tap to copy"))
        } else if row.unavailable != nil {
            Text(row.display)
                .font(.footnote)
                .foregroundColor(.red)
                .fixedSize(horizontal: false, vertical: true)
        } else {
            Text(row.display)
                .font(.body)
                .foregroundColor(.secondary)
        }
    }
}

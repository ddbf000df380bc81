// The end of a push enrollment: a green check, who this phone now approves
// sign-ins for, and Done.
import CountersignAppModel
import CountersignFFI
import SwiftUI

struct EnrolledView: View {
    let account: PushAccountItem
    let onDone: () -> Void

    var body: some View {
        ScrollView {
            VStack(spacing: 16) {
                Image(systemName: "checkmark.circle.fill")
                    .font(.system(size: 88))
                    .foregroundColor(.green)
                    .accessibility(label: Text(EnrollModel.enrolledTitle))
                Text(EnrollModel.enrolledTitle).font(.title)
                Text(EnrollModel.enrolledFor(account))
                    .multilineTextAlignment(.center)
                    .fixedSize(horizontal: false, vertical: true)
                Text(account.user).foregroundColor(.secondary)
                if !account.certificateChecks {
                    Text("Certificate checks are off for this server, as you agreed.")
                        .font(.footnote)
                        .foregroundColor(.orange)
                        .multilineTextAlignment(.center)
                }
                Text(EnrollModel.enrolledNext)
                    .font(.footnote)
                    .multilineTextAlignment(.center)
                    .fixedSize(horizontal: false, vertical: true)
                Button("Done", action: onDone)
                    .padding(.top)
            }
            .padding()
            .frame(maxWidth: 520)
            .frame(maxWidth: .infinity)
        }
    }
}

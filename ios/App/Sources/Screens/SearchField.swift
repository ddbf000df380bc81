// The search box above the codes list: `.searchable` is iOS 15.
import SwiftUI

struct SearchField: View {
    @Binding var text: String
    var placeholder = "Search accounts"

    var body: some View {
        HStack(spacing: 6) {
            Image(systemName: "magnifyingglass").foregroundColor(.secondary)
            TextField(placeholder, text: $text)
                .disableAutocorrection(true)
                .autocapitalization(.none)
            if !text.isEmpty {
                Button(action: { text = "" }) {
                    Image(systemName: "xmark.circle.fill").foregroundColor(.secondary)
                }
                .accessibility(label: Text("Clear search"))
            }
        }
        .padding(8)
        .background(RoundedRectangle(cornerRadius: 10).fill(Color(.secondarySystemBackground)))
        .padding(.horizontal)
        .padding(.vertical, 8)
    }
}
